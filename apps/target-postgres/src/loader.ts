import {
  compileValidator,
  InputError,
  type JsonObject,
  type Logger,
  type RecordValidator,
  type SchemaMessage,
} from "@singerkit/singer";
import type { BatchTarget, SealedBatch } from "./batch-load.js";
import type { NulHandling } from "./copy.js";
import type { Db } from "./db.js";
import { applyPlan, inspectTable, type TableState } from "./ddl.js";
import type { LoadObject } from "./exact-json.js";
import { qualified } from "./identifiers.js";
import { type Layout, schemaLayout, schemaSignature, validationSchema } from "./layout.js";
import { RecordEncoder } from "./record-encoder.js";
import { RowBuffer } from "./row-buffer.js";

export interface LoaderContext {
  readonly db: Db;
  readonly log: Logger;
  readonly schema: string;
  readonly validate: boolean;
  readonly nul: NulHandling;
}

/**
 * One per stream: its table (the SCHEMA → DDL path: inspect, plan, apply) and its open batch
 * (records encoded by a RecordEncoder into a RowBuffer until `seal`). The batch's transaction
 * is batch-load.ts; when to seal is batch-policy.ts; STATE is the StateTracker's.
 */
export class Loader implements BatchTarget {
  readonly stream: string;
  readonly #ctx: LoaderContext;
  readonly #name: string;
  #table: TableState | undefined;
  #signature = "";
  #keys: readonly string[] = [];
  readonly #encoder: RecordEncoder;
  #buffer = new RowBuffer(false);
  /** Where batches load instead of the table (load_method overwrite's shadow). */
  #shadow: string | undefined;

  private constructor(stream: string, name: string, ctx: LoaderContext) {
    this.stream = stream;
    this.#name = name;
    this.#ctx = ctx;
    this.#encoder = new RecordEncoder(stream, ctx.nul, ctx.log);
  }

  /** Creates or evolves the stream's table for its first SCHEMA. */
  static async open(ctx: LoaderContext, message: SchemaMessage, line: number, name: string) {
    const loader = new Loader(message.stream, name, ctx);
    loader.#table = await inspectTable(ctx.db, ctx.schema, name);
    await loader.applySchema(message, line);
    return loader;
  }

  /** The table in SQL: quoted and qualified. */
  get sqlName(): string {
    return qualified(this.#ctx.schema, this.#name);
  }

  /** `schema.table` unquoted, for messages. */
  get label(): string {
    return `${this.#ctx.schema}.${this.#name}`;
  }

  /** Where batches load (in SQL): the table, or its overwrite shadow. */
  get into(): string {
    return this.#shadow ?? this.sqlName;
  }

  /** load_method overwrite: batches load into `shadow` (undefined: the table again). */
  redirect(shadow: string | undefined): void {
    this.#shadow = shadow;
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
      JSON.stringify(layout.columns) !== JSON.stringify(this.#encoder.columns) ||
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
          `line ${line}, stream ${this.stream}: key_properties changed; table ${this.sqlName} re-keyed on (${layout.wanted.primaryKey.join(", ") || "no key: append only"})`,
        );
      this.#table = await inspectTable(this.#ctx.db, this.#ctx.schema, this.#name);
    }
    if (this.#buffer.count === 0) this.#buffer = new RowBuffer(message.key_properties.length > 0);
    this.#signature = schemaSignature(message);
    this.#keys = message.key_properties;
    const validator = this.#ctx.validate ? this.#compile(message, line) : undefined;
    this.#encoder.configure(this.#layout(message, line).columns, this.#keys, validator);
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
      table: this.#name,
      existing: this.#table,
    });
  }

  /** Encodes one record into the open batch (see RecordEncoder); returns its size in bytes. */
  add(record: JsonObject, exact: LoadObject | undefined, clean: boolean, line: number): number {
    const { row, key } = this.#encoder.encode(record, exact, clean, line);
    return this.#buffer.add(row, key, line);
  }

  /** Takes the open batch for a commit, or `undefined` when there are no rows. */
  seal(): SealedBatch | undefined {
    if (this.#buffer.count === 0) return undefined;
    const batch = this.#buffer.take();
    const widen = this.#encoder.takeWidened();
    return { batch, merge: this.#encoder.mergeColumns(), widen };
  }
}
