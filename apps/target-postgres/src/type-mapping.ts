import { type JsonSchema, type JsonValue, schemaTypes } from "@singerkit/singer";

/**
 * JSON Schema → PostgreSQL column types, and the widening lattice used when a later SCHEMA (or
 * a value) needs a wider column. Types are named as `format_type()` prints them, so a column read
 * back from the catalog compares equal to the one we created.
 *
 *                         jsonb
 *                           │
 *                          text ─────────────┬──────────────┬─────────────┬────────┐
 *                           │                │              │             │        │
 *                        numeric   timestamp with time zone  boolean  time w/o tz  bytea
 *                           │                │
 *                        bigint             date
 *
 * Every value of a type is representable, without loss, in its parent (`to_jsonb(x)` for
 * jsonb, `x::parent` otherwise), so widening never fails and never drops data. The join (least
 * upper bound) of two types is their lowest common ancestor.
 */

export const PG = {
  bigint: "bigint",
  numeric: "numeric",
  boolean: "boolean",
  text: "text",
  timestamptz: "timestamp with time zone",
  date: "date",
  time: "time without time zone",
  jsonb: "jsonb",
  bytea: "bytea",
} as const;

export type PgType = string;

/** Parent of each type in the lattice; types we did not create (a table made by someone else)
 * are placed where their values fit. `jsonb` is the top. */
const PARENT: Readonly<Record<string, string>> = {
  smallint: "integer",
  integer: "bigint",
  bigint: "numeric",
  real: "double precision",
  "double precision": "numeric",
  numeric: "text",
  boolean: "text",
  date: "timestamp with time zone",
  "timestamp without time zone": "timestamp with time zone",
  "timestamp with time zone": "text",
  "time without time zone": "text",
  "character varying": "text",
  character: "text",
  uuid: "text",
  bytea: "text",
  text: "jsonb",
};

/** `numeric(10,2)` → `numeric`, `timestamp(3) with time zone` → `timestamp with time zone`. */
export function baseType(type: string): string {
  return type.replace(/\(\d+(,\s*\d+)?\)/, "").trim();
}

function ancestors(type: string): string[] {
  const chain = [type];
  for (let parent = PARENT[type]; parent !== undefined; parent = PARENT[parent]) chain.push(parent);
  return chain;
}

/** True when the lattice knows the type (only those are ever altered). */
export function isKnownType(type: string): boolean {
  const base = baseType(type);
  return base === PG.jsonb || PARENT[base] !== undefined;
}

/**
 * The narrowest type that holds every value of both. An existing column of a type outside the
 * lattice (e.g. `uuid[]`) is kept as it is: we never alter what we do not understand.
 */
export function joinTypes(existing: PgType, wanted: PgType): PgType {
  if (existing === wanted) return existing;
  if (!isKnownType(existing)) return existing;
  const base = baseType(existing);
  const wantedChain = ancestors(baseType(wanted));
  const common = ancestors(base).find((type) => wantedChain.includes(type)) ?? PG.jsonb;
  return common === base ? existing : common;
}

/** The USING expression that converts a column to a wider type without loss. */
export function widenUsing(quotedColumn: string, to: PgType): string {
  return to === PG.jsonb ? `to_jsonb(${quotedColumn})` : `${quotedColumn}::${to}`;
}

const BIGINT_MIN = -(2 ** 63);
const BIGINT_MAX = 2 ** 63;

/**
 * The column type for a property's schema: each non-null alternative (`type` lists, `anyOf`,
 * `oneOf`, `allOf`, `enum`/`const` values) maps to a type, and the column gets their join, so it
 * holds every branch. No usable type information (`{}`, `{"type":"null"}`) → jsonb.
 */
export function columnType(schema: JsonSchema): PgType {
  const types = branchTypes(schema);
  if (types.length === 0) return PG.jsonb;
  return types.reduce((joined, type) => joinTypes(joined, type));
}

function branchTypes(schema: JsonSchema): PgType[] {
  const out: PgType[] = [];
  for (const type of schemaTypes(schema)) {
    const mapped = simpleType(type, schema);
    if (mapped !== undefined) out.push(mapped);
  }
  for (const key of ["anyOf", "oneOf", "allOf"] as const) {
    const list = schema[key];
    if (Array.isArray(list)) for (const branch of list) out.push(...branchTypes(branch));
  }
  if (out.length === 0 && schema.type === undefined) {
    const values: readonly JsonValue[] =
      schema.const !== undefined ? [schema.const] : Array.isArray(schema.enum) ? schema.enum : [];
    for (const value of values) {
      const mapped = valueType(value);
      if (mapped !== undefined) out.push(mapped);
    }
  }
  return out;
}

function simpleType(type: string, schema: JsonSchema): PgType | undefined {
  switch (type) {
    case "integer":
      return fitsBigint(schema) ? PG.bigint : PG.numeric;
    case "number":
      return PG.numeric;
    case "boolean":
      return PG.boolean;
    case "string":
      // Only present when interpret_content_encoding is on (record-prep.ts strips it otherwise).
      if (schema.contentEncoding === "base16") return PG.bytea;
      return stringType(schema.format);
    case "object":
    case "array":
      return PG.jsonb;
    default:
      return undefined; // "null"
  }
}

function fitsBigint(schema: JsonSchema): boolean {
  const low = [schema.minimum, schema.exclusiveMinimum].filter((v) => typeof v === "number");
  const high = [schema.maximum, schema.exclusiveMaximum].filter((v) => typeof v === "number");
  // Doubles cannot tell 2^63 - 1 from 2^63; a value past the bound widens the column later.
  return low.every((v) => v >= BIGINT_MIN) && high.every((v) => v <= BIGINT_MAX);
}

function stringType(format: string | undefined): PgType {
  switch (format) {
    case "date-time":
      return PG.timestamptz;
    case "date":
      return PG.date;
    case "time":
      return PG.time;
    default:
      return PG.text;
  }
}

function valueType(value: JsonValue): PgType | undefined {
  if (value === null) return undefined;
  if (typeof value === "string") return PG.text;
  if (typeof value === "boolean") return PG.boolean;
  if (typeof value === "number") return Number.isInteger(value) ? PG.bigint : PG.numeric;
  return PG.jsonb;
}

/** True when a property's schema allows strings (then a string is data, never parsed JSON). */
export function allowsString(schema: JsonSchema): boolean {
  if (schemaTypes(schema).includes("string")) return true;
  for (const key of ["anyOf", "oneOf"] as const) {
    const list = schema[key];
    if (Array.isArray(list) && list.some((branch) => allowsString(branch))) return true;
  }
  return schema.type === undefined && schema.anyOf === undefined && schema.oneOf === undefined;
}
