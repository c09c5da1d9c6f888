import {
  compileValidator,
  InputError,
  type JsonObject,
  type JsonValue,
  LoadError,
  type Logger,
  type RecordValidator,
  type SchemaMessage,
} from "@singerkit/singer";
import { deleteMarkedRows } from "./activate-version.js";
import {
  type Encoder,
  encoderFor,
  NULL_TEXT,
  NulFoundError,
  type NulHandling,
  parseJsonContainer,
} from "./copy.js";
import { type Db, DbError, type DbSession, isConnectionError } from "./db.js";
import { applyPlan, inspectTable, type TableState } from "./ddl.js";
import type { LoadObject } from "./exact-json.js";
import { qualified, quoteIdent } from "./identifiers.js";
import {
  type Column,
  type Layout,
  schemaLayout,
  schemaSignature,
  validationSchema,
} from "./layout.js";
import { countedMergeSql, type LoadCounts, type MergeCounts, mergeCounts } from "./load-history.js";
import {
  createStagingSql,
  dropStagingSql,
  type MergeColumns,
  mergeSql,
  stagingTable,
} from "./merge.js";
import { DELETED_AT } from "./record-metadata.js";
import { type Batch, RowBuffer } from "./row-buffer.js";
import { joinTypes, PG, widenUsing } from "./type-mapping.js";

export interface LoaderContext {
  readonly db: Db;
  readonly log: Logger;
  readonly schema: string;
  readonly validate: boolean;
  readonly nul: NulHandling;
  /** `hard_delete`: rows merged with `_sdc_deleted_at` set are deleted (activate-version.ts). */
  readonly hardDelete?: boolean;
}

/** A batch taken out of the buffer, with what its transaction needs. */
export interface SealedBatch {
  readonly batch: Batch;
  readonly merge: MergeColumns;
  /** Integer columns that got values they cannot hold: widened to numeric before the COPY. */
  readonly widen: readonly { readonly name: string; readonly type: string }[];
}

/** A value too deeply nested to encode; not a dead-letter case (_sdc_rejected could not hold it
 * either). */
export class NestedTooDeeplyError extends InputError {}

/**
 * One per stream: owns the table's DDL, validation, encoding into the row buffer, and the
 * COPY + merge transaction of each batch. Knows nothing about STATE or batch limits.
 */
export class Loader {
  readonly stream: string;
  readonly #ctx: LoaderContext;
  readonly #tableName: string;
  #table: TableState | undefined;
  #signature = "";
  #keys: readonly string[] = [];
  #columns: Column[] = [];
  #encoders: Encoder[] = [];
  #properties: string[] = [];
  #coercible: string[] = [];
  #known = new Set<string>();
  #validator: RecordValidator | undefined;
  #warnedUnknown = false;
  #buffer = new RowBuffer(false);
  readonly #overflow = new Set<number>();
  /** Where batches load instead of the table (load_method overwrite's shadow). */
  #into: string | undefined;

  private constructor(stream: string, tableName: string, ctx: LoaderContext) {
    this.stream = stream;
    this.#tableName = tableName;
    this.#ctx = ctx;
  }

  /** Creates or evolves the stream's table for its first SCHEMA. */
  static async open(ctx: LoaderContext, message: SchemaMessage, line: number, tableName: string) {
    const loader = new Loader(message.stream, tableName, ctx);
    loader.#table = await inspectTable(ctx.db, ctx.schema, tableName);
    await loader.applySchema(message, line);
    return loader;
  }

