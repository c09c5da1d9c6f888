import { createHash } from "node:crypto";
import { LoadError, type Logger } from "@singerkit/singer";
import { DbError, type DbSession, isConnectionError, type Row } from "./db.js";
import { widenColumn } from "./ddl.js";
import type { DirectCopy } from "./direct-copy.js";
import { quoteIdent } from "./identifiers.js";
import { DELETED_AT, TABLE_VERSION } from "./record-metadata.js";
import type { Batch } from "./row-buffer.js";

/**
 * The transaction of one stream's batch, and all the SQL it runs, in order:
 *  1. `ALTER COLUMN … TYPE` for integer columns that got values they cannot hold (ddl.ts's one
 *     ALTER path, also used by SCHEMA changes);
 *  2. keyless streams: COPY straight into the table (a staging table would only write every row
 *     twice); keyed streams: first COPY straight into the table, which succeeds only when every
 *     key is new (direct-copy.ts); else COPY into a temporary staging table typed like the target
 *     columns, then one `INSERT … SELECT … ON CONFLICT (key) DO UPDATE … WHERE … IS DISTINCT
 *     FROM …` counting inserted and updated rows;
 *  3. with `hard_delete`, rows flagged in `_sdc_deleted_at` are deleted (LOG_BASED deletes);
 *  4. the staging table is emptied (TRUNCATE); the session keeps it for its next batch of the
 *     same column layout.
 * The row buffer keeps the last row per key as text, so duplicates rarely reach the merge; keys
 * equal in Postgres but written differently (`…Z` and `…+00:00`) still can, and then the merge
 * runs again under a SAVEPOINT keeping the last staged row per key. Rows whose values did not
 * change are not rewritten, so re-running a load writes nothing.
 */

export const STAGING_TABLE = "target_postgres_staging";

export interface MergeColumns {
  /** Column name → type (format_type), in COPY order: key columns first. */
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly primaryKey: readonly string[];
}

/** A batch taken out of a stream's buffer, with what its transaction needs. */
export interface SealedBatch {
  readonly batch: Batch;
  readonly merge: MergeColumns;
  /** Integer columns that got values they cannot hold: widened to numeric before the COPY. */
  readonly widen: readonly { readonly name: string; readonly type: string }[];
}

export interface MergeCounts {
  readonly inserted: number;
  readonly updated: number;
}

export interface LoadCounts extends MergeCounts {
  readonly deleted: number;
}

/** Where a batch goes. */
export interface BatchTarget {
  readonly stream: string;
  /** Quoted and qualified: the stream's table, or its overwrite shadow. */
  readonly into: string;
  /** `schema.table` unquoted, for messages. */
  readonly label: string;
  /** Whether keyed batches try COPY straight into the table first (direct-copy.ts). */
  readonly direct: DirectCopy;
}

export interface BatchOptions {
  /** `hard_delete`: rows merged with `_sdc_deleted_at` set are deleted. */
  readonly hardDelete: boolean;
  readonly log: Logger;
}

/** Runs a sealed batch inside the caller's transaction; returns what it changed. */
export async function loadBatch(
  tx: DbSession,
  target: BatchTarget,
  { batch, merge, widen }: SealedBatch,
  options: BatchOptions,
): Promise<LoadCounts> {
  const table = target.into;
  const names = merge.columns.map((c) => quoteIdent(c.name));
  try {
    for (const column of widen) {
      const type = await widenColumn(tx, table, column.name, column.type);
      if (type !== undefined)
        options.log.info(
          `stream ${target.stream}: widened column ${column.name} to ${type} for values that did not fit`,
        );
    }
    const marked = options.hardDelete && names.includes(quoteIdent(DELETED_AT));
    if (merge.primaryKey.length === 0) {
      const inserted = copied(await tx.copyRows(table, names, batch.chunks()), batch.rows);
      const deleted = marked ? await deleteMarkedRows(tx, table, undefined) : 0;
      return { inserted, updated: 0, deleted };
    }
    // hard_delete deletes the batch's marked rows through the staging table: always staged.
    if (!marked && target.direct.enabled) {
      const inserted = await target.direct.copy(tx, table, names, batch);
      if (inserted !== undefined) {
        options.log.debug(
          `stream ${target.stream}: ${inserted} rows, every key new: COPY straight into ${target.label} (no staging table, no merge)`,
        );
        return { inserted: copied(inserted, batch.rows), updated: 0, deleted: 0 };
      }
      options.log.info(
        `stream ${target.stream}: a key of this batch is already in ${target.label} (or twice in the batch): this and later batches merge through a staging table`,
      );
    }
    await tx.query(createStagingSql(merge));
    copied(await tx.copyRows(stagingTable(merge), names, batch.chunks()), batch.rows);
    const counts = await mergeWithFallback(tx, table, merge, marked);
    const deleted = marked ? await deleteMarkedRows(tx, table, merge) : 0;
    await tx.query(`TRUNCATE ${stagingTable(merge)}`);
    // With hard_delete, marking is a step on the way out: a row marked then deleted counts as
    // deleted only, and a tombstone for a key already gone (in and out again) as nothing.
    return {
      inserted: counts.inserted - counts.markedInserted,
      updated: counts.updated - counts.markedUpdated,
      deleted: deleted - counts.markedInserted,
    };
  } catch (error) {
    throw loadError(error, target, batch);
  }
}

