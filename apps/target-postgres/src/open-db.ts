import { resolve } from "node:path";
import { ConfigError, type Logger } from "@singerkit/singer";
import { type ConnectionSettings, connectionSettings, type TargetConfig } from "./config.js";
import { connectPg, type Db } from "./db.js";
import { openPglite } from "./pglite-db.js";

/** The database a config points to: a PostgreSQL server, or the embedded folder. */
export type DbTarget =
  | { readonly kind: "server"; readonly settings: ConnectionSettings }
  | { readonly kind: "embedded"; readonly folder: string };

const CONNECTION_ENV = ["DATABASE_URL", "PGHOST", "PGDATABASE", "PGUSER"];
const SSL_SETTINGS = [
  "ssl_mode",
  "ssl_certificate_authority",
  "ssl_client_certificate",
  "ssl_client_private_key",
] as const;

/**
 * `embedded: true` forces the embedded database and `false` forbids it; unset, it is used when
 * nothing names a server: no connection setting, no DATABASE_URL and no PGHOST/PGDATABASE/PGUSER.
 */
export function dbTarget(config: TargetConfig, env: NodeJS.ProcessEnv): DbTarget {
  const { connection_string, host, port, user, password, database } = config;
  const configured =
    [connection_string, host, port, user, password, database].some((v) => v !== undefined) ||
    CONNECTION_ENV.some((name) => (env[name] ?? "") !== "");
  const embedded = config.embedded ?? !configured;
  return embedded
    ? { kind: "embedded", folder: resolve(config.embedded_path) }
    : { kind: "server", settings: connectionSettings(config, env) };
}

/** Opens (lazily) the adapter of the db.ts port for the config's database. */
export function openDb(config: TargetConfig, env: NodeJS.ProcessEnv, log: Logger): Db {
  const target = dbTarget(config, env);
  if (target.kind === "embedded") {
    const tls = SSL_SETTINGS.filter((name) => config[name] !== undefined);
    if (tls.length > 0)
      log.warn(
        `${tls.join(", ")} ignored: the embedded database has no network connection to encrypt`,
      );
  }
  if (target.kind === "server") checkUrl(target.settings.connectionString);
  return target.kind === "embedded"
    ? openPglite(target.folder, log)
    : connectPg(
        target.settings,
        log,
        config.load_method === "overwrite" ? 1 : config.max_parallelism,
      );
}

/**
 * A connection string that is not a URL (a password with `/`, `?` or `#` not percent-encoded)
 * is a config error saying how to fix it, never echoing the string (it holds the password).
 */
function checkUrl(connectionString: string | undefined): void {
  if (connectionString === undefined || !/^postgres(ql)?:\/\//i.test(connectionString)) return;
  try {
    new URL(connectionString);
  } catch {
    throw new ConfigError(
      "connection_string is not a valid URL: percent-encode reserved characters (/ ? # @ : and %) in the user name and password, e.g. %2F for /, %3F for ?, %23 for #",
    );
  }
}

/** For log lines and `inspect`: where the data goes, without secrets. */
export function describeTarget(target: DbTarget): string {
  if (target.kind === "embedded") return `embedded PostgreSQL (PGlite) at ${target.folder}`;
  const { settings } = target;
  if (settings.connectionString !== undefined) {
    try {
      const url = new URL(settings.connectionString);
      return `PostgreSQL ${url.hostname}:${url.port || "5432"}${url.pathname}`;
    } catch {
      return "PostgreSQL (connection_string)";
    }
  }
  return `PostgreSQL ${settings.host ?? "(PGHOST)"}:${settings.port ?? 5432}/${settings.database ?? "(PGDATABASE)"}`;
}
