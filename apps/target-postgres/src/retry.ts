import { type Clock, LoadError, type Logger } from "@singerkit/singer";
import type { CommitOutcome } from "./commit-markers.js";
import { isConnectionError } from "./db.js";

export interface RetryOptions {
  readonly retries: number;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface ExactlyOnce<T> {
  /** The batch's transaction; it writes the batch's commit marker before COMMIT. */
  readonly run: () => Promise<T>;
  /** Reads the marker on a new connection (commit-markers.ts). */
  readonly check: () => Promise<CommitOutcome>;
  /** What a committed batch's marker says it changed. */
  readonly fromMarker: (outcome: CommitOutcome & { committed: true }) => T;
  /** How messages name the batch: `batch 3 of load <id>`. */
  readonly name: string;
}

interface Target {
  readonly stream: string;
  readonly label: string;
}

/**
 * Runs a batch's transaction exactly once. When its connection fails (not a statement error) the
 * COMMIT may or may not have happened: the batch's marker is read on a new connection (that read
 * is itself retried, `retries` times, with backoff on the injected clock). A committed batch is
 * done (counts from its marker); one that did not commit is replayed from the start on a new
 * connection up to `retries` times. Messages say what is known: "committed", "not committed" or
 * "outcome unknown" with what was checked. The final error names the table.
 */
export async function commitExactlyOnce<T>(
  batch: ExactlyOnce<T>,
  target: Target,
  options: RetryOptions,
): Promise<T> {
  const { retries, log } = options;
  for (let attempt = 0; ; attempt += 1) {
    let lost: unknown;
    try {
      return await batch.run();
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      lost = error;
    }
    const message = errorMessage(lost);
    const outcome = await checkOutcome(batch, target, { lost, attempt }, options);
    if (outcome.committed) {
      log.warn(
        `flush of ${target.label} lost its connection (${message}); outcome checked: ${batch.name} committed (its marker is there), not replayed`,
      );
      return batch.fromMarker(outcome);
    }
    const checked = `not committed (checked: no marker of ${batch.name})`;
    if (attempt >= retries)
      throw gaveUp(lost, `${message}; ${checked}${attempts(attempt, retries)}`, target);
    const delay = backoff(attempt);
    log.warn(
      `flush of ${target.label} failed on its connection (${message}); ${checked}; retrying from a new transaction in ${delay} ms (retry ${attempt + 1} of ${retries})`,
    );
    await options.clock.sleep(delay);
  }
}

/** Reads the marker, retrying the read on a lost connection; past that the outcome is unknown. */
async function checkOutcome<T>(
  batch: ExactlyOnce<T>,
  target: Target,
  failed: { readonly lost: unknown; readonly attempt: number },
  options: RetryOptions,
): Promise<CommitOutcome> {
  const { lost } = failed;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await batch.check();
    } catch (error) {
      const reason = errorMessage(error);
      if (!isConnectionError(error) || attempt >= options.retries)
        throw gaveUp(
          lost,
          `${errorMessage(lost)}; outcome unknown, checked: could not read the marker of ${batch.name} in ${attempt + 1} attempt(s) (${reason}); rerun from the last STATE${attempts(failed.attempt, options.retries)}`,
          target,
        );
      const delay = backoff(attempt);
      options.log.warn(
        `flush of ${target.label}: could not check whether ${batch.name} committed (${reason}); checking again in ${delay} ms`,
      );
      await options.clock.sleep(delay);
    }
  }
}

function backoff(attempt: number): number {
  return Math.min(5000, 500 * 2 ** attempt);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function attempts(attempt: number, retries: number): string {
  return retries === 0
    ? ""
    : ` (gave up after ${attempt + 1} attempts, flush_retries is ${retries})`;
}

/** The final error: the lost connection's own details (table, code) with what is known. */
function gaveUp(error: unknown, text: string, target: Target): LoadError {
  const known = error instanceof LoadError && error.table !== undefined;
  return new LoadError(
    `${known ? "" : "lost the database connection: "}${text}`,
    {
      ...(error instanceof LoadError && error.code !== undefined ? { code: error.code } : {}),
      table: known ? (error.table ?? target.label) : target.label,
    },
    known ? { ...error.context, cause: error } : { stream: target.stream, cause: error },
  );
}
