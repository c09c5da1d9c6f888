import { type Clock, LoadError, type Logger } from "@singerkit/singer";
import type { CommitOutcome } from "./commit-markers.js";
import { ConnectError, isConnectionError, isRolledBackForRetry } from "./db.js";

/** `flush_retries` and what a retry needs: the backoff sleeps on the injected clock. */
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
  /** What the transaction does, for messages; `flush of <table>` when not given. */
  readonly doing?: string;
}

/** Where a database call is, for its messages: the table, and the input line and stream. */
export interface Target {
  readonly stream?: string;
  /** `schema.table`, when known. */
  readonly label?: string;
  readonly line?: number;
}

/**
 * Runs a batch's transaction exactly once. When its connection fails (not a statement error) the
 * COMMIT may or may not have happened: the batch's marker is read on a new connection (that read
 * is itself retried, `retries` times, with backoff on the injected clock). A committed batch is
 * done (counts from its marker); one that did not commit is replayed from the start on a new
 * connection up to `retries` times. A deadlock or serialization failure rolled the transaction
 * back for sure: it is replayed without a check. Messages say what is known: "committed", "not
 * committed" or "outcome unknown" with what was checked. The final error names the table.
 */
export async function commitExactlyOnce<T>(
  batch: ExactlyOnce<T>,
  target: Target,
  options: RetryOptions,
): Promise<T> {
  const { retries, log } = options;
  const doing = batch.doing ?? `flush of ${target.label}`;
  for (let attempt = 0; ; attempt += 1) {
    let lost: unknown;
    try {
      return await batch.run();
    } catch (error) {
      if (isRolledBackForRetry(error) && attempt < retries) {
        const delay = backoff(attempt);
        log.warn(
          `${doing} was rolled back (${errorMessage(error)}); retrying from a new transaction in ${delay} ms (attempt ${attempt + 2} of ${retries + 1})`,
        );
        await options.clock.sleep(delay);
        continue;
      }
      if (isRolledBackForRetry(error))
        throw gaveUp(error, `${errorMessage(error)}${attempts(attempt, retries)}`, target);
      if (!isConnectionError(error)) throw error;
      lost = error;
    }
    const message = errorMessage(lost);
    const outcome = await checkOutcome(batch, target, { lost, attempt }, options);
    if (outcome.committed) {
      log.warn(
        `${doing} lost its connection (${message}); outcome checked: ${batch.name} committed (its marker is there), not replayed`,
      );
      return batch.fromMarker(outcome);
    }
    const checked = `not committed (checked: no marker of ${batch.name})`;
    if (attempt >= retries)
      throw gaveUp(lost, `${message}; ${checked}${attempts(attempt, retries)}`, target);
    const delay = backoff(attempt);
    log.warn(
      `${doing} failed on its connection (${message}); ${checked}; retrying from a new transaction in ${delay} ms (attempt ${attempt + 2} of ${retries + 1})`,
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
  const doing = batch.doing ?? `flush of ${target.label}`;
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
        `${doing}: could not check whether ${batch.name} committed (${reason}); checking again in ${delay} ms`,
      );
      await options.clock.sleep(delay);
    }
  }
}

/** An idempotent database call (a catalog read, DDL planned from the catalog, an upsert). */
export interface IdempotentCall extends Target {
  /** What it does, for messages: `reading the catalog of schema x`. */
  readonly doing: string;
  /** What is known when it gives up (appended to the final error). */
  readonly known?: string;
  /** Which failures to rerun it after; a lost connection or a rollback to retry by default. */
  readonly rerunAfter?: (error: unknown) => boolean;
}

/**
 * Runs `work`, and again from the start after a lost connection, a deadlock or a serialization
 * failure, up to `retries` times with backoff on the injected clock: safe because running it twice
 * changes nothing more than running it once (reads, `IF NOT EXISTS`, DDL planned again from the
 * catalog under its lock, upserts of the same values). Each retry is a WARN `retrying (attempt n
 * of m)`; the final error names table, line and stream with what it was doing.
 */
export async function retryIdempotent<T>(
  call: IdempotentCall,
  work: () => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const { retries, log } = options;
  const rerun = call.rerunAfter ?? isRetryable;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (!rerun(error)) throw error;
      const message = errorMessage(error);
      if (attempt >= retries)
        throw gaveUp(
          error,
          `${message}; ${call.doing}: gave up after ${attempt + 1} attempt${attempt === 0 ? "" : "s"} (flush_retries is ${retries})${call.known === undefined ? "" : `; ${call.known}`}`,
          call,
        );
      const delay = backoff(attempt);
      log.warn(
        `${where(call)}${call.doing} failed (${message}); retrying (attempt ${attempt + 2} of ${retries + 1}) in ${delay} ms`,
      );
      await options.clock.sleep(delay);
    }
  }
}

/** A failure after which an idempotent call may simply run again. */
export function isRetryable(error: unknown): boolean {
  return isConnectionError(error) || isRolledBackForRetry(error);
}

function backoff(attempt: number): number {
  return Math.min(5000, 500 * 2 ** attempt);
}

/** One line: a deadlock's detail spans several. */
function errorMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, " ");
}

function attempts(attempt: number, retries: number): string {
  return retries === 0
    ? ""
    : ` (gave up after ${attempt + 1} attempts, flush_retries is ${retries})`;
}

/** `table x.s: line 4, stream s: ` for WARN lines (the FATAL gets it from LoadError.describe). */
function where(target: Target): string {
  const parts = [
    target.line === undefined ? undefined : `line ${target.line}`,
    target.stream === undefined ? undefined : `stream ${target.stream}`,
  ].filter((part) => part !== undefined);
  const table = target.label === undefined ? [] : [`table ${target.label}`];
  return [...table, ...(parts.length > 0 ? [parts.join(", ")] : []), ""].join(": ");
}

/** The final error: the lost connection's own details (table, code) with what is known. */
function gaveUp(error: unknown, text: string, target: Target): LoadError {
  const known = error instanceof LoadError && error.table !== undefined;
  const table =
    error instanceof LoadError && error.table !== undefined ? error.table : target.label;
  const context = {
    ...(target.line === undefined ? {} : { line: target.line }),
    ...(target.stream === undefined ? {} : { stream: target.stream }),
  };
  // "could not connect" says it already.
  const lost = !known && isConnectionError(error) && !(error instanceof ConnectError);
  return new LoadError(
    `${lost ? "lost the database connection: " : ""}${text}`,
    {
      ...(error instanceof LoadError && error.code !== undefined ? { code: error.code } : {}),
      ...(table === undefined ? {} : { table }),
    },
    known ? { ...context, ...error.context, cause: error } : { ...context, cause: error },
  );
}
