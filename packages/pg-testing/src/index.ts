/**
 * The one way tests reach PostgreSQL. Connection settings come from `DATABASE_URL` or the libpq
 * `PG*` variables (node-postgres reads those itself), defaulting to the machine's local server
 * (127.0.0.1:5432, user postgres, database test). Each test file gets a fresh schema with a
 * random suffix and drops it afterwards, so files can run in parallel against one database.
 *
 * Outside CI a missing server makes Postgres-backed tests skip with a reason; with CI=true it is
 * a failure (a silent skip would make a broken pipeline look green).
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export interface PgConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  readonly database: string;
}

/** Connection settings from the environment, with the local test server as the default. */
export function pgConfigFromEnv(env: NodeJS.ProcessEnv = process.env): PgConnection {
  const url = env.DATABASE_URL;
  if (url !== undefined && url !== "") {
    const parsed = new URL(url);
    return {
      host: decodeURIComponent(parsed.hostname) || "127.0.0.1",
      port: parsed.port === "" ? 5432 : Number(parsed.port),
      user: decodeURIComponent(parsed.username) || "postgres",
      ...(parsed.password === "" ? {} : { password: decodeURIComponent(parsed.password) }),
      database: parsed.pathname.replace(/^\//, "") || "test",
    };
  }
  return {
    host: env.PGHOST ?? "127.0.0.1",
    port: Number(env.PGPORT ?? 5432),
    user: env.PGUSER ?? "postgres",
    ...(env.PGPASSWORD === undefined ? {} : { password: env.PGPASSWORD }),
    database: env.PGDATABASE ?? "test",
  };
}

/** A `postgres://` URL for the same settings (for child processes and CLIs). */
export function pgUrl(connection: PgConnection = pgConfigFromEnv()): string {
  const auth =
    connection.password === undefined
      ? encodeURIComponent(connection.user)
      : `${encodeURIComponent(connection.user)}:${encodeURIComponent(connection.password)}`;
  return `postgres://${auth}@${connection.host}:${connection.port}/${encodeURIComponent(connection.database)}`;
}

let availability: Promise<string | undefined> | undefined;

/**
 * Resolves to `undefined` when the server answers, else to the reason it does not.
 * With CI=true an unreachable server throws instead: CI must never skip these tests.
 */
export function postgresUnavailable(
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  availability ??= probePostgres(env).then((reason) => {
    // Said once per test process, so a skipped suite always shows why.
    if (reason !== undefined) process.stderr.write(`skipping PostgreSQL-backed tests: ${reason}\n`);
    return reason;
  });
  return availability;
}

/** One uncached reachability check; see {@link postgresUnavailable}. */
export async function probePostgres(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return probeOnce(env);
}

async function probeOnce(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const client = new pg.Client({ ...pgConfigFromEnv(env), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query("select 1");
    return undefined;
  } catch (error) {
    const reason = `PostgreSQL at ${describeTarget(pgConfigFromEnv(env))} is unreachable: ${String(error)}`;
    if (env.CI === "true" || env.CI === "1")
      throw new Error(`${reason} (CI=true: failing, not skipping)`);
    return reason;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function describeTarget(connection: PgConnection): string {
  return `${connection.user}@${connection.host}:${connection.port}/${connection.database}`;
}

/** A schema made for one test file; `drop()` removes it and closes the pool. */
export interface TestSchema {
  readonly name: string;
  readonly pool: pg.Pool;
  readonly connection: PgConnection;
  query<Row extends pg.QueryResultRow = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<Row[]>;
  /** Rows of a table in this schema, ordered by the given column list (default: no order). */
  rows(table: string, orderBy?: string): Promise<Record<string, unknown>[]>;
  count(table: string): Promise<number>;
  /** Column name → Postgres type (`format_type`) for a table in this schema. */
  columns(table: string): Promise<Record<string, string>>;
  tables(): Promise<string[]>;
  drop(): Promise<void>;
}

/** Creates `<prefix>_<random>` and returns helpers bound to it. */
export async function freshSchema(prefix = "t"): Promise<TestSchema> {
  const connection = pgConfigFromEnv();
  const pool = new pg.Pool({ ...connection, max: 4 });
  pool.on("error", () => undefined); // idle-client errors must not crash the test process
  const name = `${prefix}_${randomBytes(5).toString("hex")}`.toLowerCase();
  await pool.query(`create schema ${quote(name)}`);
  const query = async <Row extends pg.QueryResultRow>(sql: string, params?: readonly unknown[]) =>
    (await pool.query<Row>(sql, params === undefined ? undefined : [...params])).rows;
  const qualified = (table: string) => `${quote(name)}.${quote(table)}`;
  return {
    name,
    pool,
    connection,
    query,
    rows: (table, orderBy) =>
      query(
        `select * from ${qualified(table)}${orderBy === undefined ? "" : ` order by ${orderBy}`}`,
      ),
    ...schemaHelpers(name, query),
    drop: async () => {
      try {
        await pool.query(`drop schema if exists ${quote(name)} cascade`);
      } finally {
        await pool.end();
      }
    },
  };
}

/** Double-quotes an identifier for SQL. */
export function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

type Query = <Row extends Record<string, unknown>>(
  sql: string,
  params?: readonly unknown[],
) => Promise<Row[]>;

/**
 * `count`, `columns` and `tables` for a schema over any query function, so a test backend that
 * is not a pg.Pool (the embedded PGlite one in target-postgres) reads tables back the same way.
 */
export function schemaHelpers(
  name: string,
  query: Query,
): Pick<TestSchema, "count" | "columns" | "tables"> {
  const qualified = (table: string) => `${quote(name)}.${quote(table)}`;
  return {
    count: async (table) => {
      const [row] = await query<{ n: string }>(`select count(*) as n from ${qualified(table)}`);
      return Number(row?.n ?? 0);
    },
    columns: async (table) => {
      const rows = await query<{ column: string; type: string }>(
        `select a.attname as column, format_type(a.atttypid, a.atttypmod) as type
           from pg_attribute a
          where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped
          order by a.attnum`,
        [qualified(table)],
      );
      return Object.fromEntries(rows.map((row) => [row.column, row.type]));
    },
    tables: async () =>
      (
        await query<{ table_name: string }>(
          "select table_name from information_schema.tables where table_schema = $1 order by 1",
          [name],
        )
      ).map((row) => row.table_name),
  };
}
