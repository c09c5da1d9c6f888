import {
  compileSchemaCheck,
  compileValidator,
  InputError,
  type JsonObject,
  type JsonValue,
  type Logger,
  type RecordValidator,
  type SchemaCheck,
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
import type { OffSchemaLog } from "./off-schema.js";
import type { RowText } from "./row-buffer.js";
import { joinTypes } from "./type-mapping.js";

/**
 * `lenient` (validate_records true, the default): off-schema values load and are counted;
 * `strict` (validate_records "strict", or invalid_records dead_letter): an invalid record fails
 * (or is dead-lettered); `off` (validate_records false): no check. In every policy a value its
 * column cannot hold widens the column (docs/decisions-target.md).
 */
export type ValidationPolicy = "lenient" | "strict" | "off";

export interface EncoderOptions {
  readonly nul: NulHandling;
  readonly validate: ValidationPolicy;
  readonly log: Logger;
  readonly offSchema: OffSchemaLog;
}

/** A value too deeply nested to encode; not a dead-letter case (_sdc_rejected could not hold it
 * either). */
export { NestedTooDeeplyError };

/**
 * One encoded row: COPY text ending in "\n" (in parts when a field is huge, see RowText), and
 * its key prefix for deduplication.
 */
export interface EncodedRow {
  readonly row: RowText;
  readonly key: string | undefined;
}

/** A field this long is not joined into its row's string: writing a joined row copies it whole
 * once more (V8 flattens the concatenation), 60 MB for a 60 MB jsonb value. */
const HUGE_FIELD = 1024 * 1024;

/**
 * A stream's record → COPY text: key check, JSON-string coercion for jsonb columns, validation
 * (the SCHEMA's check, by policy), a warning for unknown properties, then one encoder per column
 * (copy.ts). Remembers columns that got values they cannot hold, so the batch widens them before
 * its COPY.
 */
export class RecordEncoder {
  readonly #stream: string;
  readonly #log: Logger;
  readonly #nul: NulHandling;
  readonly #policy: ValidationPolicy;
  readonly #offSchema: OffSchemaLog;
  #keys: readonly string[] = [];
  #columns: Column[] = [];
  #encoders: Encoder[] = [];
  #properties: string[] = [];
  #coercible: string[] = [];
  #known = new Set<string>();
  #validator: RecordValidator | undefined;
  #check: SchemaCheck | undefined;
  #warnedUnknown = false;
  readonly #warnedIgnored = new Set<string>();
  /** Column index → the type it must widen to before the batch's COPY. */
  readonly #widen = new Map<number, string>();
  #line = 0;

  constructor(stream: string, options: EncoderOptions) {
    this.#stream = stream;
    this.#nul = options.nul;
    this.#policy = options.validate;
    this.#log = options.log;
    this.#offSchema = options.offSchema;
  }

  /** A SCHEMA: its columns as laid out (key columns first), its key and its validator. */
  configure(message: SchemaMessage, columns: readonly Column[], line: number): void {
    this.#keys = message.key_properties;
    this.#columns = [...columns];
    this.#properties = columns.map((c) => c.property);
    this.#coercible = columns.filter((c) => c.parseJsonStrings).map((c) => c.property);
    this.#known = new Set(this.#properties);
    this.#encoders = columns.map((column, index) => this.#encoder(column, index));
    this.#validator = undefined;
    this.#check = undefined;
    if (this.#policy === "strict") this.#validator = this.#compileStrict(message, line);
    if (this.#policy === "lenient") this.#check = this.#compileLenient(message, line);
  }

  #compileStrict(message: SchemaMessage, line: number): RecordValidator {
    try {
      return compileValidator(validationSchema(message.schema), {
        stream: this.#stream,
        formats: "lenient",
        onIgnored: (ignored) => this.#ignored(ignored, line),
      });
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      throw new InputError(error.message, { line, stream: this.#stream, cause: error });
    }
  }

  /**
   * The default policy checks each column's value against its own keywords only (maxDepth 1):
   * what is inside a jsonb value is stored as sent either way, and checking it is what made a
   * huge schema cost seconds to compile. A schema the validator cannot compile is warned about
   * and the stream loads unchecked.
   */
  #compileLenient(message: SchemaMessage, line: number): SchemaCheck | undefined {
    try {
      return compileSchemaCheck(validationSchema(message.schema, true), {
        stream: this.#stream,
        formats: "lenient",
        maxDepth: 1,
        onIgnored: (ignored) => this.#ignored(ignored, line),
      });
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      this.#log.warn(
        `line ${line}, stream ${this.#stream}: ${error.message}; its records are loaded without validation (validate_records "strict" fails instead)`,
      );
      return undefined;
    }
  }

  /** Keywords and formats the validator does not know: one warning per stream and set. */
  #ignored(ignored: readonly string[], line: number): void {
    const fresh = ignored.filter((name) => !this.#warnedIgnored.has(name));
    if (fresh.length === 0) return;
    for (const name of fresh) this.#warnedIgnored.add(name);
    const shown = fresh.slice(0, 10).join(", ") + (fresh.length > 10 ? ", …" : "");
    this.#log.warn(
      `line ${line}, stream ${this.#stream}: the schema uses ${fresh.length} keyword(s)/format(s) the validator does not know, ignored: ${shown}`,
    );
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

  /** Columns that got values they cannot hold since the last call, now typed (and encoded) as
   * what they widen to. */
  takeWidened(): { name: string; type: string }[] {
    const widen: { name: string; type: string }[] = [];
    for (const [index, wanted] of this.#widen) {
      const column = this.#columns[index];
      if (column === undefined) continue;
      const type = joinTypes(column.type, wanted);
      this.#columns[index] = { ...column, type };
      this.#encoders[index] = this.#encoder({ ...column, type }, index);
      widen.push({ name: column.name, type });
    }
    this.#widen.clear();
    return widen;
  }

  #encoder(column: Column, index: number): Encoder {
    return encoderFor(column.type, {
      nul: this.#nul,
      parseJsonStrings: column.parseJsonStrings,
      onWiden: (type) => this.#widened(index, type),
    });
  }

  #widened(index: number, type: string): void {
    const column = this.#columns[index];
    if (column === undefined) return;
    const before = this.#widen.get(index);
    const joined = joinTypes(before ?? column.type, type);
    this.#widen.set(index, joined);
    this.#offSchema.widened(this.#stream, `/${column.property}`, column.name, joined, this.#line);
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
    if (this.#check !== undefined) this.#count(record, line);
    if (!this.#warnedUnknown) this.#checkUnknown(record, line);
    this.#line = line;
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
    let parts: string[] | undefined;
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
        if (text.length < HUGE_FIELD) row = index === 0 ? text : `${row}\t${text}`;
        else {
          parts ??= [];
          parts.push(index === 0 ? "" : `${row}\t`, text);
          row = "";
        }
        if (index + 1 === keyCount) key = parts === undefined ? row : parts.join("") + row;
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
    if (parts === undefined) return { row: `${row}\n`, key };
    parts.push(`${row}\n`);
    return { row: parts, key };
  }

  #count(record: JsonObject, line: number): void {
    for (const issue of this.#check?.(record) ?? [])
      this.#offSchema.issue(this.#stream, issue.field, issue.keyword, issue.message, line);
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
