import type { JsonObject, Logger, SchemaMessage } from "@singerkit/singer";
import type { BatchTarget, SealedBatch } from "./batch-load.js";
import type { NulHandling } from "./copy.js";
import type { Db } from "./db.js";
import { DirectCopy } from "./direct-copy.js";
import type { LoadObject } from "./exact-json.js";
import type { OffSchemaLog } from "./off-schema.js";
import { RecordEncoder, type ValidationPolicy } from "./record-encoder.js";
import type { RetryOptions } from "./retry.js";
import { RowBuffer } from "./row-buffer.js";
import { StreamTable } from "./stream-table.js";

export interface LoaderContext {
  readonly db: Db;
  readonly log: Logger;
  readonly schema: string;
  readonly validate: ValidationPolicy;
  readonly nul: NulHandling;
  readonly offSchema: OffSchemaLog;
  /** Catalog reads and DDL rerun after a lost connection (retry.ts). */
  readonly retry: RetryOptions;
}

/**
 * One per stream: its table (stream-table.ts), the encoder of its records (record-encoder.ts)
 * and its open batch (row-buffer.ts) until `seal`. When to seal is batch-policy.ts; the batch's
 * transaction is batch-load.ts; STATE is the StateTracker's.
 */
export class Loader implements BatchTarget {
  readonly stream: string;
  readonly direct = new DirectCopy();
  readonly #table: StreamTable;
  readonly #encoder: RecordEncoder;
  #keys: readonly string[] = [];
  #buffer = new RowBuffer(false);
  /** Where batches load instead of the table (load_method overwrite's shadow). */
  #shadow: string | undefined;

  private constructor(table: StreamTable, encoder: RecordEncoder) {
    this.stream = table.stream;
    this.#table = table;
    this.#encoder = encoder;
  }

  /** Creates or evolves the stream's table for its first SCHEMA. */
  static async open(ctx: LoaderContext, message: SchemaMessage, line: number, name: string) {
    const table = await StreamTable.inspect(ctx, ctx.schema, name, message.stream, line);
    const encoder = new RecordEncoder(message.stream, ctx);
    const loader = new Loader(table, encoder);
    await loader.applySchema(message, line);
    return loader;
  }

  /** The table in SQL: quoted and qualified. */
  get sqlName(): string {
    return this.#table.sqlName;
  }

  /** `schema.table` unquoted, for messages. */
  get label(): string {
    return this.#table.label;
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

  isSameSchema(message: SchemaMessage): boolean {
    return this.#table.isSameSchema(message);
  }

  /**
   * True when rows buffered under the current SCHEMA cannot simply continue under `message`:
   * the table needs DDL, or the columns, their types or the key change.
   */
  needsFlushFor(message: SchemaMessage, line: number): boolean {
    const layout = this.#table.layout(message, line);
    return (
      layout.plan.statements.length > 0 ||
      JSON.stringify(layout.columns) !== JSON.stringify(this.#encoder.columns) ||
      JSON.stringify(message.key_properties) !== JSON.stringify(this.#keys)
    );
  }

  /** Applies a SCHEMA: DDL (if any), then the encoder's columns and validator. The buffer must
   * be empty unless `needsFlushFor` said no. */
  async applySchema(message: SchemaMessage, line: number): Promise<void> {
    const columns = await this.#table.apply(message, line);
    if (this.#buffer.count === 0) this.#buffer = new RowBuffer(message.key_properties.length > 0);
    this.#keys = message.key_properties;
    this.#encoder.configure(message, columns, line);
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
