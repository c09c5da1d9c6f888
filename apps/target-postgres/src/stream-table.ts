import type { Logger, SchemaMessage } from "@singerkit/singer";
import { inspectTable, type TableState } from "./catalog.js";
import type { Db } from "./db.js";
import { applyPlan } from "./ddl.js";
import { qualified } from "./identifiers.js";
import { type Column, type Layout, schemaLayout, schemaSignature } from "./layout.js";
import { type RetryOptions, retryIdempotent } from "./retry.js";

/**
 * A stream's table as the catalog describes it, and the SCHEMA → DDL path: a SCHEMA is laid out
 * against the table (layout.ts), the plan runs in one transaction (ddl.ts), and the table is
 * inspected again. Knows nothing about records or batches.
 */
export class StreamTable {
  readonly stream: string;
  readonly #db: Db;
  readonly #log: Logger;
  readonly #retry: RetryOptions;
  readonly #schema: string;
  readonly #name: string;
  #state: TableState | undefined;
  #signature = "";

  private constructor(
    run: { readonly db: Db; readonly log: Logger; readonly retry: RetryOptions },
    schema: string,
    name: string,
    stream: string,
  ) {
    this.#db = run.db;
    this.#log = run.log;
    this.#retry = run.retry;
    this.#schema = schema;
    this.#name = name;
    this.stream = stream;
  }

  /** The table as it is (or is not yet) in the database. */
  static async inspect(
    run: { readonly db: Db; readonly log: Logger; readonly retry: RetryOptions },
    schema: string,
    name: string,
    stream: string,
    line: number,
  ) {
    const table = new StreamTable(run, schema, name, stream);
    table.#state = await table.#read(line);
    return table;
  }

  /** Reads the table from the catalog (again after a lost connection). */
  #read(line: number): Promise<TableState | undefined> {
    const call = { doing: "reading the table from the catalog", label: this.label, line };
    return retryIdempotent(
      { ...call, stream: this.stream },
      () => inspectTable(this.#db, this.#schema, this.#name),
      this.#retry,
    );
  }

  /** The table in SQL: quoted and qualified. */
  get sqlName(): string {
    return qualified(this.#schema, this.#name);
  }

  /** `schema.table` unquoted, for messages. */
  get label(): string {
    return `${this.#schema}.${this.#name}`;
  }

  /** The same SCHEMA as the last one applied (same schema and keys, key order ignored). */
  isSameSchema(message: SchemaMessage): boolean {
    return schemaSignature(message) === this.#signature;
  }

  /** What `message` asks of this table: its columns and the DDL that would make them. */
  layout(message: SchemaMessage, line: number): Layout {
    return schemaLayout(message, line, {
      schema: this.#schema,
      table: this.#name,
      existing: this.#state,
    });
  }

  /** Runs the SCHEMA's DDL, if any; returns the columns records are loaded into. */
  async apply(message: SchemaMessage, line: number): Promise<readonly Column[]> {
    const layout = this.layout(message, line);
    if (layout.plan.statements.length > 0) {
      const before = this.#state;
      // Planned again under the schema's DDL lock, from the table as it is then (ddl.ts).
      const plan = await applyPlan(
        this.#db,
        layout.wanted,
        (existing) => {
          this.#state = existing;
          return this.layout(message, line).plan;
        },
        {
          line,
          oldKey: before?.primaryKey ?? [],
          newKey: layout.wanted.primaryKey,
          retry: this.#retry,
        },
      );
      if (plan.rekey && this.#state !== undefined)
        this.#log.warn(
          `line ${line}, stream ${this.stream}: key_properties changed; table ${this.sqlName} re-keyed on (${layout.wanted.primaryKey.join(", ") || "no key: append only"})`,
        );
      this.#state = await this.#read(line);
    }
    this.#signature = schemaSignature(message);
    return this.layout(message, line).columns;
  }
}
