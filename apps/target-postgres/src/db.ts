import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { LoadError, type Logger } from "@singerkit/singer";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { ConnectionSettings } from "./config.js";
import { type PgSsl, withoutSslParams } from "./ssl.js";
import {
  describeTlsFailure,
  fallbackPool,
  type PoolLike,
  serverAddress,
  sslAttempts,
} from "./ssl-connect.js";

/**
 * The narrow port the target talks to: plain queries, COPY of already-encoded rows, and
 * transactions. pg types stay in this file; pglite-db.ts implements the same port for the
 * embedded database.
 * Every transaction runs with TimeZone UTC, so a date-time without a zone is read as UTC.
 */
export type Row = Record<string, unknown>;

export interface DbSession {
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** `COPY table (columns) FROM STDIN` in text format; `data` is COPY text. Returns rows copied. */
  copyRows(
    table: string,
    columns: readonly string[],
    data: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  ): Promise<number>;
}

export interface Db extends DbSession {
  /** How many transactions may run at the same time (the pool's size; 1 for the embedded). */
  readonly connections: number;
  /** Runs `work` in one transaction: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(work: (tx: DbSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A database error with the database's own details; `copyRow` is the failing COPY data row. */
export class DbError extends LoadError {
  readonly constraint: string | undefined;
  readonly copyRow: number | undefined;

  constructor(
    message: string,
    details: {
      readonly code?: string;
      readonly table?: string;
      readonly column?: string;
      readonly constraint?: string;
      readonly copyRow?: number;
    },
    cause: unknown,
  ) {
    super(message, details, { cause });
    this.constraint = details.constraint;
    this.copyRow = details.copyRow;
  }
}

/**
 * A failure to open a connection: nothing was sent, so any statement may be retried after it.
 * `transient` (a refused or reset connect, a server starting or shutting down) is worth a retry;
 * a rejected password, a missing database or a TLS failure is not.
 */
export class ConnectError extends DbError {
  readonly transient: boolean;

  constructor(message: string, code: string | undefined, transient: boolean, cause: unknown) {
    super(message, code === undefined ? {} : { code }, cause);
    this.transient = transient;
  }
}

/**
 * Connects lazily: the first query opens the first connection; a pool of at most `connections`
 * (`max_parallelism`) serves transactions that run at the same time.
 */
export function connectPg(settings: ConnectionSettings, log: Logger, connections = 1): Db {
  const { ssl: tls, ...given } = settings;
  const where = tls === undefined ? given : withoutUrlTls(given, tls.mode, log);
  const address = serverAddress(where, process.env); // names the server in TLS errors
  const open = (ssl: PgSsl | undefined) => {
    const pool = new pg.Pool({
      ...where,
      ...(ssl === undefined ? {} : { ssl }),
      max: connections,
      idleTimeoutMillis: 0,
      application_name: "target-postgres",
    });
    // An idle client's error (server restart, network) must not crash the process; the next
    // query fails with it instead.
    pool.on("error", (error) => log.warn(`database connection lost: ${error.message}`));
    // A checked-out client's connection error (pg_terminate_backend, a reset) fails its query;
    // pg also emits it as an 'error' event, which without a listener would crash the process.
    pool.on("connect", (client) => {
      client.on("error", (error) => log.debug(`database connection error: ${error.message}`));
    });
    return pool;
  };
  let pool: PoolLike<pg.PoolClient>;
  if (tls === undefined) {
    pool = open(undefined); // no ssl_mode: node-postgres reads sslmode / PGSSLMODE as before
  } else {
    log.addSecrets([tls.ca, tls.cert, tls.key].filter((pem) => pem !== undefined));
    // libpq's allow/prefer make a second attempt that node-postgres lacks; fallbackPool does
    // it once, at the first connect, and keeps the answer for the run.
    // The fallback is logged: a warning when it drops encryption, a note when it adds it.
    pool = fallbackPool(sslAttempts(tls), open, (refusal) =>
      tls.mode === "prefer"
        ? log.warn(`${address} does not support SSL: connecting without TLS (ssl_mode prefer)`)
        : log.info(
            `${address} refused a plaintext connection (${refusal instanceof Error ? refusal.message : String(refusal)}): connecting over TLS (ssl_mode allow)`,
          ),
    );
  }
  const query = async <R extends Row>(
    client: pg.PoolClient,
    sql: string,
    params?: readonly unknown[],
  ): Promise<R[]> => {
    try {
      return (await client.query<R>(sql, params === undefined ? undefined : [...params])).rows;
    } catch (error) {
      throw withPrivilegeHint(toDbError(error), sql, client.user);
    }
  };
  const session = (client: pg.PoolClient): DbSession => ({
    query: (sql, params) => query(client, sql, params),
    copyRows: async (table, columns, data) => {
      const sql = `COPY ${table} (${columns.join(", ")}) FROM STDIN`;
      const copy = client.query(copyFrom(sql));
      try {
        await pipeline(Readable.from(data, { objectMode: false }), copy);
      } catch (error) {
        throw toDbError(error);
      }
      return copy.rowCount;
    },
  });
  return {
    connections,
    query: (sql, params) => withClient(pool, address, (client) => query(client, sql, params)),
    copyRows: async (table, columns, data) =>
      withClient(pool, address, (client) => session(client).copyRows(table, columns, data)),
    transaction: async (work) =>
      withClient(pool, address, async (client) => {
        await query(client, "BEGIN; SET LOCAL TIME ZONE 'UTC'");
        try {
          const result = await work(session(client));
          await query(client, "COMMIT");
          return result;
        } catch (error) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw error;
        }
      }),
    close: () => pool.end(),
  };
}

