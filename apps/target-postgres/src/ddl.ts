import { LoadError } from "@singerkit/singer";
import { inspectTable, type TableState } from "./catalog.js";
import { type Db, DbError, type DbSession } from "./db.js";
import { nameComment, qualified, quoteIdent, quoteLiteral } from "./identifiers.js";
import { type RetryOptions, retryIdempotent } from "./retry.js";
import { statementBatches } from "./sql-batch.js";
import { joinTypes, widenUsing } from "./type-mapping.js";

/** What a SCHEMA asks for: columns with their wanted types, and the key. */
export interface WantedTable {
  readonly schema: string;
  readonly name: string;
  readonly stream: string;
  readonly columns: readonly {
    readonly name: string;
    readonly original: string;
    readonly type: string;
  }[];
  readonly primaryKey: readonly string[];
}

export interface Plan {
  readonly statements: readonly string[];
  /** True when the primary key changes (its ADD can fail on existing rows). */
  readonly rekey: boolean;
}

/**
 * DDL from several processes at once (an orchestrator's fan-out into one schema) is serialised
 * per schema by a transaction-scoped advisory lock, and what to change is decided after taking
 * it, from the catalog as it is then: `IF NOT EXISTS` alone races on PostgreSQL's catalog indexes
 * (`duplicate key value violates unique constraint "pg_namespace_nspname_index"`). Two
 * processes that evolve one table differently both succeed; the table ends with the union.
 * Decisions: "Concurrent DDL and row replacement".
 */
const DDL_LOCK_CLASS = 0x53696e67; // "Sing": the first key of every advisory lock we take

/** Takes this transaction's DDL lock on `schema` (released at COMMIT or ROLLBACK). */
export async function lockSchemaDdl(tx: DbSession, schema: string): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [DDL_LOCK_CLASS, schema]);
}

/**
 * Widens one column for values that did not fit (inside a batch's transaction, before its
 * COPY): under the schema's DDL lock, to the join of the type the column has now (another
 * process may have widened it further meanwhile) and `wanted`. Returns the new type, or
 * `undefined` when the column already holds such values.
 */
export async function widenColumn(
  tx: DbSession,
  table: string,
  column: string,
  wanted: string,
): Promise<string | undefined> {
  const [found] = await tx.query<{ schema: string; type: string | null }>(
    `SELECT n.nspname AS schema,
            (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attname = $2 AND NOT a.attisdropped) AS type
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = to_regclass($1)`,
    [table, column],
  );
  if (found === undefined) return wanted; // cannot happen: the batch's table exists
  await lockSchemaDdl(tx, found.schema);
  const [now] = await tx.query<{ type: string | null }>(
    `SELECT format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
      WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND NOT a.attisdropped`,
    [table, column],
  );
  const type = now?.type ? joinTypes(now.type, wanted) : wanted;
  if (type === now?.type) return undefined;
  await tx.query(alterColumnTypeSql(table, column, type));
  return type;
}

/**
 * The DDL that turns `existing` into a table that holds `wanted`: CREATE when missing; else
 * ADD COLUMN for new properties, ALTER COLUMN TYPE … USING to the join of the old and new type
 * (never narrower, never dropped), and a new primary key when key_properties changed.
 */
export function planTable(existing: TableState | undefined, wanted: WantedTable): Plan {
  const table = qualified(wanted.schema, wanted.name);
  const comments = (columns: WantedTable["columns"]) =>
    columns.map(
      (c) =>
        `COMMENT ON COLUMN ${table}.${quoteIdent(c.name)} IS ${quoteLiteral(nameComment("property", c.original))}`,
    );
  if (existing === undefined) {
    const definitions = wanted.columns.map((c) => `${quoteIdent(c.name)} ${c.type}`);
    if (wanted.primaryKey.length > 0)
      definitions.push(`PRIMARY KEY (${wanted.primaryKey.map(quoteIdent).join(", ")})`);
    return {
      statements: [
        `CREATE TABLE IF NOT EXISTS ${table} (${definitions.join(", ")})`,
        `COMMENT ON TABLE ${table} IS ${quoteLiteral(nameComment("stream", wanted.stream))}`,
        ...comments(wanted.columns),
      ],
      rekey: false,
    };
  }
  const statements: string[] = [];
  const added: WantedTable["columns"][number][] = [];
  for (const column of wanted.columns) {
    const current = existing.columns.find((c) => c.name === column.name);
    if (current === undefined) {
      statements.push(`ALTER TABLE ${table} ADD COLUMN ${quoteIdent(column.name)} ${column.type}`);
      added.push(column);
      continue;
    }
    const type = joinTypes(current.type, column.type);
    if (type !== current.type) statements.push(alterColumnTypeSql(table, column.name, type));
    if (current.original === undefined) added.push(column);
  }
  statements.push(...comments(added));
  const rekey = !sameList(existing.primaryKey, wanted.primaryKey);
  if (rekey) {
    if (existing.primaryKeyConstraint !== undefined)
      statements.push(
        `ALTER TABLE ${table} DROP CONSTRAINT ${quoteIdent(existing.primaryKeyConstraint)}`,
      );
    for (const column of existing.primaryKey) {
      if (!wanted.primaryKey.includes(column))
        statements.push(`ALTER TABLE ${table} ALTER COLUMN ${quoteIdent(column)} DROP NOT NULL`);
    }
    if (wanted.primaryKey.length > 0)
      statements.push(
        `ALTER TABLE ${table} ADD PRIMARY KEY (${wanted.primaryKey.map(quoteIdent).join(", ")})`,
      );
  }
  return { statements, rekey };
}

