import type { Clock, Logger } from "@singerkit/singer";
import { type LoadCounts, loadBatch, type SealedBatch } from "./batch-load.js";
import type { Db } from "./db.js";
import type { Overwrite } from "./load-method.js";
import type { Loader } from "./loader.js";
import { withConnectionRetries } from "./retry.js";

export interface BatchCommitOptions {
  readonly db: Db;
  readonly log: Logger;
  readonly clock: Clock;
  readonly hardDelete: boolean;
  readonly retries: number;
  readonly overwrite: Overwrite | undefined;
  /** Told of every COMMIT (load history and progress). */
  readonly committed: (stream: string, rows: number, counts: LoadCounts, started: number) => void;
}

/** Commits one stream's sealed batch: one transaction (batch-load.ts), replayed on a lost
 * connection (retry.ts; not under overwrite, whose shadow lives in the session). */
export function batchCommitter(options: BatchCommitOptions) {
  const { db, log, clock, overwrite } = options;
  const retries = overwrite === undefined ? options.retries : 0;
  const batch = { hardDelete: options.hardDelete, log };
  return async (loader: Loader, sealed: SealedBatch): Promise<void> => {
    const started = clock.now();
    const counts = await withConnectionRetries(
      () =>
        db.transaction(async (tx) => {
          if (overwrite !== undefined) await overwrite.prepare(tx, loader);
          return loadBatch(tx, loader, sealed, batch);
        }),
      loader,
      { retries, clock, log },
    );
    options.committed(loader.stream, sealed.batch.rows, counts, started);
    log.info(
      `stream ${loader.stream}: committed ${sealed.batch.rows} rows (${sealed.batch.bytes} bytes) to ${loader.sqlName} in ${clock.now() - started} ms`,
    );
  };
}