/**
 * With `ssl_mode` set it alone decides TLS: node-postgres would let the connection string's
 * `sslmode` & co. replace the `ssl` option we pass, so they are removed (with a warning).
 */
function withoutUrlTls<S extends { readonly connectionString?: string }>(
  settings: S,
  mode: string,
  log: Logger,
): S {
  if (settings.connectionString === undefined) return settings;
  const { url, removed } = withoutSslParams(settings.connectionString);
  if (removed.length === 0) return settings;
  log.addSecrets([url]); // the rewritten URL still holds the password
  log.warn(`ssl_mode ${mode} wins: ignoring ${removed.join(", ")} in the connection string`);
  return { ...settings, connectionString: url };
}

async function withClient<T>(
  pool: PoolLike<pg.PoolClient>,
  address: string,
  work: (client: pg.PoolClient) => Promise<T>,
) {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    const tls = describeTlsFailure(error, address);
    if (tls !== undefined) throw new ConnectError(tls, undefined, false, error);
    const { code, message } = toDbError(error);
    const transient = code === undefined || isConnectionCode(code);
    throw new ConnectError(`could not connect to PostgreSQL: ${message}`, code, transient, error);
  }
  let broken: Error | undefined;
  try {
    return await work(client);
  } catch (error) {
    // A connection-level failure must not go back into the pool.
    if (!(error instanceof DbError) || isConnectionError(error))
      broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * True for a failure of the connection rather than of the statement: no SQLSTATE (a reset, a
 * refused connect), class 08 (connection exception), or 57P01-57P03 (the backend was terminated,
 * the server is shutting down or not yet accepting connections). Such a transaction can be
 * replayed from the start on a new connection; a statement error cannot. A connect that failed
 * for good (password, TLS) is not one.
 */
export function isConnectionError(error: unknown): boolean {
  const db = findDbError(error);
  if (db === undefined) return false;
  if (db instanceof ConnectError) return db.transient;
  return db.code === undefined || isConnectionCode(db.code);
}

/**
 * True when PostgreSQL rolled the transaction back to break a deadlock (40P01) or a
 * serialization failure (40001): it did not commit, for sure, and running it again may succeed
 * (two processes merging the same keys in different orders).
 */
export function isRolledBackForRetry(error: unknown): boolean {
  const code = findDbError(error)?.code;
  return code === "40P01" || code === "40001";
}

function isConnectionCode(code: string): boolean {
  return code.startsWith("08") || /^57P0[123]$/.test(code);
}

/** The DbError an error is or wraps (LoadErrors keep it as their cause). */
function findDbError(error: unknown): DbError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    if (current instanceof DbError) return current;
    current = current.cause;
  }
  return undefined;
}