/**
 * The one way a column's type changes, for a SCHEMA that widens it (planTable) and for values
 * that do not fit (batch-load.ts): in place, `USING` a lossless cast (type-mapping.ts).
 */
export function alterColumnTypeSql(table: string, column: string, type: string): string {
  const quoted = quoteIdent(column);
  return `ALTER TABLE ${table} ALTER COLUMN ${quoted} TYPE ${type} USING ${widenUsing(quoted, type)}`;
}

/** The type a column will have once `plan` ran: the join of what exists and what is wanted. */
export function resultingType(
  existing: TableState | undefined,
  name: string,
  wanted: string,
): string {
  const current = existing?.columns.find((c) => c.name === name);
  return current === undefined ? wanted : joinTypes(current.type, wanted);
}

/**
 * Runs the plan in one transaction (schema creation included). A re-key that the existing rows
 * do not allow (duplicates or NULLs in the new key) fails with a clear "key_properties changed".
 * A lost connection (or a deadlock) reruns it: planned again from the catalog under the lock, a
 * DDL that did commit is not planned twice.
 */
export async function applyPlan(
  db: Db,
  wanted: WantedTable,
  replan: (existing: TableState | undefined) => Plan,
  context: {
    readonly line: number;
    readonly oldKey: readonly string[];
    readonly newKey: readonly string[];
    readonly retry: RetryOptions;
  },
): Promise<Plan> {
  let plan: Plan = { statements: [], rekey: false };
  const call = {
    doing: "applying this SCHEMA's DDL",
    label: `${wanted.schema}.${wanted.name}`,
    stream: wanted.stream,
    line: context.line,
    known: "whether its last attempt committed is unknown (a rerun applies what is missing)",
  };
  try {
    await retryIdempotent(
      call,
      () =>
        db.transaction(async (tx) => {
          await lockSchemaDdl(tx, wanted.schema);
          plan = replan(await inspectTable(tx, wanted.schema, wanted.name));
          for (const sql of statementBatches(plan.statements)) await tx.query(sql);
        }),
      context.retry,
    );
    return plan;
  } catch (error) {
    if (
      plan.rekey &&
      error instanceof DbError &&
      (error.code === "23505" || error.code === "23502")
    ) {
      throw new LoadError(
        `key_properties changed from [${context.oldKey.join(", ")}] to [${context.newKey.join(", ")}], but the rows already in the table are not unique (or hold NULLs) on the new key: re-key the table by hand or load the stream into a new table`,
        { code: error.code, table: `${wanted.schema}.${wanted.name}` },
        { line: context.line, stream: wanted.stream, cause: error },
      );
    }
    throw ddlError(error, wanted, context.line);
  }
}

/** A DDL failure (lock timeout, permission, column limit) as a LoadError naming table, stream
 * and line, like a flush failure. */
export function ddlError(error: unknown, wanted: WantedTable, line: number): LoadError {
  const table = `${wanted.schema}.${wanted.name}`;
  if (error instanceof LoadError && error.table !== undefined && error.context.line !== undefined)
    return error;
  const code = error instanceof LoadError ? error.code : undefined;
  const column = error instanceof LoadError ? error.column : undefined;
  return new LoadError(
    `${error instanceof Error ? error.message : String(error)}; none of this SCHEMA's DDL was applied`,
    { ...(code === undefined ? {} : { code }), table, ...(column === undefined ? {} : { column }) },
    { line, stream: wanted.stream, cause: error },
  );
}

/** Creates the schema unless it exists (checked first: CREATE needs a privilege that loading
 * into an existing schema does not; checked again under the DDL lock). */
export async function ensureSchema(db: Db, schema: string): Promise<void> {
  const exists = async (session: DbSession) =>
    (await session.query("select 1 from pg_namespace where nspname = $1", [schema])).length > 0;
  if (await exists(db)) return;
  await db.transaction(async (tx) => {
    await lockSchemaDdl(tx, schema);
    if (!(await exists(tx))) await tx.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
  });
}

/** The target's own tables (load history, dead letters): unless the table exists (checked first,
 * so runs into an existing schema take no DDL lock), `CREATE TABLE IF NOT EXISTS` under the
 * schema's DDL lock, so processes starting together do not race on it. */
export async function ensureOwnTable(
  db: Db,
  schema: string,
  name: string,
  createSql: string,
): Promise<void> {
  if ((await inspectTable(db, schema, name)) !== undefined) return;
  await ensureSchema(db, schema);
  await db.transaction(async (tx) => {
    await lockSchemaDdl(tx, schema);
    await tx.query(createSql);
  });
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}
