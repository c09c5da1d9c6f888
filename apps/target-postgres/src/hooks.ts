import { LoadError, type Logger } from "@singerkit/singer";
import type { Db } from "./db.js";

/**
 * `before_run_sql` / `after_run_sql`: a statement or a list of statements, run in order on the
 * target's connection (each in its own implicit transaction). before: after connecting, before
 * any table is touched; after: once the last batch is committed, only on a successful run.
 * A failing statement fails the run, naming the setting and the statement's position.
 */
export async function runHooks(
  db: Db,
  log: Logger,
  setting: "before_run_sql" | "after_run_sql",
  sql: string | readonly string[] | undefined,
): Promise<void> {
  if (sql === undefined) return;
  const statements = typeof sql === "string" ? [sql] : sql;
  for (const [index, statement] of statements.entries()) {
    if (statement.trim() === "") continue;
    try {
      await db.query(statement);
    } catch (error) {
      throw new LoadError(
        `${setting}[${index}] failed: ${error instanceof Error ? error.message : String(error)}`,
        {},
        { cause: error },
      );
    }
    log.info(`${setting}[${index}] ran`);
  }
}
