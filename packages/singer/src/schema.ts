import type { ErrorObject, ValidateFunction } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import addFormatsImport from "ajv-formats";
import { expectation } from "./ajv-messages.js";
import { InputError } from "./errors.js";
import { describeValue, type JsonObject, type JsonValue } from "./json.js";
import { normalizeSchema } from "./schema-dialect.js";

/** The JSON Schema Singer taps write (draft-04 to 2020-12), loose enough for any tap's schema. */
export interface JsonSchema {
  type?: JsonSchemaType | readonly JsonSchemaType[];
  format?: string;
  properties?: { readonly [name: string]: JsonSchema };
  items?: JsonSchema | readonly JsonSchema[];
  required?: readonly string[];
  additionalProperties?: boolean | JsonSchema;
  anyOf?: readonly JsonSchema[];
  oneOf?: readonly JsonSchema[];
  allOf?: readonly JsonSchema[];
  enum?: readonly JsonValue[];
  const?: JsonValue;
  description?: string;
  default?: JsonValue;
  minimum?: number;
  maximum?: number;
  /** A number; draft-04 writes `true` and puts the bound in `minimum`. */
  exclusiveMinimum?: number | boolean;
  /** A number; draft-04 writes `true` and puts the bound in `maximum`. */
  exclusiveMaximum?: number | boolean;
  multipleOf?: number;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  $ref?: string;
  [keyword: string]: unknown;
}
export type JsonSchemaType =
  | "string"
  | "number"
  | "integer"
  | "boolean"
  | "object"
  | "array"
  | "null";

/** A schema whose top level is an object with properties, as SCHEMA messages carry. */
export type JsonSchemaObject = JsonSchema & {
  readonly properties: { readonly [name: string]: JsonSchema };
};

export interface ValidatorOptions {
  readonly stream: string;
  /**
   * `strict` checks formats to the letter (RFC 3339 date-time with a zone). `lenient` accepts what
   * real taps send and targets can still load: a date-time without a zone or with a space, a
   * time without a zone.
   */
  readonly formats?: "strict" | "lenient";
  /**
   * Told once, at compile time, of the keywords and formats the validator ignores (e.g.
   * `format "singer.decimal"`); they never fail a record and the validator prints nothing.
   */
  readonly onIgnored?: (ignored: readonly string[]) => void;
}

/** Validates one record; throws an InputError naming the stream, field path and value. */
export type RecordValidator = (record: JsonObject, line?: number) => void;

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object.
const addFormats = addFormatsImport as unknown as typeof addFormatsImport.default;

const LENIENT_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i;

const LENIENT_TIME = /^([01]\d|2[0-3]):[0-5]\d(:([0-5]\d|60)(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i;

function makeAjv(formats: "strict" | "lenient", allErrors: boolean): Ajv2019 {
  // 2019-09 reads draft-06/07 too; draft-04 and 2020-12 are rewritten first (schema-dialect.ts).
  // strict: false and no logger: taps put their own keywords in schemas; what is ignored is
  // reported once through onIgnored, never printed by the library. optimize: false halves the
  // compile time of huge schemas (a 1 MB schema: 8.9 s → 4.1 s) for no measurable check cost.
  const ajv = new Ajv2019({
    strict: false,
    allErrors,
    validateSchema: true,
    allowUnionTypes: true,
    logger: false,
    code: { optimize: false },
  });
  addFormats(ajv);
  if (formats === "lenient") {
    ajv.addFormat("date-time", {
      type: "string",
      validate: (text: string) =>
        LENIENT_DATE_TIME.test(text) && !Number.isNaN(Date.parse(text.replace(" ", "T"))),
    });
    // A time of day without a zone (`10:00:00`) is what most taps send for `format: time`.
    ajv.addFormat("time", { type: "string", validate: (text: string) => LENIENT_TIME.test(text) });
  }
  return ajv;
}

const ajvs = new Map<string, Ajv2019>();
function ajvFor(formats: "strict" | "lenient", allErrors = false): Ajv2019 {
  const key = `${formats}/${allErrors}`;
  let ajv = ajvs.get(key);
  if (ajv === undefined) {
    ajv = makeAjv(formats, allErrors);
    ajvs.set(key, ajv);
  }
  return ajv;
}

function compileWith(
  ajv: Ajv2019,
  schema: JsonSchema,
  options: ValidatorOptions & { readonly maxDepth?: number },
): ValidateFunction {
  const formats = new Set(Object.keys(ajv.formats));
  const normalized = normalizeSchema(schema, {
    formats,
    ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }),
  });
  if (normalized.ignored.length > 0) options.onIgnored?.(normalized.ignored);
  try {
    const validate = ajv.compile(normalized.schema);
    ajv.removeSchema(normalized.schema); // compiled once per SCHEMA; no cache to grow
    return validate;
  } catch (cause) {
    throw new InputError(
      `invalid JSON Schema: ${cause instanceof Error ? cause.message : String(cause)}`,
      { stream: options.stream, cause },
    );
  }
}

