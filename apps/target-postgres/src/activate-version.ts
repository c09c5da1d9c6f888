import type { DbSession } from "./db.js";
import { quoteIdent } from "./identifiers.js";
import { stagingTable } from "./merge.js";
import { DELETED_AT, TABLE_VERSION } from "./record-metadata.js";

/**
 * ACTIVATE_VERSION: rows of an older table version (or of none: NULL) leave the table.
 * Hard: DELETE. Soft: `_sdc_deleted_at` is set to the transaction time, only on rows not yet
 * marked, so a row's deletion time never moves (MeltanoLabs #204/#225). Strictly older (`<`):
 * `<=` deleted the rows just loaded (SDK #2227). Returns the number of rows deleted or marked.
 */
export async function retireOldVersions(
  tx: DbSession,
  table: string,
  version: number,
  hard: boolean,
): Promise<number> {
  const older = `(${quoteIdent(TABLE_VERSION)} < $1 OR ${quoteIdent(TABLE_VERSION)} IS NULL)`;
  const sql = hard
    ? `WITH d AS (DELETE FROM ${table} WHERE ${older} RETURNING 1) SELECT count(*)::int AS n FROM d`
    : `WITH d AS (UPDATE ${table} SET ${quoteIdent(DELETED_AT)} = now() WHERE ${older} AND ${quoteIdent(DELETED_AT)} IS NULL RETURNING 1) SELECT count(*)::int AS n FROM d`;
  const [row] = await tx.query<{ n: number }>(sql, [version]);
  return row?.n ?? 0;
}

/**
 * `hard_delete` with LOG_BASED deletes: rows of the batch just merged whose `_sdc_deleted_at`
 * is set are deleted (only those keys: the staging table, so no scan of the whole table).
 * Keyless streams: every marked row of the table.
 */
export async function deleteMarkedRows(
  tx: DbSession,
  table: string,
  primaryKey: readonly string[],
): Promise<number> {
  const marked = `${quoteIdent(DELETED_AT)} IS NOT NULL`;
  const sql =
    primaryKey.length === 0
      ? `WITH d AS (DELETE FROM ${table} WHERE ${marked} RETURNING 1) SELECT count(*)::int AS n FROM d`
      : `WITH d AS (DELETE FROM ${table} AS t USING ${stagingTable()} AS s WHERE ${primaryKey
          .map((k) => `t.${quoteIdent(k)} = s.${quoteIdent(k)}`)
          .join(" AND ")} AND s.${marked} RETURNING 1) SELECT count(*)::int AS n FROM d`;
  const [row] = await tx.query<{ n: number }>(sql, []);
  return row?.n ?? 0;
}

/**
 * Opening vs closing ACTIVATE_VERSION. Taps send one before a FULL_TABLE sync's records (tap-secoda,
 * singer-python on a first sync) and one after. Retiring older rows at the opening one would empty
 * the table until the new version has loaded (and leave it so if the run dies). So a message whose
 * version no record and no earlier message of this run carried is deferred: the next message for
 * that version (after its records) retires, and a deferral still open at the end of a successful
 * run is applied then (a stream with no records, or a tap that sends only the opening one).
 */
export class VersionTracker {
  readonly #last = new Map<string, number>();
  readonly #deferred = new Map<string, number>();

  recordVersion(stream: string, version: number): void {
    if (this.#last.get(stream) !== version) this.#last.set(stream, version);
  }

  /** True: retire older versions now; false: deferred (an opening message). */
  activate(stream: string, version: number): boolean {
    const opening = this.#last.get(stream) !== version;
    this.#last.set(stream, version);
    if (opening) this.#deferred.set(stream, version);
    else this.#deferred.delete(stream);
    return !opening;
  }

  /** The deferrals still open (end of a successful run); clears them. */
  takeDeferred(): [string, number][] {
    const out = [...this.#deferred];
    this.#deferred.clear();
    return out;
  }
}
