import { execFileSync } from "node:child_process";
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestCerts } from "./tls-certs.js";

/**
 * A throw-away PostgreSQL cluster on 127.0.0.1 (initdb + pg_ctl in a temp folder, ~1–2 s), so
 * TLS is tested against the real server code: `ssl = on` with the test CA's server certificate
 * and pg_hba lines that allow only TLS (`hostssl`, and `cert` authentication for the client
 * certificate's user), or `ssl = off` with plain `host` lines. As root the server runs as the
 * `postgres` OS user (initdb refuses root).
 */
export interface TestCluster {
  readonly port: number;
  stop(): void;
}

const BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";
/** util-linux's runuser lives in sbin, which a bare PATH (`env -i PATH=/usr/bin:/bin`) lacks. */
const RUNUSER = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser", "/bin/runuser"].find(
  (path) => existsSync(path),
);

/**
 * `undefined` when clusters can be made here, else why not. With CI=true a missing PostgreSQL
 * installation throws: CI must fail, never skip (as @repo/pg-testing does for the server).
 */
export function clusterUnavailable(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const missing = ["initdb", "pg_ctl", "postgres"].filter((bin) => !existsSync(join(BIN, bin)));
  let reason =
    missing.length > 0
      ? `PostgreSQL binaries ${missing.join(", ")} not found in ${BIN}`
      : undefined;
  if (reason === undefined && process.getuid?.() === 0 && RUNUSER === undefined)
    reason = "running as root, and runuser (to run the server as `postgres`) is not installed";
  if (reason === undefined && process.getuid?.() === 0) {
    try {
      execFileSync("id", ["-u", "postgres"], { stdio: "ignore" });
    } catch {
      reason = "running as root, and there is no `postgres` OS user to run the server as";
    }
  }
  if (reason !== undefined && (env.CI === "true" || env.CI === "1"))
    throw new Error(`${reason} (CI=true: failing, not skipping; set PG_BIN)`);
  return reason;
}

/** Runs a PostgreSQL binary, as the `postgres` OS user when we are root. */
function pgBin(bin: string, args: readonly string[]): void {
  const command = join(BIN, bin);
  const [file, argv] =
    process.getuid?.() === 0
      ? [RUNUSER ?? "runuser", ["-u", "postgres", "--", command, ...args]]
      : [command, [...args]];
  execFileSync(file, argv, { stdio: ["ignore", "ignore", "pipe"] });
}

export async function startCluster(options: {
  readonly ssl: boolean;
  readonly certs: TestCerts;
}): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), "target-postgres-cluster-"));
  const data = join(dir, "data");
  const owned = (path: string) => {
    if (process.getuid?.() === 0) execFileSync("chown", ["-R", "postgres:", path]);
  };
  owned(dir);
  pgBin("initdb", [
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=trust",
    "-N",
    "--no-locale",
    "-E",
    "UTF8",
  ]);
  for (const file of ["server.crt", "server.key", "ca.crt"])
    copyFileSync(options.certs.path(file), join(data, file));
  execFileSync("chmod", ["600", join(data, "server.key")]);
  appendFileSync(
    join(data, "postgresql.conf"),
    [
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dir}'`,
      `ssl = ${options.ssl ? "on" : "off"}`,
      "ssl_cert_file = 'server.crt'",
      "ssl_key_file = 'server.key'",
      "ssl_ca_file = 'ca.crt'", // verifies the client certificates that `cert` lines ask for
      "fsync = off",
      "shared_buffers = 16MB",
      "max_connections = 30",
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(data, "pg_hba.conf"),
    options.ssl
      ? [
          "local all all trust",
          "hostssl all tls_cert_user 127.0.0.1/32 cert",
          "hostssl all all 127.0.0.1/32 trust",
          "",
        ].join("\n")
      : ["local all all trust", "host all all 127.0.0.1/32 trust", ""].join("\n"),
  );
  owned(dir);
  const stop = () => {
    try {
      pgBin("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
    } catch {
      // already stopped
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // A free port can be taken between our probe and the server's bind: then try another.
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    try {
      pgBin("pg_ctl", [
        ...["-D", data, "-l", join(dir, "server.log"), "-o", `-p ${port}`],
        ...["-w", "-t", "60", "start"],
      ]);
      return { port, stop };
    } catch (error) {
      if (attempt < 3) continue;
      stop();
      throw error;
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
