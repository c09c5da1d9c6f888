import type { Db, DbSession } from "./db.js";
import { type ExistingName, originalFromComment } from "./identifiers.js";

/*
 * What the catalog says about the target's tables. Plain scans of the catalog tables, never
 * to_regclass/::regclass: those go through the session's catalog cache, which waiting on the DDL
 * advisory lock does not refresh, so right after the lock they could still miss a table another
 * process has just created (or its new columns). Decisions: "Concurrent DDL and row replacement".
 */

/** A table as the catalog describes it (types as `format_type` prints them). */
export interface TableState {
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly ColumnState[];
  /** Primary key columns in key order; empty when the table has none. */
  readonly primaryKey: readonly string[];
  readonly primaryKeyConstraint: string | undefined;
}

export interface ColumnState {
  readonly name: string;
  readonly type: string;
  /** The Singer property name from the column's COMMENT, if we wrote one. */
  readonly original: string | undefined;
}

/** Reads a table's columns and key, or `undefined` when it does not exist. */
export async function inspectTable(
  db: DbSession,
  schema: string,
  name: string,
): Promise<TableState | undefined> {
  const [found] = await db.query<{ oid: number }>(
    `select c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relname = $2 and c.relkind in ('r', 'p')`,
    [schema, name],
  );
  if (found === undefined) return undefined;
  const columns = await db.query<{ name: string; type: string; comment: string | null }>(
    `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type,
            col_description(a.attrelid, a.attnum) as comment
       from pg_attribute a
      where a.attrelid = $1::oid and a.attnum > 0 and not a.attisdropped
      order by a.attnum`,
    [found.oid],
  );
  const key = await db.query<{ name: string; constraint: string }>(
    `select a.attname as name, c.conname as constraint
       from pg_constraint c
       cross join lateral unnest(c.conkey) with ordinality as k(attnum, ord)
       join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum
      where c.conrelid = $1::oid and c.contype = 'p'
      order by k.ord`,
    [found.oid],
  );
  return {
    schema,
    name,
    columns: columns.map((c) => ({
      name: c.name,
      type: c.type,
      original: originalFromComment(c.comment),
    })),
    primaryKey: key.map((k) => k.name),
    primaryKeyConstraint: key[0]?.constraint,
  };
}

/** Tables (and partitioned tables) of a schema with the stream names their COMMENTs record. */
export async function listTables(db: Db, schema: string): Promise<ExistingName[]> {
  const rows = await db.query<{ name: string; comment: string | null }>(
    `select c.relname as name, obj_description(c.oid, 'pg_class') as comment
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind in ('r', 'p', 'v', 'm', 'f')`,
    [schema],
  );
  return rows.map((row) => ({ name: row.name, original: originalFromComment(row.comment) }));
}
