import { join } from "node:path";
import { Writable } from "node:stream";
import { ConfigError, Logger } from "@singerkit/singer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCerts, type TestCerts } from "../test/tls-certs.js";
import { connectionSettings, type TargetConfig } from "./config.js";
import { openDb } from "./open-db.js";
import { type PgSsl, resolveSsl, type SslConfig, tlsOptions, withoutSslParams } from "./ssl.js";
import {
  describeTlsFailure,
  fallbackPool,
  isRefusal,
  type SslAttempts,
  serverAddress,
  sslAttempts,
} from "./ssl-connect.js";

let certs: TestCerts;
beforeAll(() => {
  certs = makeCerts();
});
afterAll(() => certs.remove());

/** The ConfigError a config raises (fails the test when it raises none). */
function configError(config: SslConfig): ConfigError {
  try {
    resolveSsl(config);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("resolveSsl", () => {
  it("ssl_mode unset and no certificates: undefined (node-postgres decides, as before)", () => {
    expect(resolveSsl({})).toBeUndefined();
  });

  it("reads a path and takes inline PEM (detected by -----BEGIN) to the same result", () => {
    const byPath = resolveSsl({
      ssl_mode: "verify-full",
      ssl_certificate_authority: certs.path("ca.crt"),
      ssl_client_certificate: certs.path("client.crt"),
      ssl_client_private_key: certs.path("client.key"),
    });
    const inline = resolveSsl({
      ssl_mode: "verify-full",
      ssl_certificate_authority: certs.pem("ca.crt"),
      ssl_client_certificate: certs.pem("client.crt"),
      ssl_client_private_key: `\n${certs.pem("client.key")}`,
    });
    expect(byPath).toEqual({
      mode: "verify-full",
      ca: certs.pem("ca.crt"),
      cert: certs.pem("client.crt"),
      key: certs.pem("client.key"),
    });
    expect(inline?.ca).toBe(byPath?.ca);
    expect(inline?.cert).toBe(byPath?.cert);
  });

  it("inline PEM on one line with \\n escapes (a CI secret, a .env file) is read as PEM", () => {
    const oneLine = (file: string) => certs.pem(file).replaceAll("\n", "\\n");
    expect(
      resolveSsl({
        ssl_mode: "require",
        ssl_client_certificate: oneLine("client.crt"),
        ssl_client_private_key: oneLine("client.key"),
      }),
    ).toEqual({ mode: "require", cert: certs.pem("client.crt"), key: certs.pem("client.key") });
  });

  it("connectionSettings attaches the TLS settings to every kind of connection", () => {
    const base = { ssl_mode: "require" } as unknown as TargetConfig; // only the fields it reads
    const ssl = { mode: "require" };
    expect(connectionSettings({ ...base, host: "h" }, {})).toEqual({ host: "h", ssl });
    expect(connectionSettings({ ...base, connection_string: "postgres://h/d" }, {})).toEqual({
      connectionString: "postgres://h/d",
      ssl,
    });
    expect(connectionSettings(base, { DATABASE_URL: "postgres://e/d" })).toEqual({
      connectionString: "postgres://e/d",
      ssl,
    });
    expect(connectionSettings(base, {})).toEqual({ ssl });
    expect(connectionSettings({ host: "h" } as unknown as TargetConfig, {})).toEqual({ host: "h" });
  });

  it("a mode alone needs no certificate (verify-full then trusts Node's public CAs)", () => {
    expect(resolveSsl({ ssl_mode: "require" })).toEqual({ mode: "require" });
    expect(resolveSsl({ ssl_mode: "verify-full" })).toEqual({ mode: "verify-full" });
  });

  it.each<[string, () => SslConfig, RegExp]>([
    [
      "certificates without ssl_mode",
      () => ({ ssl_certificate_authority: certs.path("ca.crt") }),
      /^ssl_certificate_authority is set but ssl_mode is not/,
    ],
    [
      "verify-ca without a CA",
      () => ({ ssl_mode: "verify-ca" }),
      /^ssl_mode verify-ca needs ssl_certificate_authority/,
    ],
    [
      "a missing file",
      () => ({ ssl_mode: "require", ssl_certificate_authority: certs.path("nope.crt") }),
      /^ssl_certificate_authority: cannot read file \/.*nope\.crt \(ENOENT\)$/,
    ],
    [
      "a directory instead of a file",
      () => ({ ssl_mode: "require", ssl_certificate_authority: certs.dir }),
      /^ssl_certificate_authority: cannot read file .* \(EISDIR\)$/,
    ],
    [
      "a malformed inline certificate",
      () => ({
        ssl_mode: "require",
        ssl_certificate_authority:
          "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n",
      }),
      /^ssl_certificate_authority: certificate 1 in inline PEM is malformed$/,
    ],
    [
      "a key file given as the CA",
      () => ({ ssl_mode: "require", ssl_certificate_authority: certs.path("ca.key") }),
      /^ssl_certificate_authority: file \/.*ca\.key holds no PEM certificate/,
    ],
    [
      "a certificate without its key",
      () => ({ ssl_mode: "require", ssl_client_certificate: certs.path("client.crt") }),
      /^ssl_client_certificate and ssl_client_private_key go together/,
    ],
    [
      "a certificate given as the key",
      () => ({
        ssl_mode: "require",
        ssl_client_certificate: certs.path("client.crt"),
        ssl_client_private_key: certs.pem("client.crt"),
      }),
      /^ssl_client_private_key: inline PEM holds no PEM private key/,
    ],
    [
      "a malformed inline key",
      () => ({
        ssl_mode: "require",
        ssl_client_certificate: certs.path("client.crt"),
        ssl_client_private_key: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
      }),
      /^ssl_client_private_key: the key in inline PEM is not a valid private key$/,
    ],
    [
      "an encrypted key",
      () => ({
        ssl_mode: "require",
        ssl_client_certificate: certs.path("client.crt"),
        ssl_client_private_key: certs.path("client-encrypted.key"),
      }),
      /^ssl_client_private_key: the key in file \/.*client-encrypted\.key is encrypted/,
    ],
    [
      "a key of another certificate",
      () => ({
        ssl_mode: "require",
        ssl_client_certificate: certs.path("client.crt"),
        ssl_client_private_key: certs.path("server.key"),
      }),
      /^ssl_client_private_key does not belong to ssl_client_certificate/,
    ],
  ])("%s is a ConfigError (exit 2) naming the setting, without PEM text", (_, config, message) => {
    const error = configError(config());
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain("-----END");
    for (const file of ["ca.crt", "client.crt", "client.key", "server.key"]) {
      const body = certs.pem(file).split("\n")[1] ?? "";
      expect(error.message).not.toContain(body);
    }
  });
});

describe("tlsOptions: what each mode checks", () => {
  it.each([
    ["require", false, false, false],
    ["require", true, true, false],
    ["prefer", false, false, false],
    ["prefer", true, true, false],
    ["allow", true, true, false],
    ["verify-ca", true, true, false],
    ["verify-full", false, true, true],
    ["verify-full", true, true, true],
  ] as const)(
    "%s, CA given: %s → chain checked %s, host name checked %s",
    (mode, withCa, chain, host) => {
      const options = tlsOptions({ mode, ...(withCa ? { ca: "CA" } : {}) });
      expect(options.rejectUnauthorized).toBe(chain);
      expect(options.checkServerIdentity === undefined).toBe(host || !chain);
      if (options.checkServerIdentity !== undefined)
        expect(options.checkServerIdentity("localhost", { subject: {} } as never)).toBeUndefined();
    },
  );

  it("passes the client certificate and key on", () => {
    expect(tlsOptions({ mode: "require", cert: "C", key: "K" })).toEqual({
      rejectUnauthorized: false,
      cert: "C",
      key: "K",
    });
  });
});

describe("sslAttempts", () => {
  it.each([
    ["disable", "plaintext", undefined],
    ["allow", "plaintext", "TLS after refuses-plaintext"],
    ["prefer", "TLS", "plaintext after refuses-tls"],
    ["require", "TLS", undefined],
    ["verify-ca", "TLS", undefined],
    ["verify-full", "TLS", undefined],
  ] as const)("%s: first %s, then %s", (mode, first, then) => {
    const kind = (ssl: PgSsl) => (ssl === false ? "plaintext" : "TLS");
    const attempts = sslAttempts({ mode, ca: "CA" });
    expect(kind(attempts.first)).toBe(first);
    expect(
      attempts.fallback && `${kind(attempts.fallback.ssl)} after ${attempts.fallback.after}`,
    ).toBe(then);
  });
});

describe("isRefusal", () => {
  const noSsl = new Error("The server does not support SSL connections");
  const hba = Object.assign(new Error('no pg_hba.conf entry for host "127.0.0.1"'), {
    code: "28000",
  });
  const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
  it.each([
    [noSsl, "refuses-tls", true],
    [hba, "refuses-tls", false],
    [hba, "refuses-plaintext", true],
    [noSsl, "refuses-plaintext", false],
    [refused, "refuses-tls", false],
    [refused, "refuses-plaintext", false],
  ] as const)("%s, %s → %s", (error, refusal, expected) => {
    expect(isRefusal(error, refusal)).toBe(expected);
  });
});

describe("withoutSslParams", () => {
  it.each([
    ["postgres://u:p@h:5433/d?sslmode=require", "postgres://u:p@h:5433/d", ["sslmode"]],
    [
      "postgres://h/d?sslmode=verify-full&sslrootcert=/ca.pem&application_name=x",
      "postgres://h/d?application_name=x",
      ["sslmode", "sslrootcert"],
    ],
    ["postgres://h/d?ssl=true&uselibpqcompat=true", "postgres://h/d", ["ssl", "uselibpqcompat"]],
    ["postgres://u:p%40ss@h/d", "postgres://u:p%40ss@h/d", []],
    ["/var/run/postgresql db", "/var/run/postgresql db", []],
  ])("%s → %s", (input, url, removed) => {
    expect(withoutSslParams(input)).toEqual({ url, removed });
  });
});

describe("serverAddress", () => {
  it.each([
    [{ host: "db", port: 6543 }, {}, "db:6543"],
    [{ connectionString: "postgres://u:secret@db.example:5433/d" }, {}, "db.example:5433"],
    [{ connectionString: "postgres://u@/d?host=/run/pg" }, {}, "/run/pg"],
    [{}, { PGHOST: "envhost", PGPORT: "7000" }, "envhost:7000"],
    [{}, {}, "localhost:5432"],
    [{ connectionString: "postgres://u:secret@bad host/d" }, {}, "the connection_string's server"],
  ])("%j with %j → %s", (settings, env, address) => {
    expect(serverAddress(settings, env)).toBe(address);
  });
});

describe("describeTlsFailure", () => {
  const coded = (message: string, code: string) => Object.assign(new Error(message), { code });
  it.each([
    [
      new Error("The server does not support SSL connections"),
      "could not connect to PostgreSQL at h:1: the server does not support SSL connections (it refused TLS); enable ssl on the server, or set ssl_mode to prefer or disable to connect without encryption",
    ],
    [
      coded("self-signed certificate in certificate chain", "SELF_SIGNED_CERT_IN_CHAIN"),
      "could not connect to PostgreSQL at h:1 over TLS: the server's certificate is not signed by a trusted CA (SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain); give the CA that signed it in ssl_certificate_authority, or use ssl_mode require to encrypt without verifying",
    ],
    [
      coded("Hostname/IP does not match certificate's altnames", "ERR_TLS_CERT_ALTNAME_INVALID"),
      "could not connect to PostgreSQL at h:1 over TLS: the server's certificate is not valid for this host name (ERR_TLS_CERT_ALTNAME_INVALID: Hostname/IP does not match certificate's altnames); connect with a name the certificate lists, or use ssl_mode verify-ca to check only the CA",
    ],
    [
      coded("connection requires a valid client certificate", "28000"),
      "could not connect to PostgreSQL at h:1: the server requires a client certificate (connection requires a valid client certificate); give ssl_client_certificate and ssl_client_private_key",
    ],
    [
      coded("tlsv1 alert unknown ca", "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA"),
      "could not connect to PostgreSQL at h:1 over TLS: the TLS handshake failed (ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: tlsv1 alert unknown ca); the server did not accept the client certificate (ssl_client_certificate)",
    ],
    [
      coded('certificate authentication failed for user "loader"', "28000"),
      'could not connect to PostgreSQL at h:1: the server rejected the client certificate (certificate authentication failed for user "loader"); its CN must be the user name (or match the pg_ident map)',
    ],
    [
      coded(
        "80CC0418D57F0000:error:0A000418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 48\n",
        "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA",
      ),
      "could not connect to PostgreSQL at h:1 over TLS: the TLS handshake failed (ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: tlsv1 alert unknown ca); the server did not accept the client certificate (ssl_client_certificate)",
    ],
    [coded("connect ECONNREFUSED 127.0.0.1:1", "ECONNREFUSED"), undefined],
    [coded('password authentication failed for user "u"', "28P01"), undefined],
  ])("%s", (error, expected) => {
    expect(describeTlsFailure(error, "h:1")).toBe(expected);
  });
});

describe("fallbackPool", () => {
  /** Pools that answer connect() from a script per ssl option; records what was opened. */
  function fakePools(answers: (ssl: PgSsl, n: number) => string | Error) {
    const opened: string[] = [];
    const ended: string[] = [];
    const open = (ssl: PgSsl) => {
      const name = ssl === false ? "plain" : "tls";
      opened.push(name);
      let n = 0;
      return {
        connect: async () => {
          n += 1;
          const answer = answers(ssl, n);
          if (answer instanceof Error) throw answer;
          return `${name}#${n}:${answer}`;
        },
        end: async () => {
          ended.push(name);
        },
      };
    };
    return { open, opened, ended };
  }
  const prefer: SslAttempts = { first: {}, fallback: { ssl: false, after: "refuses-tls" } };
  const noSsl = () => new Error("The server does not support SSL connections");

  it("prefer: a server without SSL moves every connection to plaintext, once", async () => {
    const pools = fakePools((ssl) => (ssl === false ? "ok" : noSsl()));
    const notes: unknown[] = [];
    const pool = fallbackPool(prefer, pools.open, (reason) => notes.push(reason));
    expect(await Promise.all([pool.connect(), pool.connect()])).toEqual([
      "plain#1:ok",
      "plain#2:ok",
    ]);
    expect(await pool.connect()).toBe("plain#3:ok");
    expect(pools.opened).toEqual(["tls", "plain"]);
    expect(pools.ended).toEqual(["tls"]);
    expect(notes).toHaveLength(1);
  });

  it("prefer: a server with SSL keeps TLS", async () => {
    const pools = fakePools(() => "ok");
    const pool = fallbackPool(prefer, pools.open, () => undefined);
    expect(await pool.connect()).toBe("tls#1:ok");
    expect(await pool.connect()).toBe("tls#2:ok");
    expect(pools.opened).toEqual(["tls"]);
  });

  it("another failure is thrown and decides nothing: the next connect tries TLS again", async () => {
    const down = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    const pools = fakePools((_, n) => (n === 1 ? down : "ok"));
    const pool = fallbackPool(prefer, pools.open, () => undefined);
    await expect(pool.connect()).rejects.toBe(down);
    expect(await pool.connect()).toBe("tls#2:ok");
    expect(pools.opened).toEqual(["tls"]);
  });

  it("allow: a pg_hba refusal of plaintext (28000) moves to TLS", async () => {
    const hba = Object.assign(new Error("no pg_hba.conf entry"), { code: "28000" });
    const pools = fakePools((ssl) => (ssl === false ? hba : "ok"));
    const allow: SslAttempts = { first: false, fallback: { ssl: {}, after: "refuses-plaintext" } };
    const pool = fallbackPool(allow, pools.open, () => undefined);
    expect(await pool.connect()).toBe("tls#1:ok");
    expect(pools.opened).toEqual(["plain", "tls"]);
  });

  it("without a fallback it is the pool itself", () => {
    const pools = fakePools(() => "ok");
    fallbackPool({ first: {} }, pools.open, () => undefined);
    expect(pools.opened).toEqual(["tls"]);
  });
});

describe("openDb: the embedded database ignores the TLS settings", () => {
  it("warns, names the settings, and does not read the certificate files", async () => {
    let text = "";
    const out = new Writable({
      write(chunk, _encoding, done) {
        text += String(chunk);
        done();
      },
    });
    const log = new Logger({ name: "target-postgres", out });
    const config = {
      embedded: true,
      embedded_path: join(certs.dir, "embedded"),
      ssl_mode: "verify-full",
      ssl_certificate_authority: "/nonexistent/ca.crt",
    } as unknown as TargetConfig; // only the fields openDb reads
    const db = openDb(config, {}, log); // PGlite opens lazily: nothing is created here
    await db.close();
    expect(text).toContain(
      "ssl_mode, ssl_certificate_authority ignored: the embedded database has no network connection to encrypt",
    );
  });
});