/**
 * Compiles a schema once (per stream) into a validator. An invalid schema is an InputError
 * naming the stream; a record that fails names the field path and the offending value.
 */
export function compileValidator(schema: JsonSchema, options: ValidatorOptions): RecordValidator {
  const validate = compileWith(ajvFor(options.formats ?? "strict"), schema, options);
  return (record, line) => {
    if (validate(record)) return;
    const error = validate.errors?.[0];
    throw new InputError(describeAjvError(error, record), {
      stream: options.stream,
      field: error === undefined ? "/" : fieldOf(error),
      ...(line === undefined ? {} : { line }),
    });
  };
}

/** One way a record differs from its schema. */
export interface SchemaIssue {
  /** JSON pointer of the value (`/price`, `/address/zip`); `/x` for a missing property x. */
  readonly field: string;
  /** The JSON Schema keyword that failed (`type`, `maxLength`, `format`, `required`, …). */
  readonly keyword: string;
  /** What is wrong, with the value (`must NOT have more than 16 characters, got "…" (string)`). */
  readonly message: string;
}

/** Lists every issue of a record (one per field: the first keyword that failed there). */
export type SchemaCheck = (record: JsonObject) => readonly SchemaIssue[];

/**
 * Like compileValidator, but collects every field's issue instead of throwing at the first.
 * `maxDepth` bounds the check (and its compile time) to that many levels of nested values.
 */
export function compileSchemaCheck(
  schema: JsonSchema,
  options: ValidatorOptions & { readonly maxDepth?: number },
): SchemaCheck {
  const validate = compileWith(ajvFor(options.formats ?? "strict", true), schema, options);
  return (record) => {
    if (validate(record)) return [];
    const issues = new Map<string, SchemaIssue>();
    for (const error of validate.errors ?? []) {
      const field = fieldOf(error);
      if (issues.has(field)) continue;
      issues.set(field, {
        field,
        keyword: error.keyword,
        message: describeAjvError(error, record),
      });
    }
    return [...issues.values()];
  };
}

function fieldOf(error: ErrorObject): string {
  if (error.keyword === "required") {
    const missing = (error.params as { missingProperty?: string }).missingProperty ?? "";
    return `${error.instancePath}/${missing}`;
  }
  return error.instancePath === "" ? "/" : error.instancePath;
}

function describeAjvError(error: ErrorObject | undefined, record: JsonObject): string {
  if (error === undefined) return "record does not match its schema";
  if (error.keyword === "required") return "required property is missing";
  // It names the property; the object around it (maybe large) is not echoed.
  if (error.keyword === "additionalProperties") return expectation(error);
  const value = valueAt(record, error.instancePath);
  return `${expectation(error)}, got ${describeValue(value)}`;
}

/** Reads the value at a JSON pointer (`/a/0/b`) from a record. */
export function valueAt(root: JsonValue, pointer: string): JsonValue | undefined {
  if (pointer === "/") return root;
  let current: JsonValue | undefined = root;
  for (const key of pointerSegments(pointer)) {
    if (Array.isArray(current)) current = current[Number(key)];
    else if (current !== null && typeof current === "object") current = current[key];
    else return undefined;
  }
  return current;
}

/** A JSON pointer's segments, decoded (`/a~1b/c` → `["a/b", "c"]`); `""` has none. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((raw) => raw.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** The list of types a schema allows (`type` as string or list), empty when untyped. */
export function schemaTypes(schema: JsonSchema): JsonSchemaType[] {
  if (schema.type === undefined) return [];
  return typeof schema.type === "string" ? [schema.type] : [...schema.type];
}