  get table(): string {
    return qualified(this.#ctx.schema, this.#tableName);
  }

  /** `schema.table` unquoted, for messages. */
  get tableName(): string {
    return `${this.#ctx.schema}.${this.#tableName}`;
  }

  /** The table batches load into: the stream's table, or its overwrite shadow. */
  get loadTable(): string {
    return this.#into ?? this.table;
  }

  redirect(table: string | undefined): void {
    this.#into = table;
  }

  get pendingRows(): number {
    return this.#buffer.count;
  }

  get pendingBytes(): number {
    return this.#buffer.bytes;
  }

  /** The same SCHEMA again (same schema and keys, key order in objects ignored). */
  isSameSchema(message: SchemaMessage): boolean {
    return schemaSignature(message) === this.#signature;
  }

  /**
   * True when rows buffered under the current SCHEMA cannot simply continue under `message`:
   * the table needs DDL, or the columns, their types or the key change.
   */
  needsFlushFor(message: SchemaMessage, line: number): boolean {
    const layout = this.#layout(message, line);
    return (
      layout.plan.statements.length > 0 ||
      JSON.stringify(layout.columns) !== JSON.stringify(this.#columns) ||
      JSON.stringify(message.key_properties) !== JSON.stringify(this.#keys)
    );
  }

  /** Applies a SCHEMA: DDL (if any), then columns, encoders and validator. Buffer must be empty
   * unless `needsFlushFor` said no. */
  async applySchema(message: SchemaMessage, line: number): Promise<void> {
    const layout = this.#layout(message, line);
    if (layout.plan.statements.length > 0) {
      await applyPlan(this.#ctx.db, layout.wanted, layout.plan, {
        line,
        oldKey: this.#table?.primaryKey ?? [],
        newKey: layout.wanted.primaryKey,
      });
      if (layout.plan.rekey && this.#table !== undefined)
        this.#ctx.log.warn(
          `line ${line}, stream ${this.stream}: key_properties changed; table ${this.table} re-keyed on (${layout.wanted.primaryKey.join(", ") || "no key: append only"})`,
        );
      this.#table = await inspectTable(this.#ctx.db, this.#ctx.schema, this.#tableName);
    }
    if (this.#buffer.count === 0) this.#buffer = new RowBuffer(message.key_properties.length > 0);
    this.#signature = schemaSignature(message);
    this.#keys = message.key_properties;
    this.#setColumns(this.#layout(message, line).columns);
    this.#validator = this.#ctx.validate ? this.#compile(message, line) : undefined;
  }

  #compile(message: SchemaMessage, line: number): RecordValidator {
    try {
      return compileValidator(validationSchema(message.schema), {
        stream: this.stream,
        formats: "lenient",
      });
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      throw new InputError(error.message, { line, stream: this.stream, cause: error });
    }
  }

  #layout(message: SchemaMessage, line: number): Layout {
    return schemaLayout(message, line, {
      schema: this.#ctx.schema,
      table: this.#tableName,
      existing: this.#table,
    });
  }

  #setColumns(columns: readonly Column[]): void {
    this.#columns = [...columns];
    this.#properties = columns.map((c) => c.property);
    this.#coercible = columns.filter((c) => c.parseJsonStrings).map((c) => c.property);
    this.#known = new Set(this.#properties);
    this.#encoders = columns.map((column, index) => this.#encoder(column, index));
  }

