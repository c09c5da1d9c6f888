import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { resolve } from "node:path";
import type { ConnectionOptions } from "node:tls";
import { ConfigError } from "@singerkit/singer";

/**
 * TLS to the server, the way libpq users expect it (docs/decisions-target.md "TLS: ssl_mode and
 * certificates"): the config's `ssl_*` settings resolved into node-postgres `ssl` options, the
 * order of attempts for `allow`/`prefer`, and error text that names the host and the fix.
 */
export const SSL_MODES = [
  "disable",
  "allow",
  "prefer",
  "require",
  "verify-ca",
  "verify-full",
] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** The config's TLS settings (names as MeltanoLabs target-postgres spells them). */
export interface SslConfig {
  readonly ssl_mode?: SslMode;
  readonly ssl_certificate_authority?: string;
  readonly ssl_client_certificate?: string;
  readonly ssl_client_private_key?: string;
}

/** TLS settings with every PEM read and checked. */
export interface SslSettings {
  readonly mode: SslMode;
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

/** node-postgres's `ssl` option: `false` is plaintext. */
export type PgSsl = false | ConnectionOptions;

const SETTINGS = ["ssl_certificate_authority", "ssl_client_certificate", "ssl_client_private_key"];

/**
 * Reads and checks the TLS settings; `undefined` when `ssl_mode` is unset (node-postgres then
 * decides from `sslmode` in the connection string or PGSSLMODE, as before these settings).
 * Every problem is a ConfigError naming the setting (and the file), never quoting PEM text.
 */
export function resolveSsl(config: SslConfig): SslSettings | undefined {
  const mode = config.ssl_mode;
  if (mode === undefined) {
    const given = SETTINGS.filter((name) => config[name as keyof SslConfig] !== undefined);
    if (given.length > 0)
      throw new ConfigError(
        `${given.join(", ")} ${given.length === 1 ? "is" : "are"} set but ssl_mode is not: set ssl_mode (e.g. verify-full) so the certificates are used`,
      );
    return undefined;
  }
  const ca =
    config.ssl_certificate_authority === undefined
      ? undefined
      : readCertificates("ssl_certificate_authority", config.ssl_certificate_authority).pem;
  if (mode === "verify-ca" && ca === undefined)
    throw new ConfigError(
      "ssl_mode verify-ca needs ssl_certificate_authority: against the public CAs any certificate they signed would pass; give the server's CA, or use verify-full",
    );
  const { ssl_client_certificate: certValue, ssl_client_private_key: keyValue } = config;
  if ((certValue === undefined) !== (keyValue === undefined))
    throw new ConfigError(
      "ssl_client_certificate and ssl_client_private_key go together: give both or neither",
    );
  if (certValue === undefined || keyValue === undefined) return { mode, ...(ca && { ca }) };
  const cert = readCertificates("ssl_client_certificate", certValue);
  const key = readPrivateKey(keyValue);
  if (!cert.first.checkPrivateKey(key.object))
    throw new ConfigError(
      "ssl_client_private_key does not belong to ssl_client_certificate (the key does not match the certificate's public key)",
    );
  return { mode, ...(ca && { ca }), cert: cert.pem, key: key.pem };
}

/** A value that starts with `-----BEGIN` is PEM text; anything else is a file path. */
export function isInlinePem(value: string): boolean {
  return value.trimStart().startsWith("-----BEGIN");
}

interface Pem {
  readonly pem: string;
  /** How errors name where the PEM came from: `file /path` or `inline PEM`. */
  readonly source: string;
}

function readPem(setting: string, value: string): Pem {
  // PEM pasted into a one-line field (a CI secret, a .env file) often arrives with `\n` escapes.
  if (isInlinePem(value))
    return {
      pem: value.includes("\n") ? value : value.replaceAll("\\n", "\n"),
      source: "inline PEM",
    };
  const path = resolve(value.startsWith("~/") ? `${homedir()}${value.slice(1)}` : value);
  try {
    return { pem: readFileSync(path, "utf8"), source: `file ${path}` };
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code; // fs errors carry a code
    throw new ConfigError(
      `${setting}: cannot read file ${path}${code === undefined ? "" : ` (${code})`}`,
      { cause },
    );
  }
}

function readCertificates(setting: string, value: string): Pem & { first: X509Certificate } {
  const { pem, source } = readPem(setting, value);
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  const certificates = blocks.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw new ConfigError(`${setting}: certificate ${index + 1} in ${source} is malformed`);
    }
  });
  const [first] = certificates;
  if (first === undefined)
    throw new ConfigError(
      `${setting}: ${source} holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)`,
    );
  return { pem, source, first };
}