/**
 * Typed like the target columns, one per column layout and session, kept for the session and
 * emptied (TRUNCATE) by each batch: creating and dropping it cost a one-row batch most of its
 * time (decisions: "Small batches").
 */
export function createStagingSql(merge: MergeColumns): string {
  const definitions = merge.columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(", ");
  return `CREATE TEMPORARY TABLE IF NOT EXISTS ${quoteIdent(stagingName(merge))} (${definitions})`;
}

export function stagingTable(merge: MergeColumns): string {
  return `pg_temp.${quoteIdent(stagingName(merge))}`;
}

/** `target_postgres_staging_<hash of the columns and types>`. */
function stagingName({ columns }: MergeColumns): string {
  const layout = columns.map((c) => `${c.name} ${c.type}`).join("\n");
  return `${STAGING_TABLE}_${createHash("sha256").update(layout).digest("hex").slice(0, 12)}`;
}

/**
 * The upsert from staging into `table` (already quoted and qualified). With `dedupe`, only the
 * last staged row per key is used (`DISTINCT ON … ORDER BY ctid DESC`: a freshly COPY'd table
 * stores rows in input order).
 */
export function mergeSql(table: string, merge: MergeColumns, dedupe = false): string {
  const { columns, primaryKey } = merge;
  const names = columns.map((c) => quoteIdent(c.name));
  const key = primaryKey.map(quoteIdent);
  const rest = names.filter((name) => !key.includes(name));
  const source = dedupe
    ? `SELECT DISTINCT ON (${key.join(", ")}) ${names.join(", ")} FROM ${stagingTable(merge)} ORDER BY ${key.join(", ")}, ctid DESC`
    : `SELECT ${names.join(", ")} FROM ${stagingTable(merge)}`;
  const insert = `INSERT INTO ${table} AS t (${names.join(", ")}) ${source}`;
  if (rest.length === 0) return `${insert} ON CONFLICT (${key.join(", ")}) DO NOTHING`;
  const set = rest.map((name) => `${name} = ${newValue(name, names)}`).join(", ");
  // json (not jsonb) has no equality operator: compare its text.
  const cast = (name: string) =>
    columns.find((c) => quoteIdent(c.name) === name)?.type === "json" ? "::text" : "";
  const now = rest.map((name) => `t.${name}${cast(name)}`).join(", ");
  // The row is compared with what the SET would make of it, not with the staged record: a
  // tombstone (key + `_sdc_deleted_at`) keeps the data columns, so its nulls there are no change;
  // replayed onto a row already marked the same, it writes nothing and is not counted updated.
  const next = rest.map((name) => `${wrap(newValue(name, names))}${cast(name)}`).join(", ");
  const changed = `(${now}) IS DISTINCT FROM (${next})`;
  return `${insert} ON CONFLICT (${key.join(", ")}) DO UPDATE SET ${set} WHERE ${changed}${notOlder(rest)}`;
}

/**
 * A record marked deleted (`_sdc_deleted_at` set: a tap's tombstone, often only the key) marks the
 * row it merges into and leaves its data columns as they were, instead of nulling every column the
 * record does not carry. The `_sdc_*` columns take the record's values, as always.
 */
function newValue(name: string, names: readonly string[]): string {
  const deletedAt = quoteIdent(DELETED_AT);
  if (!names.includes(deletedAt) || name.startsWith('"_sdc_')) return `EXCLUDED.${name}`;
  return `CASE WHEN EXCLUDED.${deletedAt} IS NULL THEN EXCLUDED.${name} ELSE t.${name} END`;
}

/** A CASE expression parenthesised before a cast; a plain column as is. */
function wrap(expression: string): string {
  return expression.startsWith("CASE ") ? `(${expression})` : expression;
}

/**
 * A row of an older table version never replaces one of a newer version (two FULL_TABLE runs of
 * one stream overlapping: the newer run's ACTIVATE_VERSION would delete the older run's rows that
 * replaced its own, losing the key). Rows without a version replace any.
 */
function notOlder(columns: readonly string[]): string {
  const version = quoteIdent(TABLE_VERSION);
  if (!columns.includes(version)) return "";
  return ` AND (EXCLUDED.${version} IS NULL OR t.${version} IS NULL OR EXCLUDED.${version} >= t.${version})`;
}

