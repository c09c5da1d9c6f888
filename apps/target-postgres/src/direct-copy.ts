import { DbError, type DbSession } from "./db.js";
import type { Batch } from "./row-buffer.js";

/**
 * New rows without the staging table. A keyed batch is first COPYed straight into its table
 * under a SAVEPOINT: the table's unique key index (the one `ON CONFLICT (key)` needs) refuses
 * any key that exists, committed or still being written by another transaction (COPY waits for
 * it), and any two rows of the batch whose keys Postgres sees as equal. So when the COPY
 * succeeds, every row was new, and the table holds exactly what the merge would have made:
 * each row inserted, none updated (the merge's IS DISTINCT FROM and table-version guards only
 * act on conflicts). When a key exists (23505) or the COPY deadlocks with a concurrent writer of
 * the same keys (40P01), the savepoint is rolled back and the batch takes the staging + merge
 * path as before. No emptiness check and no table lock: an initial load of many batches, and
 * concurrent targets writing disjoint keys, stay on the fast path. See docs/decisions-target.md
 * "New rows: COPY straight into the table".
 */

const SAVEPOINT = "target_postgres_direct_copy";

/** Keys exist (or collide within the batch): the merge must decide. */
const FALL_BACK = new Set(["23505", "40P01"]);

/** Per stream: whether its keyed batches still try the direct COPY. */
export class DirectCopy {
  #enabled = true;

  get enabled(): boolean {
    return this.#enabled;
  }

  /**
   * COPYs `batch` straight into `table`; returns the rows inserted, or `undefined` (nothing
   * changed) when a key already existed. After one such batch the stream stops trying: a stream
   * that updates rows would otherwise send each batch twice.
   */
  async copy(
    tx: DbSession,
    table: string,
    names: readonly string[],
    batch: Batch,
  ): Promise<number | undefined> {
    await tx.query(`SAVEPOINT ${SAVEPOINT}`);
    try {
      return await tx.copyRows(table, names, batch.chunks());
    } catch (error) {
      if (!(error instanceof DbError) || !FALL_BACK.has(error.code ?? "")) throw error;
      await tx.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
      this.#enabled = false;
      return undefined;
    }
  }
}