function readPrivateKey(value: string): Pem & { object: KeyObject } {
  const setting = "ssl_client_private_key";
  const { pem, source } = readPem(setting, value);
  if (!/-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/.test(pem))
    throw new ConfigError(
      `${setting}: ${source} holds no PEM private key (expected -----BEGIN PRIVATE KEY-----)`,
    );
  try {
    return { pem, source, object: createPrivateKey(pem) };
  } catch (error) {
    // OpenSSL's text names the problem, never the key's bytes.
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ERR_MISSING_PASSPHRASE" || /ENCRYPTED/.test(pem)
        ? "is encrypted; give an unencrypted key (openssl pkey -in key.pem -out plain.pem)"
        : "is not a valid private key";
    throw new ConfigError(`${setting}: the key in ${source} ${why}`);
  }
}

/** The `ssl` option of an encrypted attempt: a given CA always checks the chain (as libpq). */
export function tlsOptions(settings: SslSettings): ConnectionOptions {
  const verify = settings.mode === "verify-full" || settings.mode === "verify-ca" || !!settings.ca;
  return {
    rejectUnauthorized: verify,
    // verify-ca, and require/prefer/allow with a CA: the chain, not the host name.
    ...(verify && settings.mode !== "verify-full" ? { checkServerIdentity: () => undefined } : {}),
    ...(settings.ca === undefined ? {} : { ca: settings.ca }),
    ...(settings.cert === undefined ? {} : { cert: settings.cert }),
    ...(settings.key === undefined ? {} : { key: settings.key }),
  };
}

/** A failure that moves `allow`/`prefer` to its second attempt. */
export type Refusal = "refuses-tls" | "refuses-plaintext";

/** The attempts of a mode, in order; the second only after the named refusal of the first. */
export interface SslAttempts {
  readonly first: PgSsl;
  readonly fallback?: { readonly ssl: PgSsl; readonly after: Refusal };
}

export function sslAttempts(settings: SslSettings): SslAttempts {
  switch (settings.mode) {
    case "disable":
      return { first: false };
    case "allow":
      return { first: false, fallback: { ssl: tlsOptions(settings), after: "refuses-plaintext" } };
    case "prefer":
      return { first: tlsOptions(settings), fallback: { ssl: false, after: "refuses-tls" } };
    case "require":
    case "verify-ca":
    case "verify-full":
      return { first: tlsOptions(settings) };
  }
}

/**
 * Whether a failed connect is the refusal a fallback waits for: the server answered the
 * SSLRequest with 'N' (node-postgres's only signal for it is this message), or rejected a
 * plaintext session through pg_hba.conf (SQLSTATE 28000, e.g. only `hostssl` lines match).
 */
export function isRefusal(error: unknown, refusal: Refusal): boolean {
  if (!(error instanceof Error)) return false;
  if (refusal === "refuses-tls")
    return error.message === "The server does not support SSL connections";
  return (error as { code?: unknown }).code === "28000";
}

/** The libpq URL parameters node-postgres reads for TLS; `ssl_mode` replaces all of them. */
const URL_SSL_PARAMS = ["sslmode", "ssl", "sslrootcert", "sslcert", "sslkey", "uselibpqcompat"];

/**
 * The connection string without its TLS parameters, so an explicit `ssl_mode` wins (node-postgres
 * would otherwise let the URL's `ssl` replace ours). Returns the names it removed, for a warning.
 */
export function withoutSslParams(connectionString: string): { url: string; removed: string[] } {
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    return { url: connectionString, removed: [] }; // a socket path: no parameters to remove
  }
  const removed = URL_SSL_PARAMS.filter((name) => url.searchParams.has(name));
  for (const name of removed) url.searchParams.delete(name);
  return { url: removed.length === 0 ? connectionString : url.toString(), removed };
}