  #encoder(column: Column, index: number): Encoder {
    return encoderFor(column.type, {
      nul: this.#ctx.nul,
      parseJsonStrings: column.parseJsonStrings,
      onOverflow: () => this.#overflow.add(index),
    });
  }

  /**
   * Checks, validates and encodes one record into the buffer; returns its encoded size.
   * `exact` is the same record with long numbers kept exact (see exact-json.ts), when the line
   * had any; `clean`: its line has no backslash (see copy.ts Encoder). Throws InputError naming
   * line, stream and field.
   */
  add(record: JsonObject, exact: LoadObject | undefined, clean: boolean, line: number): number {
    for (const key of this.#keys) {
      const value = record[key];
      if (value === undefined || value === null)
        throw new InputError(`record is missing key property ${key}`, {
          line,
          stream: this.stream,
          field: `/${key}`,
        });
    }
    for (const property of this.#coercible) {
      const value = record[property];
      if (typeof value === "string") {
        const parsed = parseJsonContainer(value);
        if (parsed !== undefined) record[property] = parsed as JsonValue; // from JSON.parse
      }
    }
    this.#validator?.(record, line);
    if (!this.#warnedUnknown) this.#checkUnknown(record, line);
    const source: LoadObject = exact ?? record;
    const isExact = exact !== undefined;
    const properties = this.#properties;
    const encoders = this.#encoders;
    const keyCount = this.#keys.length;
    let row = "";
    let key: string | undefined;
    let index = 0;
    try {
      for (; index < properties.length; index += 1) {
        const value = source[properties[index] ?? ""];
        const encode = encoders[index];
        const text =
          value === undefined || value === null || encode === undefined
            ? NULL_TEXT
            : encode(value, isExact, clean);
        row = index === 0 ? text : `${row}\t${text}`;
        if (index + 1 === keyCount) key = row;
      }
    } catch (error) {
      if (error instanceof NulFoundError) throw this.#nulError(record, index, line, error);
      // JSON.stringify recurses: a value nested thousands of levels deep overflows the stack.
      if (error instanceof RangeError) {
        const column = this.#columns[index];
        throw new NestedTooDeeplyError(
          `value nested too deeply to store in column ${column?.name ?? "?"} (JSON.stringify: ${error.message})`,
          { line, stream: this.stream, field: `/${column?.property ?? ""}`, cause: error },
        );
      }
      throw error;
    }
    return this.#buffer.add(`${row}\n`, key, line);
  }

  #checkUnknown(record: JsonObject, line: number): void {
    for (const property in record) {
      if (this.#known.has(property)) continue;
      this.#warnedUnknown = true;
      this.#ctx.log.warn(
        `line ${line}, stream ${this.stream}: property ${JSON.stringify(property)} is not in the stream's SCHEMA and is not loaded (warned once per stream)`,
      );
      return;
    }
  }

  #nulError(record: JsonObject, index: number, line: number, cause: Error): InputError {
    const column = this.#columns[index];
    const key = this.#keys.map((k) => `${k}=${JSON.stringify(record[k])}`).join(", ");
    return new InputError(
      `U+0000 (NUL) in column ${column?.name ?? "?"} of the record${key === "" ? "" : ` with key ${key}`}: PostgreSQL cannot store it (nul_handling is "fail"; "replace" loads it as U+FFFD)`,
      { line, stream: this.stream, field: `/${column?.property ?? ""}`, cause },
    );
  }

  /** Takes the buffered rows for a commit, or `undefined` when there are none. */
  seal(): SealedBatch | undefined {
    if (this.#buffer.count === 0) return undefined;
    const batch = this.#buffer.take();
    const widen: { name: string; type: string }[] = [];
    for (const index of this.#overflow) {
      const column = this.#columns[index];
      if (column === undefined) continue;
      const type = joinTypes(column.type, PG.numeric);
      this.#columns[index] = { ...column, type };
      this.#encoders[index] = this.#encoder({ ...column, type }, index);
      widen.push({ name: column.name, type });
    }
    this.#overflow.clear();
    const merge = {
      columns: this.#columns.map((c) => ({ name: c.name, type: c.type })),
      primaryKey: this.#keys.map((k) => this.#columns.find((c) => c.property === k)?.name ?? k),
    };
    return { batch, merge, widen };
  }

  /**
   * Loads a sealed batch inside the flush's transaction: widen columns if needed, then COPY
   * straight into the table (keyless) or into a staging table followed by one merge (keyed).
   */
  async load(tx: DbSession, { batch, merge, widen }: SealedBatch): Promise<LoadCounts> {
    const table = this.loadTable;
    const names = merge.columns.map((c) => quoteIdent(c.name));
    try {
      for (const column of widen) {
        const quoted = quoteIdent(column.name);
        await tx.query(
          `ALTER TABLE ${table} ALTER COLUMN ${quoted} TYPE ${column.type} USING ${widenUsing(quoted, column.type)}`,
        );
        this.#ctx.log.info(
          `stream ${this.stream}: widened column ${column.name} to ${column.type} for values that did not fit`,
        );
      }
      const marked = this.#ctx.hardDelete === true && names.includes(quoteIdent(DELETED_AT));
      if (merge.primaryKey.length === 0) {
        const inserted = copied(await tx.copyRows(table, names, batch.chunks()), batch.rows);
        const deleted = marked ? await deleteMarkedRows(tx, table, []) : 0;
        return { inserted, updated: 0, deleted };
      }
      await tx.query(createStagingSql(merge));
      copied(await tx.copyRows(stagingTable(), names, batch.chunks()), batch.rows);
      const counts = await this.#merge(tx, table, merge);
      const deleted = marked ? await deleteMarkedRows(tx, table, merge.primaryKey) : 0;
      await tx.query(dropStagingSql());
      return { ...counts, deleted };
    } catch (error) {
      throw this.#loadError(error, batch);
    }
  }

  /**
   * The merge; if two staged rows still share a key (equal values written differently, which the
   * row buffer's text comparison cannot see), Postgres refuses with 21000 "cannot affect row a
   * second time": then the merge runs again keeping the last row per key.
   */
  async #merge(tx: DbSession, table: string, merge: MergeColumns): Promise<MergeCounts> {
    await tx.query("SAVEPOINT target_postgres_merge");
    try {
      return mergeCounts(await tx.query(countedMergeSql(mergeSql(table, merge))));
    } catch (error) {
      if (!(error instanceof DbError) || error.code !== "21000") throw error;
      await tx.query("ROLLBACK TO SAVEPOINT target_postgres_merge");
      return mergeCounts(await tx.query(countedMergeSql(mergeSql(table, merge, true))));
    }
  }

  #loadError(error: unknown, batch: Batch): LoadError {
    if (!(error instanceof DbError))
      return new LoadError(String(error), {}, { stream: this.stream, cause: error });
    // A lost connection is not about the row COPY happened to be at: no line, no row text.
    const lost = isConnectionError(error);
    const line = error.copyRow === undefined || lost ? undefined : batch.inputLine(error.copyRow);
    const message = lost && error.cause instanceof Error ? error.cause.message : error.message;
    return new LoadError(
      `${message}; nothing of this batch was committed`,
      {
        ...(error.code === undefined ? {} : { code: error.code }),
        table: `${this.#ctx.schema}.${this.#tableName}`,
        ...(error.column === undefined ? {} : { column: error.column }),
      },
      { stream: this.stream, ...(line === undefined ? {} : { line }), cause: error },
    );
  }
}

/** The rows COPY reports must be the batch's rows: anything else would be silent loss. */
function copied(count: number, expected: number): number {
  if (count !== expected) throw new Error(`COPY loaded ${count} rows of a batch of ${expected}`);
  return count;
}
