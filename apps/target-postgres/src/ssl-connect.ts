import { type PgSsl, type SslSettings, tlsOptions } from "./ssl.js";

/**
 * Connecting over TLS as libpq does (docs/decisions-target.md "TLS: ssl_mode and certificates"):
 * the order of attempts of a mode (`allow`/`prefer` have a second one), which failure moves to
 * it, the pool that makes that choice once per run, and error text that names the host and fix.
 */

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
