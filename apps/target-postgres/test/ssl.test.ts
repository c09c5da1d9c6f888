import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ndjson,
  type RunResult,
  recordMessage,
  runTarget,
  schemaMessage,
  stateMessage,
} from "./support.js";
import { CLIENT_CN, makeCerts, type TestCerts } from "./tls-certs.js";
import { clusterUnavailable, startCluster, type TestCluster } from "./tls-server.js";

/**
 * ssl_mode and the certificate settings against two real servers started for this file: one
 * with `ssl = on` whose pg_hba.conf admits only TLS (`hostssl`; `cert` for the client
 * certificate's user), one with `ssl = off`. Which transport a run used is read back from
 * pg_stat_ssl through `target-postgres inspect --sql`, which connects the way a load does.
 */
const TRANSPORT = `select case when ssl then 'tls' else 'plain' end as transport,
  coalesce(client_dn, '-') as client_dn from pg_stat_ssl where pid = pg_backend_pid()`;

/** An environment without the caller's PGSSLMODE, so only what a test sets decides. */
const ENV = { PGSSLMODE: "" };

describe.skipIf(clusterUnavailable() !== undefined)("TLS connections (ssl_mode)", () => {
  let certs: TestCerts;
  let tls: TestCluster;
  let plain: TestCluster;
  beforeAll(async () => {
    certs = makeCerts();
    [tls, plain] = await Promise.all([
      startCluster({ ssl: true, certs }),
      startCluster({ ssl: false, certs }),
    ]);
    const admin = new pg.Client({
      host: "127.0.0.1",
      port: tls.port,
      user: "postgres",
      database: "postgres",
      ssl: { rejectUnauthorized: false },
    });
    await admin.connect();
    await admin.query(`create role ${CLIENT_CN} login superuser`);
    await admin.end();
  });
  afterAll(() => {
    tls?.stop();
    plain?.stop();
    certs?.remove();
  });

  const server = (cluster: TestCluster, settings: Record<string, unknown> = {}) => ({
    host: "127.0.0.1",
    port: cluster.port,
    user: "postgres",
    database: "postgres",
    ...settings,
  });

  /** `inspect --sql <TRANSPORT>`: the transport the target's connection used, or the failure. */
  async function transport(
    config: Record<string, unknown>,
    env: NodeJS.ProcessEnv = {},
  ): Promise<RunResult & { used: string | undefined }> {
    const dir = mkdtempSync(join(tmpdir(), "target-postgres-ssl-config-"));
    try {
      writeFileSync(join(dir, "config.json"), JSON.stringify(config));
      const result = await runTarget(undefined, "", {
        args: ["inspect", "--config", join(dir, "config.json"), "--sql", TRANSPORT],
        env: { ...ENV, LOGLEVEL: "info", ...env },
      });
      return { ...result, used: /\b(tls|plain)\b/.exec(result.stdout)?.[1] };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  describe("against a server with ssl = on that admits only TLS", () => {
    it.each([
      ["require", {}],
      ["prefer", {}],
      ["verify-ca", { ssl_certificate_authority: "ca.crt" }],
      ["verify-full", { host: "localhost", ssl_certificate_authority: "ca.crt" }],
    ])("%s connects over TLS", async (mode, extra) => {
      const settings = { ssl_mode: mode, ...extra };
      if ("ssl_certificate_authority" in settings)
        settings.ssl_certificate_authority = certs.path("ca.crt");
      const result = await transport(server(tls, settings));
      expect(result.fatal).toBeUndefined();
      expect(result.used).toBe("tls");
    });

    it("allow: the plaintext attempt is refused by pg_hba, then TLS connects", async () => {
      expect((await transport(server(tls, { ssl_mode: "allow" }))).used).toBe("tls");
      // A load logs the fallback at info (inspect logs warnings only).
      const input = ndjson([schemaMessage("t", { id: { type: "integer" } }), stateMessage({})]);
      const config = server(tls, { ssl_mode: "allow", default_target_schema: "tls_allow" });
      const result = await runTarget(config, input, { env: ENV });
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(
        /127\.0\.0\.1:\d+ refused a plaintext connection \(no pg_hba\.conf entry .*no encryption\): connecting over TLS \(ssl_mode allow\)/,
      );
    });

    it("disable: never tries TLS, so pg_hba refuses it", async () => {
      const result = await transport(server(tls, { ssl_mode: "disable" }));
      expect(result.code).toBe(1);
      expect(result.fatal).toMatch(/no pg_hba\.conf entry .*no encryption/);
    });

    it("verify-ca: a wrong CA fails naming the host and the setting; require with that CA too", async () => {
      for (const mode of ["verify-ca", "require"]) {
        const result = await transport(
          server(tls, { ssl_mode: mode, ssl_certificate_authority: certs.path("other-ca.crt") }),
        );
        expect(result.code).toBe(1);
        expect(result.fatal).toMatch(
          new RegExp(
            `could not connect to PostgreSQL at 127\\.0\\.0\\.1:${tls.port} over TLS: the server's certificate is not signed by a trusted CA \\(\\w+: .*\\); give the CA that signed it in ssl_certificate_authority`,
          ),
        );
      }
    });

    it("verify-full: a host name the certificate does not list fails; verify-ca accepts it", async () => {
      const ca = certs.path("ca.crt");
      const full = await transport(
        server(tls, { ssl_mode: "verify-full", ssl_certificate_authority: ca }),
      );
      expect(full.code).toBe(1);
      expect(full.fatal).toContain(
        `could not connect to PostgreSQL at 127.0.0.1:${tls.port} over TLS: the server's certificate is not valid for this host name (ERR_TLS_CERT_ALTNAME_INVALID:`,
      );
      const chainOnly = await transport(
        server(tls, { ssl_mode: "verify-ca", ssl_certificate_authority: ca }),
      );
      expect(chainOnly.used).toBe("tls");
    });

    it("verify-full without ssl_certificate_authority trusts only the public CAs", async () => {
      const result = await transport(server(tls, { host: "localhost", ssl_mode: "verify-full" }));
      expect(result.code).toBe(1);
      expect(result.fatal).toMatch(/not signed by a trusted CA/);
    });

    it("client certificate: required by pg_hba `cert`; given as paths or as inline PEM", async () => {
      const user = { user: CLIENT_CN, ssl_mode: "verify-full", host: "localhost" };
      const ca = { ssl_certificate_authority: certs.path("ca.crt") };
      const without = await transport(server(tls, { ...user, ...ca }));
      expect(without.code).toBe(1);
      expect(without.fatal).toMatch(
        new RegExp(
          `could not connect to PostgreSQL at localhost:${tls.port}: the server requires a client certificate \\(.*certificate.*\\); give ssl_client_certificate and ssl_client_private_key`,
        ),
      );
      const byPath = await transport(
        server(tls, {
          ...user,
          ...ca,
          ssl_client_certificate: certs.path("client.crt"),
          ssl_client_private_key: certs.path("client.key"),
        }),
      );
      expect(byPath.fatal).toBeUndefined();
      expect(byPath.stdout).toContain(`CN=${CLIENT_CN}`);
      // Inline PEM, the key from the environment as a deployment would pass a secret.
      const inline = await transport(
        server(tls, {
          ...user,
          ssl_certificate_authority: certs.pem("ca.crt"),
          ssl_client_certificate: certs.pem("client.crt"),
        }),
        { TARGET_POSTGRES_SSL_CLIENT_PRIVATE_KEY: certs.pem("client.key") },
      );
      expect(inline.fatal).toBeUndefined();
      expect(inline.stdout).toContain(`CN=${CLIENT_CN}`);
    });

    it("a client certificate the server's CA did not sign is refused in the handshake", async () => {
      const result = await transport(
        server(tls, {
          user: CLIENT_CN,
          ssl_mode: "require",
          ssl_client_certificate: certs.path("stranger.crt"),
          ssl_client_private_key: certs.path("stranger.key"),
        }),
      );
      expect(result.code).toBe(1);
      expect(result.fatal).toMatch(
        new RegExp(
          `could not connect to PostgreSQL at 127\\.0\\.0\\.1:${tls.port} over TLS: the TLS handshake failed \\(ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: tlsv1 alert unknown ca\\); the server did not accept the client certificate \\(ssl_client_certificate\\)$`,
        ),
      );
    });

    it("ssl_mode wins over sslmode in connection_string and over PGSSLMODE", async () => {
      const url = `postgres://postgres@127.0.0.1:${tls.port}/postgres?sslmode=disable`;
      const result = await transport(
        { connection_string: url, ssl_mode: "require" },
        { PGSSLMODE: "disable" },
      );
      expect(result.used).toBe("tls");
      expect(result.stderr).toContain(
        "ssl_mode require wins: ignoring sslmode in the connection string",
      );
      const env = await transport(server(tls, { ssl_mode: "require" }), { PGSSLMODE: "disable" });
      expect(env.used).toBe("tls");
    });

    it("without ssl_mode, node-postgres decides as before (PGSSLMODE, the URL's sslmode)", async () => {
      expect((await transport(server(tls))).fatal).toMatch(/no encryption/);
      expect((await transport(server(tls), { PGSSLMODE: "no-verify" })).used).toBe("tls");
      const url = `postgres://postgres@127.0.0.1:${tls.port}/postgres?sslmode=no-verify`;
      expect((await transport({ connection_string: url })).used).toBe("tls");
    });

    it("a TLS failure prints no PEM, key or password text, even at debug level", async () => {
      const key = certs.pem("client.key");
      const result = await transport(
        server(tls, {
          password: "hunter2-password",
          ssl_mode: "verify-ca",
          ssl_certificate_authority: certs.pem("other-ca.crt"),
          ssl_client_certificate: certs.pem("client.crt"),
          ssl_client_private_key: key,
        }),
        { LOGLEVEL: "debug" },
      );
      expect(result.code).toBe(1);
      expect(result.fatal).toMatch(/not signed by a trusted CA/);
      for (const text of [
        "-----BEGIN",
        "PRIVATE KEY",
        "hunter2",
        ...["client.key", "client.crt", "other-ca.crt"].flatMap((file) =>
          certs.pem(file).split("\n").slice(1, -2),
        ),
      ])
        expect(result.stderr).not.toContain(text);
    });

    it("loads end to end over TLS and prints the STATE", async () => {
      const config = {
        ...server(tls, {
          host: "localhost",
          ssl_mode: "verify-full",
          ssl_certificate_authority: certs.path("ca.crt"),
          default_target_schema: "tls_load",
          max_parallelism: 2,
        }),
      };
      const input = ndjson([
        schemaMessage("users", { id: { type: "integer" }, name: { type: "string" } }, ["id"]),
        recordMessage("users", { id: 1, name: "ada" }),
        recordMessage("users", { id: 2, name: "grace" }),
        stateMessage({ bookmarks: { users: 2 } }),
      ]);
      const result = await runTarget(config, input, { env: ENV });
      expect(result.fatal).toBeUndefined();
      expect(result.code).toBe(0);
      expect(result.states).toEqual([{ bookmarks: { users: 2 } }]);
      const check = new pg.Client({
        ...server(tls),
        ssl: { ca: certs.pem("ca.crt"), servername: "localhost" },
      });
      await check.connect();
      try {
        const { rows } = await check.query("select id, name from tls_load.users order by id");
        expect(rows).toEqual([
          { id: "1", name: "ada" },
          { id: "2", name: "grace" },
        ]);
      } finally {
        await check.end();
      }
    });
  });

  describe("against a server with ssl = off", () => {
    it("prefer falls back to plaintext, saying so", async () => {
      const result = await transport(server(plain, { ssl_mode: "prefer" }));
      expect(result.used).toBe("plain");
      expect(result.stderr).toContain(
        `127.0.0.1:${plain.port} does not support SSL: connecting without TLS (ssl_mode prefer)`,
      );
    });

    it.each(["allow", "disable"])("%s connects in plaintext", async (mode) => {
      expect((await transport(server(plain, { ssl_mode: mode }))).used).toBe("plain");
    });

    it.each(["require", "verify-full"])("%s fails clearly, naming the host", async (mode) => {
      const result = await transport(
        server(plain, { ssl_mode: mode, ssl_certificate_authority: certs.path("ca.crt") }),
      );
      expect(result.code).toBe(1);
      expect(result.fatal).toContain(
        `could not connect to PostgreSQL at 127.0.0.1:${plain.port}: the server does not support SSL connections (it refused TLS)`,
      );
    });
  });

  it("a missing certificate file is a ConfigError (exit 2) before connecting", async () => {
    const missing = join(certs.dir, "missing.crt");
    const result = await transport({
      host: "127.0.0.1",
      port: 1, // nothing listens: a connect attempt would fail differently
      ssl_mode: "verify-ca",
      ssl_certificate_authority: missing,
    });
    expect(result.code).toBe(2);
    expect(result.fatal).toContain(
      `ssl_certificate_authority: cannot read file ${missing} (ENOENT)`,
    );
  });
});