/**
 * The upsert, counting inserted (`xmax = 0`: a new tuple) and updated rows in one round trip.
 * With `hard_delete` it also counts the rows it left marked deleted, inserted or updated: the
 * delete after it removes them, so they count as deleted (if they were there) and nothing else.
 */
export function countedMergeSql(merge: string, hardDelete = false): string {
  const counts = [
    "count(*) FILTER (WHERE inserted)::int AS inserted",
    "count(*) FILTER (WHERE NOT inserted)::int AS updated",
  ];
  let returning = "(xmax = 0) AS inserted";
  if (hardDelete) {
    returning += `, (${quoteIdent(DELETED_AT)} IS NOT NULL) AS marked`;
    counts.push(
      "count(*) FILTER (WHERE inserted AND marked)::int AS marked_inserted",
      "count(*) FILTER (WHERE marked AND NOT inserted)::int AS marked_updated",
    );
  }
  return `WITH m AS (${merge} RETURNING ${returning}) SELECT ${counts.join(", ")} FROM m`;
}

interface CountedMerge extends MergeCounts {
  /** Rows inserted already marked deleted: a tombstone for a key the table does not have. */
  readonly markedInserted: number;
  /** Rows updated to marked deleted (hard_delete deletes them next). */
  readonly markedUpdated: number;
}

function mergeCounts(rows: readonly Row[]): CountedMerge {
  const row = rows[0];
  return {
    inserted: Number(row?.inserted ?? 0),
    updated: Number(row?.updated ?? 0),
    markedInserted: Number(row?.marked_inserted ?? 0),
    markedUpdated: Number(row?.marked_updated ?? 0),
  };
}

/**
 * The merge; if two staged rows still share a key, Postgres refuses with 21000 "ON CONFLICT DO
 * UPDATE command cannot affect row a second time": then it runs again keeping the last row per key.
 */
async function mergeWithFallback(
  tx: DbSession,
  table: string,
  merge: MergeColumns,
  hardDelete: boolean,
): Promise<CountedMerge> {
  await tx.query("SAVEPOINT target_postgres_merge");
  try {
    return mergeCounts(await tx.query(countedMergeSql(mergeSql(table, merge), hardDelete)));
  } catch (error) {
    if (!(error instanceof DbError) || error.code !== "21000") throw error;
    await tx.query("ROLLBACK TO SAVEPOINT target_postgres_merge");
    return mergeCounts(await tx.query(countedMergeSql(mergeSql(table, merge, true), hardDelete)));
  }
}

/**
 * `hard_delete` with LOG_BASED deletes: rows of the batch just merged whose `_sdc_deleted_at`
 * is set are deleted (only those keys: joined through the staging table, so no scan of the whole
 * table). Keyless streams: every marked row of the table.
 */
async function deleteMarkedRows(
  tx: DbSession,
  table: string,
  merge: MergeColumns | undefined,
): Promise<number> {
  const marked = `${quoteIdent(DELETED_AT)} IS NOT NULL`;
  const sql =
    merge === undefined
      ? `WITH d AS (DELETE FROM ${table} WHERE ${marked} RETURNING 1) SELECT count(*)::int AS n FROM d`
      : `WITH d AS (DELETE FROM ${table} AS t USING ${stagingTable(merge)} AS s WHERE ${merge.primaryKey
          .map((k) => `t.${quoteIdent(k)} = s.${quoteIdent(k)}`)
          .join(" AND ")} AND s.${marked} RETURNING 1) SELECT count(*)::int AS n FROM d`;
  const [row] = await tx.query<{ n: number }>(sql, []);
  return row?.n ?? 0;
}

/** A failed batch as a LoadError naming table, column and the input line of the COPY row. */
function loadError(error: unknown, target: BatchTarget, batch: Batch): LoadError {
  if (!(error instanceof DbError))
    return new LoadError(String(error), {}, { stream: target.stream, cause: error });
  // A lost connection is not about the row COPY happened to be at: no line, no row text.
  const lost = isConnectionError(error);
  const line = error.copyRow === undefined || lost ? undefined : batch.inputLine(error.copyRow);
  const message = lost && error.cause instanceof Error ? error.cause.message : error.message;
  // A lost connection's outcome is decided by the commit marker (retry.ts), not here.
  return new LoadError(
    lost ? message : `${message}; nothing of this batch was committed`,
    {
      ...(error.code === undefined ? {} : { code: error.code }),
      table: target.label,
      ...(error.column === undefined ? {} : { column: error.column }),
    },
    { stream: target.stream, ...(line === undefined ? {} : { line }), cause: error },
  );
}

/** The rows COPY reports must be the batch's rows: anything else would be silent loss. */
function copied(count: number, expected: number): number {
  if (count !== expected) throw new Error(`COPY loaded ${count} rows of a batch of ${expected}`);
  return count;
}
