import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Throw-away certificates made with the openssl CLI at test time (never committed): a CA that
 * signs a server certificate for `localhost` only (so 127.0.0.1 does not match it) and a client
 * certificate, plus a second CA that signed neither. EC P-256 keys: fast to make.
 */
export interface TestCerts {
  readonly dir: string;
  /** Absolute path of `<name>.crt` / `<name>.key`. */
  path(file: string): string;
  /** The text of a file in `dir`. */
  pem(file: string): string;
  remove(): void;
}

export const CLIENT_CN = "tls_cert_user";

export function makeCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), "target-postgres-tls-"));
  const openssl = (...args: string[]) =>
    execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const ca = (name: string, cn: string) =>
    openssl(
      "req",
      "-x509",
      ...key,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.crt`,
      "-days",
      "2",
      "-subj",
      `/CN=${cn}`,
    );
  const signed = (name: string, cn: string, ext: string, by = "ca") => {
    writeFileSync(join(dir, `${name}.ext`), `${ext}\n`);
    openssl("req", ...key, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`);
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${by}.crt`,
      "-CAkey",
      `${by}.key`,
      "-CAcreateserial",
      "-out",
      `${name}.crt`,
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
    );
  };
  ca("ca", "target-postgres test CA");
  ca("other-ca", "some other CA");
  signed("server", "localhost", "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth");
  signed("client", CLIENT_CN, "extendedKeyUsage=clientAuth");
  signed("stranger", CLIENT_CN, "extendedKeyUsage=clientAuth", "other-ca"); // the server's CA did not sign it
  // An encrypted copy of the client key, which the target must refuse.
  openssl(
    "pkey",
    "-in",
    "client.key",
    "-out",
    "client-encrypted.key",
    "-aes256",
    "-passout",
    "pass:secret",
  );
  return {
    dir,
    path: (file) => join(dir, file),
    pem: (file) => readFileSync(join(dir, file), "utf8"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
