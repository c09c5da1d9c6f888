import { quoteIdent } from "./identifiers.js";

/**
 * SQL of one flush. Keyed streams: COPY into a temporary staging table (typed like the target
 * columns, dropped at COMMIT), then one `INSERT … SELECT … ON CONFLICT (key) DO UPDATE`.
 * Duplicate keys never reach the merge (the row buffer keeps the last one), so Postgres's
 * "ON CONFLICT DO UPDATE command cannot affect row a second time" cannot happen. Rows whose
 * values did not change are not rewritten (`IS DISTINCT FROM`), so re-running a load is cheap
 * and leaves no dead tuples. Keyless streams append: COPY straight into the table (a staging
 * table would only copy the rows twice). All streams of one flush share one transaction.
 */

export const STAGING_TABLE = "target_postgres_staging";

export interface MergeColumns {
  /** Column name → type (format_type), in COPY order: key columns first. */
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly primaryKey: readonly string[];
}

export function createStagingSql({ columns }: MergeColumns): string {
  const definitions = columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(", ");
  return `CREATE TEMPORARY TABLE ${quoteIdent(STAGING_TABLE)} (${definitions}) ON COMMIT DROP`;
}

/** Dropped right after its merge: the next stream of the same flush makes its own. */
export function dropStagingSql(): string {
  return `DROP TABLE ${stagingTable()}`;
}

export function stagingTable(): string {
  return `pg_temp.${quoteIdent(STAGING_TABLE)}`;
}

/**
 * The upsert from staging into `table` (already quoted and qualified). With `dedupe`, only the
 * last staged row per key is used (`DISTINCT ON … ORDER BY ctid DESC`: a freshly COPY'd table
 * stores rows in input order). That is the fallback for keys the row buffer cannot tell apart by
 * text, e.g. one timestamp written as `…Z` and as `…+00:00` in the same batch.
 */
export function mergeSql(
  table: string,
  { columns, primaryKey }: MergeColumns,
  dedupe = false,
): string {
  const names = columns.map((c) => quoteIdent(c.name));
  const key = primaryKey.map(quoteIdent);
  const rest = names.filter((name) => !key.includes(name));
  const source = dedupe
    ? `SELECT DISTINCT ON (${key.join(", ")}) ${names.join(", ")} FROM ${stagingTable()} ORDER BY ${key.join(", ")}, ctid DESC`
    : `SELECT ${names.join(", ")} FROM ${stagingTable()}`;
  const insert = `INSERT INTO ${table} AS t (${names.join(", ")}) ${source}`;
  if (rest.length === 0) return `${insert} ON CONFLICT (${key.join(", ")}) DO NOTHING`;
  const set = rest.map((name) => `${name} = EXCLUDED.${name}`).join(", ");
  // json (not jsonb) has no equality operator: compare its text.
  const cast = (name: string) =>
    columns.find((c) => quoteIdent(c.name) === name)?.type === "json" ? "::text" : "";
  const side = (alias: string) => rest.map((name) => `${alias}.${name}${cast(name)}`).join(", ");
  const changed = `(${side("t")}) IS DISTINCT FROM (${side("EXCLUDED")})`;
  return `${insert} ON CONFLICT (${key.join(", ")}) DO UPDATE SET ${set} WHERE ${changed}`;
}