/**
 * A permission error (42501) that says which privilege is missing and how to grant it:
 * `permission denied for schema X` on a CREATE is CREATE on the schema (otherwise USAGE);
 * `must be owner of table X` is an ALTER, which PostgreSQL allows only to the table's owner.
 */
export function withPrivilegeHint(error: DbError, sql: string, role: string | undefined): DbError {
  if (error.code !== "42501") return error;
  const who = role === undefined || role === "" ? "<role>" : quoteRole(role);
  const schema = /^permission denied for schema (.+?)(?= \(|; |$)/.exec(error.message)?.[1];
  let hint: string | undefined;
  if (schema !== undefined) {
    const privilege = /^\s*CREATE\b/i.test(sql) ? "CREATE" : "USAGE";
    hint = `the role lacks ${privilege} on schema ${schema} (GRANT ${privilege} ON SCHEMA ${quoteRole(schema)} TO ${who})`;
  }
  const database = /^permission denied for database (.+?)(?= \(|; |$)/.exec(error.message)?.[1];
  if (database !== undefined && /^\s*CREATE\b/i.test(sql))
    hint = `the role lacks CREATE on database ${database} to create the schema (GRANT CREATE ON DATABASE ${quoteRole(database)} TO ${who}, or create the schema beforehand)`;
  const owned = /^must be owner of (?:relation|table) (.+?)(?= \(|; |$)/.exec(error.message)?.[1];
  if (owned !== undefined)
    hint = `ALTER TABLE (a new column, a wider type, a new key) needs ownership of table ${owned}: run the target as its owner, or ALTER TABLE … OWNER TO ${who}`;
  if (hint === undefined) return error;
  return new DbError(
    `${error.message}: ${hint}`,
    {
      code: "42501",
      ...(error.table === undefined ? {} : { table: error.table }),
      ...(error.column === undefined ? {} : { column: error.column }),
    },
    error.cause,
  );
}

function quoteRole(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** The fields a PostgreSQL error report carries (pg's and PGlite's DatabaseError alike). */
interface DatabaseErrorLike extends Error {
  readonly code: string | undefined;
  readonly detail: string | undefined;
  readonly where: string | undefined;
  readonly table: string | undefined;
  readonly column: string | undefined;
  readonly constraint: string | undefined;
}

function isDatabaseError(error: unknown): error is DatabaseErrorLike {
  return (
    error instanceof pg.DatabaseError ||
    (error instanceof Error && "severity" in error && "code" in error)
  );
}

/** Any failure of a query as a DbError with the database's own details (both adapters). */
export function toDbError(error: unknown): DbError {
  if (error instanceof DbError) return error;
  if (isDatabaseError(error)) {
    const detail = error.detail === undefined ? "" : ` (${error.detail})`;
    const where = error.where === undefined ? "" : `; ${error.where}`;
    const copyRow = /COPY [^,]+, line (\d+)/.exec(error.where ?? "")?.[1];
    return new DbError(
      `${error.message}${detail}${where}`,
      {
        ...(error.code === undefined ? {} : { code: error.code }),
        ...(error.table === undefined ? {} : { table: error.table }),
        ...(error.column === undefined ? {} : { column: error.column }),
        ...(error.constraint === undefined ? {} : { constraint: error.constraint }),
        ...(copyRow === undefined ? {} : { copyRow: Number(copyRow) }),
      },
      error,
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new DbError(message, {}, error);
}
