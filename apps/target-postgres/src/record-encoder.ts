import {
  compileValidator,
  InputError,
  type JsonObject,
  type JsonValue,
  type Logger,
  type RecordValidator,
  type SchemaMessage,
} from "@singerkit/singer";
import type { MergeColumns } from "./batch-load.js";
import {
  type Encoder,
  encoderFor,
  NULL_TEXT,
  NulFoundError,
  type NulHandling,
  parseJsonContainer,
} from "./copy.js";
import type { LoadObject } from "./exact-json.js";
import { type Column, validationSchema } from "./layout.js";
import { NestedTooDeeplyError } from "./nesting.js";
import { joinTypes, PG } from "./type-mapping.js";

/** A value too deeply nested to encode; not a dead-letter case (_sdc_rejected could not hold it
 * either). */
export { NestedTooDeeplyError };

/** One encoded row: COPY text ending in "\n", and its key prefix for deduplication. */
export interface EncodedRow {
  readonly row: string;
  readonly key: string | undefined;
}

/**
 * A stream's record → COPY text: key check, JSON-string coercion for jsonb columns, validation
 * (the SCHEMA's validator), a warning for unknown properties, then one encoder per column
 * (copy.ts). Remembers integer columns that got values they cannot hold, so the batch widens
 * them before its COPY.
 */
export class RecordEncoder {
  readonly #stream: string;
  readonly #log: Logger;
  readonly #nul: NulHandling;
  readonly #validate: boolean;
  #keys: readonly string[] = [];
  #columns: Column[] = [];
  #encoders: Encoder[] = [];
  #properties: string[] = [];
  #coercible: string[] = [];
  #known = new Set<string>();
  #validator: RecordValidator | undefined;
  #warnedUnknown = false;
  readonly #overflow = new Set<number>();

  constructor(
    stream: string,
    options: { readonly nul: NulHandling; readonly validate: boolean; readonly log: Logger },
  ) {
    this.#stream = stream;
    this.#nul = options.nul;
    this.#validate = options.validate;
    this.#log = options.log;
  }

  /** A SCHEMA: its columns as laid out (key columns first), its key and its validator. */
  configure(message: SchemaMessage, columns: readonly Column[], line: number): void {
    this.#keys = message.key_properties;
    this.#columns = [...columns];
    this.#properties = columns.map((c) => c.property);
    this.#coercible = columns.filter((c) => c.parseJsonStrings).map((c) => c.property);
    this.#known = new Set(this.#properties);
    this.#encoders = columns.map((column, index) => this.#encoder(column, index));
    this.#validator = this.#validate ? this.#compile(message, line) : undefined;
  }

  #compile(message: SchemaMessage, line: number): RecordValidator {
    try {
      return compileValidator(validationSchema(message.schema), {
        stream: this.#stream,
        formats: "lenient",
      });
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      throw new InputError(error.message, { line, stream: this.#stream, cause: error });
    }
  }

  get columns(): readonly Column[] {
    return this.#columns;
  }

  /** The columns and key of the rows encoded so far, for their batch's merge. */
  mergeColumns(): MergeColumns {
    return {
      columns: this.#columns.map((c) => ({ name: c.name, type: c.type })),
      primaryKey: this.#keys.map((k) => this.#columns.find((c) => c.property === k)?.name ?? k),
    };
  }

  /** Columns whose values overflowed since the last call, now typed (and encoded) as numeric. */
  takeWidened(): { name: string; type: string }[] {
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
    return widen;
  }

  #encoder(column: Column, index: number): Encoder {
    return encoderFor(column.type, {
      nul: this.#nul,
      parseJsonStrings: column.parseJsonStrings,
      onOverflow: () => this.#overflow.add(index),
    });
  }

  /**
   * Checks, validates and encodes one record. `exact` is the same record with long numbers kept
   * exact (see exact-json.ts), when the line had any; `clean`: its line has no backslash (see
   * copy.ts Encoder). Throws InputError naming line, stream and field.
   */
  encode(record: JsonObject, exact: LoadObject | undefined, clean: boolean, line: number) {
    for (const key of this.#keys) {
      const value = record[key];
      if (value === undefined || value === null)
        throw new InputError(`record is missing key property ${key}`, {
          line,
          stream: this.#stream,
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
    return this.#text(record, exact, clean, line);
  }

  #text(
    record: JsonObject,
    exact: LoadObject | undefined,
    clean: boolean,
    line: number,
  ): EncodedRow {
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
          { line, stream: this.#stream, field: `/${column?.property ?? ""}`, cause: error },
        );
      }
      throw error;
    }
    return { row: `${row}\n`, key };
  }

  #checkUnknown(record: JsonObject, line: number): void {
    for (const property in record) {
      if (this.#known.has(property)) continue;
      this.#warnedUnknown = true;
      this.#log.warn(
        `line ${line}, stream ${this.#stream}: property ${JSON.stringify(property)} is not in the stream's SCHEMA and is not loaded (warned once per stream)`,
      );
      return;
    }
  }

  #nulError(record: JsonObject, index: number, line: number, cause: Error): InputError {
    const column = this.#columns[index];
    const key = this.#keys.map((k) => `${k}=${JSON.stringify(record[k])}`).join(", ");
    return new InputError(
      `U+0000 (NUL) in column ${column?.name ?? "?"} of the record${key === "" ? "" : ` with key ${key}`}: PostgreSQL cannot store it (nul_handling is "fail"; "replace" loads it as U+FFFD)`,
      { line, stream: this.#stream, field: `/${column?.property ?? ""}`, cause },
    );
  }
}
