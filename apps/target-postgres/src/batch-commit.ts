import { type LoadCounts, loadBatch, type SealedBatch } from "./batch-load.js";
import type { CommitMarkers } from "./commit-markers.js";
import type { Db } from "./db.js";
import type { Overwrite } from "./load-method.js";
import type { Loader } from "./loader.js";
import { commitExactlyOnce, type RetryOptions } from "./retry.js";

export interface BatchCommitOptions {
  readonly db: Db;
  /** `flush_retries` (0 under overwrite: its shadow lives in the session). */
  readonly retry: RetryOptions;
  readonly hardDelete: boolean;
  readonly overwrite: Overwrite | undefined;
  readonly markers: CommitMarkers;
  /** Told of every COMMIT (load history and progress). */
  readonly committed: (stream: string, rows: number, counts: LoadCounts, started: number) => void;
}

/** Commits one stream's sealed batch: one transaction (batch-load.ts) ending with its commit
 * marker; after a lost connection the marker decides whether it is replayed (retry.ts; never
 * under overwrite, whose shadow lives in the session). */
export function batchCommitter(options: BatchCommitOptions) {
  const { db, retry, overwrite, markers } = options;
  const { clock, log } = retry;
  const batch = { hardDelete: options.hardDelete, log };
  return async (loader: Loader, sealed: SealedBatch): Promise<void> => {
    const started = clock.now();
    const sequence = markers.next();
    const { rows } = sealed.batch;
    const counts = await commitExactlyOnce(
      {
        run: async () => {
          await markers.ready(db); // the first batch makes the table, retried like the batch
          return db.transaction(async (tx) => {
            if (overwrite !== undefined) await overwrite.prepare(tx, loader);
            const changed = await loadBatch(tx, loader, sealed, batch);
            await markers.write(tx, sequence, loader.stream, rows, changed);
            return changed;
          });
        },
        check: () => markers.check(db, sequence),
        fromMarker: (outcome) => outcome.counts,
        name: `batch ${sequence} of load ${markers.loadId} (${markers.label})`,
      },
      loader,
      retry,
    );
    options.committed(loader.stream, rows, counts, started);
    log.info(
      `stream ${loader.stream}: committed ${rows} rows (${sealed.batch.bytes} bytes) to ${loader.sqlName} in ${clock.now() - started} ms`,
    );
  };
}
