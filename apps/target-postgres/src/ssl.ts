import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { resolve } from "node:path";
import type { ConnectionOptions } from "node:tls";
import { ConfigError } from "@singerkit/singer";

/**
 * TLS to the server, the way libpq users expect it (docs/decisions-target.md "TLS: ssl_mode and
 * certificates"): the config's `ssl_*` settings resolved into node-postgres `ssl` options, and
 * the URL parameters they replace. How a connection uses them: ssl-connect.ts.
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
