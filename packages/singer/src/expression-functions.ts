import { createHash } from "node:crypto";
import { isJsonObject, type JsonValue } from "./json.js";
import type { JsonSchema } from "./schema.js";

// The built-in functions and string methods of stream-map expressions, and the value helpers
// they share with the evaluator (expression-eval.ts).

/** An evaluation failure (wrong operand types, a bad argument); `column` is 1-based. */
export class ExpressionEvalError extends Error {
  readonly column: number;
  constructor(message: string, column: number) {
    super(`${message} at column ${column}`);
    this.name = "ExpressionEvalError";
    this.column = column;
  }
}

type Fn = (args: readonly JsonValue[], at: number) => JsonValue;

function hash(algorithm: "md5" | "sha256"): Fn {
  return ([value]) => {
    if (value === null || value === undefined) return null;
    return createHash(algorithm).update(toText(value), "utf8").digest("hex");
  };
}

/** The built-in functions. Each is null-safe: null in, null out (except bool/coalesce/len). */
export const FUNCTIONS: Readonly<
  Record<string, { readonly min: number; readonly max: number; readonly fn: Fn }>
> = {
  md5: { min: 1, max: 1, fn: hash("md5") },
  sha256: { min: 1, max: 1, fn: hash("sha256") },
  str: {
    min: 1,
    max: 1,
    fn: ([value]) => (value === null || value === undefined ? null : toText(value)),
  },
  int: { min: 1, max: 1, fn: ([value], at) => toNumber(value, at, true) },
  float: { min: 1, max: 1, fn: ([value], at) => toNumber(value, at, false) },
  bool: { min: 1, max: 1, fn: ([value]) => truthy(value ?? null) },
  len: {
    min: 1,
    max: 1,
    fn: ([value], at) => {
      if (typeof value === "string" || Array.isArray(value)) return value.length;
      if (isJsonObject(value)) return Object.keys(value).length;
      if (value === null) return 0;
      throw new ExpressionEvalError(`len() of a ${kind(value)}`, at);
    },
  },
  coalesce: { min: 1, max: 99, fn: (args) => args.find((value) => value !== null) ?? null },
  datetime: { min: 1, max: 1, fn: ([value], at) => toDateTime(value ?? null, at) },
  json: { min: 1, max: 1, fn: ([value]) => JSON.stringify(value ?? null) },
  abs: { min: 1, max: 1, fn: ([value], at) => mathOf(value, at, Math.abs) },
  round: {
    min: 1,
    max: 2,
    fn: ([value, digits], at) => {
      const places = typeof digits === "number" ? digits : 0;
      return mathOf(value, at, (n) => Math.round(n * 10 ** places) / 10 ** places);
    },
  },
};

export function arity(count: number, min: number, max: number, name: string, at: number): void {
  if (count < min || count > max)
    throw new ExpressionEvalError(
      `${name}() takes ${min === max ? min : `${min} to ${max}`} arguments`,
      at,
    );
}

export type Method = (self: string, args: readonly JsonValue[], at: number) => JsonValue;

function stringArg(value: JsonValue | undefined, name: string, at: number): string {
  if (typeof value !== "string")
    throw new ExpressionEvalError(`${name}() needs a string argument`, at);
  return value;
}

/** Methods of strings (Python's names). Anything else is an error, never a JS property. */
export const STRING_METHODS: Readonly<Record<string, Method>> = {
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  strip: (s) => s.trim(),
  lstrip: (s) => s.trimStart(),
  rstrip: (s) => s.trimEnd(),
  title: (s) =>
    s
      .toLowerCase()
      .replace(
        /(^|[^A-Za-z])([a-z])/g,
        (_, before: string, letter: string) => before + letter.toUpperCase(),
      ),
  startswith: (s, [prefix], at) => s.startsWith(stringArg(prefix, "startswith", at)),
  endswith: (s, [suffix], at) => s.endsWith(stringArg(suffix, "endswith", at)),
  find: (s, [needle], at) => s.indexOf(stringArg(needle, "find", at)),
  replace: (s, [from, to], at) =>
    s.replaceAll(stringArg(from, "replace", at), stringArg(to, "replace", at)),
  split: (s, [separator], at) =>
    separator === undefined || separator === null
      ? s.trim().split(/\s+/)
      : s.split(stringArg(separator, "split", at)),
  join: (s, [items], at) => {
    if (!Array.isArray(items)) throw new ExpressionEvalError("join() needs a list", at);
    return items.map((item) => toText(item)).join(s);
  },
};

/** Methods the type checker knows the result type of. */
export const METHOD_TYPES: Readonly<Record<string, JsonSchema>> = {
  lower: { type: "string" },
  upper: { type: "string" },
  strip: { type: "string" },
  lstrip: { type: "string" },
  rstrip: { type: "string" },
  title: { type: "string" },
  replace: { type: "string" },
  join: { type: "string" },
  startswith: { type: "boolean" },
  endswith: { type: "boolean" },
  find: { type: "integer" },
  split: { type: "array", items: { type: "string" } },
};

/** Python's truthiness: null, false, 0, "", [] and {} are false. */
export function truthy(value: JsonValue): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (isJsonObject(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}

export function kind(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "list";
  return isJsonObject(value) ? "object" : typeof value;
}

function toText(value: JsonValue): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function toNumber(value: JsonValue | undefined, at: number, integer: boolean): JsonValue {
  if (value === null || value === undefined) return null;
  let number: number;
  if (typeof value === "number") number = value;
  else if (typeof value === "boolean") number = value ? 1 : 0;
  else if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value)))
    number = Number(value);
  else
    throw new ExpressionEvalError(`${integer ? "int" : "float"}() of ${JSON.stringify(value)}`, at);
  return integer ? Math.trunc(number) : number;
}

function mathOf(value: JsonValue | undefined, at: number, fn: (n: number) => number): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value !== "number")
    throw new ExpressionEvalError(`a number is needed, got a ${kind(value)}`, at);
  return fn(value);
}

/** A date-time string (ISO 8601 / RFC 2822) or epoch seconds → ISO 8601 in UTC. */
function toDateTime(value: JsonValue, at: number): JsonValue {
  if (value === null) return null;
  const date =
    typeof value === "number"
      ? new Date(value * 1000)
      : typeof value === "string"
        ? new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value)
        : undefined;
  if (date === undefined || Number.isNaN(date.getTime()))
    throw new ExpressionEvalError(`datetime() cannot read ${JSON.stringify(value)}`, at);
  return date.toISOString();
}
