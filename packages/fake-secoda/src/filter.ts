/**
 * The catalog `filter` / `sort` grammar (secoda-api.md §2.1):
 *   field node   {"operator": "exact"|"contains"|"in"|"is_set", "field": name, "value": v}
 *   logical node {"operator": "and"|"or"|"not", "operands": [node, ...]}
 *   sort         {"field": name, "order": "asc"|"desc", "tie_breaker": {"field", "order"}}
 */
import { isJsonObject, type JsonValue } from "./json.js";

export type FieldOperator = "exact" | "contains" | "in" | "is_set";

export type FilterNode =
  | { readonly operator: FieldOperator; readonly field: string; readonly value: JsonValue }
  | { readonly operator: "and" | "or" | "not"; readonly operands: readonly FilterNode[] }
  /** Internal only (query parameters such as `days`): the grammar has no range operator. */
  | { readonly operator: "since"; readonly field: string; readonly value: string };

export interface SortKey {
  readonly field: string;
  readonly order: "asc" | "desc";
}

/** A malformed `filter` or `sort`; the server answers 400 with this message. */
export class QueryError extends Error {}

const FIELD_OPERATORS: readonly string[] = ["exact", "contains", "in", "is_set"];

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new QueryError(`${name} is not valid JSON`);
  }
}

/** Parses the URL-decoded `filter` parameter. */
export function parseFilter(text: string): FilterNode {
  return toNode(parseJson(text, "filter"), "filter");
}

function toNode(value: unknown, where: string): FilterNode {
  if (!isJsonObject(value)) throw new QueryError(`${where} must be an object`);
  const operator = value.operator;
  if (operator === "and" || operator === "or" || operator === "not") {
    const operands = value.operands;
    if (!Array.isArray(operands)) throw new QueryError(`${where}.operands must be a list`);
    return {
      operator,
      operands: operands.map((node, i) => toNode(node, `${where}.operands[${i}]`)),
    };
  }
  if (typeof operator !== "string" || !FIELD_OPERATORS.includes(operator)) {
    throw new QueryError(
      `${where}.operator must be one of exact, contains, in, is_set, and, or, not`,
    );
  }
  if (typeof value.field !== "string") throw new QueryError(`${where}.field must be a string`);
  const operand = value.value ?? null;
  if (operator === "in" && !Array.isArray(operand)) {
    throw new QueryError(`${where}.value must be a list for "in"`);
  }
  return { operator: operator as FieldOperator, field: value.field, value: operand }; // checked above
}

/** Parses `sort`, flattening the `tie_breaker` chain into keys in priority order. */
export function parseSort(text: string): SortKey[] {
  const keys: SortKey[] = [];
  let node: unknown = parseJson(text, "sort");
  let where = "sort";
  while (node !== undefined && node !== null) {
    if (!isJsonObject(node) || typeof node.field !== "string") {
      throw new QueryError(`${where} must be an object with a string "field"`);
    }
    const order = node.order ?? "asc";
    if (order !== "asc" && order !== "desc")
      throw new QueryError(`${where}.order must be asc or desc`);
    keys.push({ field: node.field, order });
    node = node.tie_breaker;
    where = `${where}.tie_breaker`;
  }
  return keys;
}

/** Renames the field of every field node (aliases such as `parent_id` → `parent`). */
export function renameFields(node: FilterNode, rename: (field: string) => string): FilterNode {
  if ("operands" in node) {
    return { operator: node.operator, operands: node.operands.map((n) => renameFields(n, rename)) };
  }
  return { ...node, field: rename(node.field) };
}

const lower = (value: JsonValue) => (typeof value === "string" ? value.toLowerCase() : value);

/** `exact` on a list field means "the list contains the value" (e.g. tags, owners). */
function exact(actual: JsonValue, expected: JsonValue): boolean {
  if (Array.isArray(actual)) return actual.some((item) => item === expected);
  return actual === expected;
}

/** `contains` is a case-insensitive substring match; on a list, any element may match. */
function contains(actual: JsonValue, expected: JsonValue): boolean {
  if (Array.isArray(actual)) return actual.some((item) => contains(item, expected));
  const needle = lower(expected);
  return (
    typeof actual === "string" &&
    typeof needle === "string" &&
    actual.toLowerCase().includes(needle)
  );
}

function isSet(actual: JsonValue): boolean {
  if (actual === null || actual === "") return false;
  return !Array.isArray(actual) || actual.length > 0;
}

/** Evaluates a node against one record, reading fields through `get` (missing = null). */
export function matches(node: FilterNode, get: (field: string) => JsonValue): boolean {
  switch (node.operator) {
    case "and":
      return node.operands.every((operand) => matches(operand, get));
    case "or":
      return node.operands.some((operand) => matches(operand, get));
    case "not":
      return !node.operands.some((operand) => matches(operand, get));
    case "exact":
      return exact(get(node.field), node.value);
    case "contains":
      return contains(get(node.field), node.value);
    case "in": {
      const actual = get(node.field);
      const options = Array.isArray(node.value) ? node.value : [];
      return options.some((option) => exact(actual, option));
    }
    case "is_set":
      return isSet(get(node.field));
    case "since": {
      const actual = get(node.field);
      return typeof actual === "string" && actual >= node.value;
    }
  }
}

/** The order of two field values: nulls sort last ascending and first descending (Postgres). */
export function compareValues(a: JsonValue, b: JsonValue): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "boolean" && typeof b === "boolean") return a ? 1 : -1;
  const left = typeof a === "string" ? a : JSON.stringify(a);
  const right = typeof b === "string" ? b : JSON.stringify(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Catalog filter fields that name another field (`type` is the entity type in §2.1's notices). */
export const CATALOG_ALIASES: Readonly<Record<string, string>> = {
  type: "entity_type",
  parent_id: "parent",
  integration_id: "integration",
};

/**
 * The one evaluator of the filter grammar, for the fake's routes and for other packages' tests
 * (the tap's in-memory API and partition checks): parses `filter` (JSON text or an already parsed
 * value), renames aliased fields and tests the row (missing fields are null).
 */
export function filterMatches(
  filter: unknown,
  row: { readonly [field: string]: JsonValue | undefined },
  aliases: Readonly<Record<string, string>> = {},
): boolean {
  const node = typeof filter === "string" ? parseFilter(filter) : toNode(filter, "filter");
  return matches(node, (field) => row[aliases[field] ?? field] ?? null);
}
