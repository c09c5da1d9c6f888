import { type Clock, LoadError, type Logger } from "@singerkit/singer";
import { isConnectionError } from "./db.js";

/**
 * Runs a batch's transaction; when its connection fails (not a statement error), replays it from
 * the start on a new connection up to `retries` times with a short backoff (on the injected
 * clock). The sealed batch stays in memory until then, and no STATE moves before a COMMIT
 * succeeds. The final error names the table.
 */
export async function withConnectionRetries<T>(
  run: () => Promise<T>,
  target: { readonly stream: string; readonly label: string },
  options: { readonly retries: number; readonly clock: Clock; readonly log: Logger },
): Promise<T> {
  const { retries } = options;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await run();
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      if (attempt >= retries) throw gaveUp(error, message, attempt, retries, target);
      const delay = Math.min(5000, 500 * 2 ** attempt);
      options.log.warn(
        `flush of ${target.label} failed on its connection (${message}); retrying from a new transaction in ${delay} ms (retry ${attempt + 1} of ${retries})`,
      );
      await options.clock.sleep(delay);
    }
  }
}

function gaveUp(
  error: unknown,
  message: string,
  attempt: number,
  retries: number,
  target: { readonly stream: string; readonly label: string },
): LoadError {
  const suffix =
    retries === 0 ? "" : ` (gave up after ${attempt + 1} attempts, flush_retries is ${retries})`;
  if (error instanceof LoadError && error.table !== undefined)
    return new LoadError(
      `${error.message}${suffix}`,
      { ...(error.code === undefined ? {} : { code: error.code }), table: error.table },
      { ...error.context, cause: error },
    );
  return new LoadError(
    `lost the database connection: ${message}; nothing of this batch was committed${suffix}`,
    {
      ...(error instanceof LoadError && error.code !== undefined ? { code: error.code } : {}),
      table: target.label,
    },
    { stream: target.stream, cause: error },
  );
}
