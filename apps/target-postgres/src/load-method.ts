import { LoadError, type Logger, type SchemaMessage } from "@singerkit/singer";
import type { LoadMethod } from "./config.js";
import { type Db, type DbSession, isConnectionError } from "./db.js";
import { quoteIdent } from "./identifiers.js";

/**
 * `load_method`. `upsert` is the default path (merge on keys, keyless streams append).
 * `append-only` loads every stream as keyless: the SCHEMA's key_properties are dropped before
 * layout, so rows are COPY'd straight into a table without a primary key.
 * `overwrite`: see Overwrite.
 */
export function schemaForMethod(message: SchemaMessage, method: LoadMethod): SchemaMessage {
  if (method !== "append-only" || message.key_properties.length === 0) return message;
  return { ...message, key_properties: [] };
}

/** What Overwrite needs of a stream's loader. */
export interface Redirectable {
  readonly stream: string;
  /** The real table, quoted and qualified. */
  readonly sqlName: string;
  redirect(table: string | undefined): void;
}

/**
 * `overwrite`: a stream's batches are merged into a shadow table (a session TEMPORARY table
 * created `LIKE` the real one, with its key, at the stream's first flush), and at the end of
 * input one transaction replaces the real table's rows with the shadow's (DELETE + INSERT …
 * SELECT; see `swap`). Readers see the old rows until that COMMIT, then the new ones, never an empty table;
 * the table itself (its comments with the identifier mapping, grants, views on it) is kept.
 * A failed or interrupted run leaves the table as it was (the temp table dies with the session).
 * A stream that sends no records leaves its table untouched.
 */
export class Overwrite {
  readonly #log: Logger;
  readonly #shadows = new Map<Redirectable, string>();
  #count = 0;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Inside a flush's transaction, before the stream's first batch loads. */
  async prepare(tx: DbSession, loader: Redirectable): Promise<void> {
    if (this.#shadows.has(loader)) return;
    this.#count += 1;
    const shadow = `pg_temp.${quoteIdent(`target_postgres_shadow_${this.#count}`)}`;
    await tx.query(
      `CREATE TEMPORARY TABLE ${shadow.slice(8)} (LIKE ${loader.sqlName} INCLUDING ALL)`,
    );
    this.#shadows.set(loader, shadow);
    loader.redirect(shadow);
  }

  /**
   * After DDL on the real table (schema evolution): the shadow is made again from the table
   * and keeps its rows (columns of the same name; types the table widened cast on insert).
   */
  async tableChanged(db: Db, loader: Redirectable): Promise<void> {
    const old = this.#shadows.get(loader);
    if (old === undefined) return;
    this.#shadows.delete(loader);
    loader.redirect(undefined);
    await db.transaction(async (tx) => {
      await this.prepare(tx, loader);
      const shadow = this.#shadows.get(loader) ?? old;
      const list = (await columnsOf(tx, old)).join(", ");
      await tx.query(`INSERT INTO ${shadow} (${list}) SELECT ${list} FROM ${old}`);
      await tx.query(`DROP TABLE ${old}`);
    });
  }

  isShadowed(loader: Redirectable): boolean {
    return this.#shadows.has(loader);
  }

  /**
   * End of input: every shadowed table replaces its real table, all in one transaction. The tables
   * are locked first, together and in name order (another process swapping the same tables locks
   * them in the same order, so two swaps queue instead of deadlocking), in SHARE ROW EXCLUSIVE
   * mode: other writers wait, readers do not. DELETE, not TRUNCATE: TRUNCATE is not MVCC-safe (a
   * reader whose snapshot predates the swap would see the table empty) and would block readers.
   * Columns are named: another process may have added or widened columns since the shadow was made.
   */
  async swap(db: Db): Promise<void> {
    if (this.#shadows.size === 0) return;
    const done: string[] = [];
    const order = [...this.#shadows].sort(([a], [b]) => compare(a.sqlName, b.sqlName));
    const swapping = db.transaction(async (tx) => {
      const tables = order.map(([loader]) => loader.sqlName).join(", ");
      await tx.query(`LOCK TABLE ${tables} IN SHARE ROW EXCLUSIVE MODE`);
      for (const [loader, shadow] of order) {
        await tx.query(`DELETE FROM ${loader.sqlName}`);
        const list = (await columnsOf(tx, shadow)).join(", ");
        const [row] = await tx.query<{ n: number }>(
          `WITH i AS (INSERT INTO ${loader.sqlName} (${list}) SELECT ${list} FROM ${shadow} RETURNING 1) SELECT count(*)::int AS n FROM i`,
        );
        await tx.query(`DROP TABLE ${shadow}`);
        done.push(`${loader.sqlName} (${row?.n ?? 0} rows)`);
      }
    });
    await swapping.catch((error: unknown) => {
      // Not retried: the shadows were temporary tables of the session (a lost one took them).
      const tables = order.map(([loader]) => loader.sqlName).join(", ");
      const message = error instanceof Error ? error.message : String(error);
      const known = isConnectionError(error)
        ? "the connection was lost, so whether the swap committed is unknown (rerun the load)"
        : "the tables keep their old rows";
      throw new LoadError(
        `overwrite of ${tables} failed: ${message}; ${known}`,
        error instanceof LoadError && error.code !== undefined ? { code: error.code } : {},
        { cause: error },
      );
    });
    for (const loader of this.#shadows.keys()) loader.redirect(undefined);
    this.#shadows.clear();
    this.#log.info(`overwrite: replaced the rows of ${done.join(", ")}`);
  }
}

/** A table's columns, quoted, in order. */
async function columnsOf(tx: DbSession, table: string): Promise<string[]> {
  const columns = await tx.query<{ name: string }>(
    `select attname as name from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum`,
    [table],
  );
  return columns.map((c) => quoteIdent(c.name));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