/** `host:port` for error text, from the settings, else the PG* variables node-postgres reads. */
export function serverAddress(
  settings: { readonly connectionString?: string; readonly host?: string; readonly port?: number },
  env: NodeJS.ProcessEnv,
): string {
  let host = settings.host;
  let port = settings.port === undefined ? undefined : String(settings.port);
  const text = settings.connectionString;
  if (text?.startsWith("/"))
    host = text.split(" ")[0]; // `/socket/dir database`
  else if (text !== undefined) {
    try {
      const url = new URL(text.replace("@/", "@localhost/")); // `postgres://u@/d?host=…`
      host = url.searchParams.get("host") ?? decodeURIComponent(url.hostname);
      port = url.searchParams.get("port") ?? url.port;
    } catch {
      return "the connection_string's server"; // never a piece of it: it may hold the password
    }
  }
  host = host || env.PGHOST || "localhost";
  port = port || env.PGPORT || "5432";
  return host.startsWith("/") ? host : `${host}:${port}`;
}

const UNTRUSTED = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
]);

/**
 * A TLS failure in words that name the server and the setting to change; `undefined` for any
 * other failure. Node's and PostgreSQL's texts hold no key material, only names and codes.
 */
export function describeTlsFailure(error: unknown, address: string): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  // OpenSSL's text is `<id>:error:<n>:SSL routines:<function>:<reason>:<file>:<line>:…\n`.
  const reason = /SSL routines:[^:]*:([^:]+):/.exec(error.message)?.[1] ?? error.message.trim();
  const detail = typeof code === "string" ? `${code}: ${reason}` : reason;
  const at = `could not connect to PostgreSQL at ${address}`;
  if (error.message === "The server does not support SSL connections")
    return `${at}: the server does not support SSL connections (it refused TLS); enable ssl on the server, or set ssl_mode to prefer or disable to connect without encryption`;
  if (typeof code !== "string") return undefined;
  if (UNTRUSTED.has(code))
    return `${at} over TLS: the server's certificate is not signed by a trusted CA (${detail}); give the CA that signed it in ssl_certificate_authority, or use ssl_mode require to encrypt without verifying`;
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID")
    return `${at} over TLS: the server's certificate is not valid for this host name (${detail}); connect with a name the certificate lists, or use ssl_mode verify-ca to check only the CA`;
  if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID")
    return `${at} over TLS: the server's certificate is outside its validity period (${detail})`;
  if (code === "28000" && /requires a valid client certificate/.test(error.message))
    return `${at}: the server requires a client certificate (${error.message}); give ssl_client_certificate and ssl_client_private_key`;
  if (code === "28000" && /certificate/i.test(error.message))
    return `${at}: the server rejected the client certificate (${error.message}); its CN must be the user name (or match the pg_ident map)`;
  if (/^ERR_SSL_/.test(code) || code === "EPROTO")
    return `${at} over TLS: the TLS handshake failed (${detail})${/CERTIFICATE|UNKNOWN_CA/i.test(code) ? "; the server did not accept the client certificate (ssl_client_certificate)" : ""}`;
  return undefined;
}

/** What the fallback needs of a pool: pg.Pool fits. */
export interface PoolLike<C> {
  connect(): Promise<C>;
  end(): Promise<void>;
}

/**
 * One pool for `attempts`: with a fallback (`allow`, `prefer`), the first successful connect
 * fixes which of the two is used for the rest of the run. Only the named refusal moves to the
 * second; any other failure is thrown, and the next connect starts from the first again (a
 * server that was briefly down is not mistaken for one without TLS). Connects that arrive while
 * the first one is deciding wait for it.
 */
export function fallbackPool<C>(
  attempts: SslAttempts,
  open: (ssl: PgSsl) => PoolLike<C>,
  onFallback: (reason: unknown) => void,
): PoolLike<C> {
  let pool = open(attempts.first);
  const { fallback } = attempts;
  if (fallback === undefined) return pool;
  let decided = false;
  let deciding: Promise<unknown> | undefined;
  const decide = async (): Promise<C> => {
    try {
      const client = await pool.connect();
      decided = true;
      return client;
    } catch (error) {
      if (!isRefusal(error, fallback.after)) throw error;
      onFallback(error);
      const refused = pool;
      pool = open(fallback.ssl);
      decided = true;
      await refused.end().catch(() => undefined);
      return pool.connect();
    }
  };
  return {
    connect: async () => {
      while (!decided && deciding !== undefined) await deciding.catch(() => undefined);
      if (decided) return pool.connect();
      const attempt = decide();
      deciding = attempt;
      try {
        return await attempt;
      } finally {
        if (deciding === attempt) deciding = undefined;
      }
    },
    end: () => pool.end(),
  };
}
