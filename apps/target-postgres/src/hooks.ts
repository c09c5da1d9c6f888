import { LoadError } from "@singerkit/singer";
import { ConnectError, type Db } from "./db.js";
import { type RetryOptions, retryIdempotent } from "./retry.js";

/**
 * `before_run_sql` / `after_run_sql`: a statement or a list of statements, run in order on the
 * target's connection (each in its own implicit transaction). before: after connecting, before
 * any table is touched; after: once the last batch is committed, only on a successful run.
 * A failing statement fails the run, naming the setting and the statement's position. Only a
 * failed connect is retried: the SQL is the user's, and may not be safe to run twice.
 */
export async function runHooks(
  db: Db,
  retry: RetryOptions,
  setting: "before_run_sql" | "after_run_sql",
  sql: string | readonly string[] | undefined,
): Promise<void> {
  if (sql === undefined) return;
  const statements = typeof sql === "string" ? [sql] : sql;
  for (const [index, statement] of statements.entries()) {
    if (statement.trim() === "") continue;
    const call = {
      doing: `connecting to run ${setting}[${index}]`,
      rerunAfter: (error: unknown) => error instanceof ConnectError && error.transient,
    };
    try {
      await retryIdempotent(call, () => db.query(statement), retry);
    } catch (error) {
      throw new LoadError(
        `${setting}[${index}] failed: ${error instanceof Error ? error.message : String(error)}`,
        {},
        { cause: error },
      );
    }
    retry.log.info(`${setting}[${index}] ran`);
  }
}
