import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsImport from "ajv-formats";
import { InputError } from "./errors.js";
import { describeValue, type JsonObject, type JsonValue } from "./json.js";

/** The JSON Schema subset Singer uses (draft 4–7 style), loose enough for any tap's schema. */
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
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
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
}

/** Validates one record; throws an InputError naming the stream, field path and value. */
export type RecordValidator = (record: JsonObject, line?: number) => void;

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object.
const addFormats = addFormatsImport as unknown as typeof addFormatsImport.default;

const LENIENT_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i;

const LENIENT_TIME = /^([01]\d|2[0-3]):[0-5]\d(:([0-5]\d|60)(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i;

function makeAjv(formats: "strict" | "lenient"): Ajv {
  // strict: false — taps put non-standard keywords in schemas (x-sql-datatype, inclusion, …).
  const ajv = new Ajv({
    strict: false,
    allErrors: false,
    validateSchema: true,
    allowUnionTypes: true,
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

const ajvs = new Map<string, Ajv>();
function ajvFor(formats: "strict" | "lenient"): Ajv {
  let ajv = ajvs.get(formats);
  if (ajv === undefined) {
    ajv = makeAjv(formats);
    ajvs.set(formats, ajv);
  }
  return ajv;
}

/**
 * Compiles a schema once (per stream) into a validator. An invalid schema is an InputError
 * naming the stream; a record that fails names the field path and the offending value.
 */
export function compileValidator(schema: JsonSchema, options: ValidatorOptions): RecordValidator {
  let validate: ValidateFunction;
  try {
    validate = ajvFor(options.formats ?? "strict").compile(schema);
  } catch (cause) {
    throw new InputError(
      `invalid JSON Schema: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        stream: options.stream,
        cause,
      },
    );
  }
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
  const value = valueAt(record, error.instancePath);
  return `${error.message ?? "is invalid"}, got ${describeValue(value)}`;
}

/** Reads the value at a JSON pointer (`/a/0/b`) from a record. */
export function valueAt(root: JsonValue, pointer: string): JsonValue | undefined {
  if (pointer === "" || pointer === "/") return root;
  let current: JsonValue | undefined = root;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (Array.isArray(current)) current = current[Number(key)];
    else if (current !== null && typeof current === "object") current = current[key];
    else return undefined;
  }
  return current;
}

/** The list of types a schema allows (`type` as string or list), empty when untyped. */
export function schemaTypes(schema: JsonSchema): JsonSchemaType[] {
  if (schema.type === undefined) return [];
  return typeof schema.type === "string" ? [schema.type] : [...schema.type];
}
