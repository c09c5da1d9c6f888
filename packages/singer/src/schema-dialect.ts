/**
 * JSON Schema as taps write it (draft-04, -06, -07, 2019-09, 2020-12, plus their own annotations)
 * → one schema the validator (Ajv's 2019-09 dialect, which also reads draft-06/07) understands.
 * Pure: returns a rewritten copy and the names of what it had to ignore, so the caller can warn
 * once instead of the validator printing a line per occurrence.
 *
 * - draft-04 `exclusiveMaximum: true` + `maximum: m` → `exclusiveMaximum: m` (same for minimum);
 *   `exclusiveMaximum: false` is dropped.
 * - `$schema`, `id` and `$id` are dropped: refs resolve against the root (`#/definitions/x`,
 *   `#/$defs/x`), and taps re-sending one SCHEMA must not trip "schema already exists".
 * - 2020-12 `prefixItems` (+ `items`) → the tuple form `items: [...]` (+ `additionalItems`).
 * - A `format` the validator does not know is dropped; keywords it does not know are kept (the
 *   validator ignores them) and reported, except annotations taps are known to add.
 * - `maxDepth`: keywords that look inside a value (properties, items, …) are dropped below that
 *   many levels of nesting, so the check of a huge schema stays cheap (see the target's
 *   decisions: only the column-level check is needed to load safely).
 */

const SCHEMA_MAPS = ["properties", "patternProperties", "dependentSchemas"] as const;
const DEFINITIONS = ["definitions", "$defs"] as const;
/** Keywords holding a schema (or list of schemas) for values nested one level deeper. */
const DESCENDING = [
  "properties",
  "patternProperties",
  "additionalProperties",
  "items",
  "additionalItems",
  "prefixItems",
  "contains",
  "propertyNames",
  "dependentSchemas",
  "dependencies",
  "unevaluatedProperties",
  "unevaluatedItems",
] as const;
/** Keywords holding schemas for the same value. */
const SAME_LEVEL_LISTS = ["anyOf", "oneOf", "allOf"] as const;
const SAME_LEVEL = ["not", "if", "then", "else"] as const;

const VALIDATION = new Set([
  "type",
  "enum",
  "const",
  "required",
  "minLength",
  "maxLength",
  "pattern",
  "format",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minContains",
  "maxContains",
  "minProperties",
  "maxProperties",
  "dependentRequired",
  "$ref",
  "$recursiveRef",
  "$recursiveAnchor",
  "$anchor",
]);
/** Annotations: no effect on validation, never reported. Taps' own (`inclusion`, `selected`,
 * `x-…`) included. */
const ANNOTATIONS = new Set([
  "title",
  "description",
  "default",
  "examples",
  "$comment",
  "readOnly",
  "writeOnly",
  "deprecated",
  "contentEncoding",
  "contentMediaType",
  "contentSchema",
  "inclusion",
  "selected",
  "selected-by-default",
  "nullable",
]);
const DROPPED = new Set(["$schema", "$id", "id"]);

export interface DialectOptions {
  /** Formats the validator knows (others are dropped and reported). */
  readonly formats: ReadonlySet<string>;
  /** Levels of nested values to keep checks for (1: the top-level properties themselves). */
  readonly maxDepth?: number;
}

export interface NormalizedSchema {
  readonly schema: Record<string, unknown>;
  /** `keyword x`, `format "y"`: each once, in the order met. */
  readonly ignored: readonly string[];
}

type Node = Record<string, unknown>;

function isNode(value: unknown): value is Node {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The rewritten schema and what of it the validator will ignore. */
export function normalizeSchema(schema: unknown, options: DialectOptions): NormalizedSchema {
  const ignored = new Set<string>();
  const maxDepth = options.maxDepth ?? Number.POSITIVE_INFINITY;

  const walk = (node: unknown, depth: number): unknown => {
    if (typeof node === "boolean") return node;
    if (!isNode(node)) return {};
    const out: Node = {};
    for (const [key, value] of Object.entries(node)) {
      if (DROPPED.has(key)) continue;
      if ((DESCENDING as readonly string[]).includes(key)) {
        if (depth >= maxDepth) continue;
        out[key] = descend(key, value, depth + 1);
      } else if ((SAME_LEVEL_LISTS as readonly string[]).includes(key)) {
        out[key] = Array.isArray(value) ? value.map((branch) => walk(branch, depth)) : value;
      } else if ((SAME_LEVEL as readonly string[]).includes(key)) {
        out[key] = walk(value, depth);
      } else if ((DEFINITIONS as readonly string[]).includes(key)) {
        // Reached through $ref at any depth: counted from the first level.
        out[key] = mapOf(value, (sub) => walk(sub, Math.min(depth, 1)));
      } else if (key === "format") {
        if (typeof value === "string" && options.formats.has(value)) out[key] = value;
        else ignored.add(`format ${JSON.stringify(value)}`);
      } else {
        if (!VALIDATION.has(key) && !ANNOTATIONS.has(key) && !key.startsWith("x-"))
          ignored.add(`keyword ${JSON.stringify(key)}`);
        out[key] = value;
      }
    }
    draft4Exclusive(out, "exclusiveMaximum", "maximum");
    draft4Exclusive(out, "exclusiveMinimum", "minimum");
    tupleItems(out);
    return out;
  };

  const descend = (key: string, value: unknown, depth: number): unknown => {
    if ((SCHEMA_MAPS as readonly string[]).includes(key))
      return mapOf(value, (s) => walk(s, depth));
    if (key === "dependencies" && isNode(value))
      return mapOf(value, (s) => (Array.isArray(s) ? s : walk(s, depth)));
    if (Array.isArray(value)) return value.map((s) => walk(s, depth));
    return walk(value, depth);
  };

  const root = walk(schema, 0);
  return { schema: isNode(root) ? root : {}, ignored: [...ignored] };
}

function mapOf(value: unknown, each: (schema: unknown) => unknown): Node {
  if (!isNode(value)) return {};
  const out: Node = {};
  for (const [name, schema] of Object.entries(value)) out[name] = each(schema);
  return out;
}

/** draft-04: `exclusiveMaximum: true` qualifies `maximum`; later drafts make it the number. */
function draft4Exclusive(node: Node, exclusive: string, bound: string): void {
  const flag = node[exclusive];
  if (typeof flag !== "boolean") return;
  delete node[exclusive];
  if (flag && typeof node[bound] === "number") {
    node[exclusive] = node[bound];
    delete node[bound];
  }
}

/** 2020-12 `prefixItems` (+ `items` for the rest) → 2019-09 `items: [...]` + `additionalItems`. */
function tupleItems(node: Node): void {
  const prefix = node.prefixItems;
  if (!Array.isArray(prefix)) return;
  delete node.prefixItems;
  if (node.items !== undefined) node.additionalItems = node.items;
  node.items = prefix;
}
