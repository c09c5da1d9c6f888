/** Static facts about stream-map expressions, read from their tree without running them. */
import type { Expr } from "./expression.js";
import { SPECIAL_NAMES } from "./expression-eval.js";
import { METHOD_TYPES } from "./expression-functions.js";
import type { JsonSchema } from "./schema.js";

/** `id`, `record['id']` or `_['id']`: the property an expression only copies, if it only copies one. */
export function referencedProperty(expr: Expr): string | undefined {
  if (expr.kind === "name" && !SPECIAL_NAMES.has(expr.name)) return expr.name;
  if (
    expr.kind === "index" &&
    expr.object.kind === "name" &&
    (expr.object.name === "record" || expr.object.name === "_") &&
    expr.index.kind === "literal" &&
    typeof expr.index.value === "string"
  )
    return expr.index.value;
  return undefined;
}

const FUNCTION_TYPES: Readonly<Record<string, JsonSchema>> = {
  md5: { type: "string" },
  sha256: { type: "string" },
  str: { type: "string" },
  json: { type: "string" },
  int: { type: "integer" },
  float: { type: "number" },
  bool: { type: "boolean" },
  len: { type: "integer" },
  abs: { type: "number" },
  round: { type: "number" },
  datetime: { type: "string", format: "date-time" },
};

/**
 * The JSON Schema of an expression's result, read from its shape (never by running it); undefined
 * when it cannot tell. The SDK reads only a leading `str(`/`int(`/`float(`; this also knows
 * md5/sha256, string methods, comparisons and arithmetic.
 */
export function inferSchema(
  expr: Expr,
  properties: Readonly<Record<string, JsonSchema>>,
  self: JsonSchema | undefined,
): JsonSchema | undefined {
  const infer = (e: Expr) => inferSchema(e, properties, self);
  switch (expr.kind) {
    case "literal":
      if (expr.value === null) return undefined;
      if (typeof expr.value === "number")
        return { type: Number.isInteger(expr.value) ? "integer" : "number" };
      return { type: typeof expr.value as "string" | "boolean" }; // number and null handled above
    case "name":
      if (expr.name === "self") return self;
      if (expr.name === "__stream_name__") return { type: "string" };
      if (SPECIAL_NAMES.has(expr.name)) return { type: "object" };
      return own(properties, expr.name);
    case "index": {
      const property = referencedProperty(expr);
      if (property !== undefined) return own(properties, property);
      const items = infer(expr.object)?.items; // a list's item: `email.split('@')[-1]`
      return items === undefined || Array.isArray(items) ? undefined : (items as JsonSchema); // one schema, not a tuple
    }
    case "call":
      if (expr.callee.kind === "name") {
        if (expr.callee.name === "coalesce" && expr.args[0] !== undefined)
          return infer(expr.args[0]);
        return FUNCTION_TYPES[expr.callee.name];
      }
      return expr.callee.kind === "member" ? METHOD_TYPES[expr.callee.name] : undefined;
    case "unary":
      return expr.op === "not" ? { type: "boolean" } : infer(expr.operand);
    case "binary": {
      if (["==", "!=", "<", "<=", ">", ">=", "in", "not in"].includes(expr.op))
        return { type: "boolean" };
      const [left, right] = [baseType(infer(expr.left)), baseType(infer(expr.right))];
      if (expr.op === "+" && (left === "string" || right === "string")) return { type: "string" };
      if (left === undefined || right === undefined) return undefined;
      if (expr.op === "/") return { type: "number" };
      return { type: left === "integer" && right === "integer" ? "integer" : "number" };
    }
    case "logical":
    case "conditional": {
      const [a, b] =
        expr.kind === "logical"
          ? [infer(expr.left), infer(expr.right)]
          : [infer(expr.then), infer(expr.otherwise)];
      return a !== undefined && baseType(a) === baseType(b) ? a : undefined;
    }
    case "list":
    case "member":
      return undefined;
  }
}

/** A property's schema, never one inherited from Object.prototype (`constructor`, `toString`). */
export function own(
  properties: Readonly<Record<string, JsonSchema>>,
  name: string,
): JsonSchema | undefined {
  return Object.hasOwn(properties, name) ? properties[name] : undefined;
}

function baseType(schema: JsonSchema | undefined): string | undefined {
  if (schema === undefined) return undefined;
  const types = (typeof schema.type === "string" ? [schema.type] : (schema.type ?? [])).filter(
    (type) => type !== "null",
  );
  return types.length === 1 ? types[0] : undefined;
}

export function nullable(schema: JsonSchema): JsonSchema {
  if (schema.type === undefined) return schema;
  const types = typeof schema.type === "string" ? [schema.type] : [...schema.type];
  return types.includes("null") ? schema : { ...schema, type: [...types, "null"] };
}
