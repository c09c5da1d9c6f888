import type { Expr } from "./expression.js";
import {
  arity,
  ExpressionEvalError,
  FUNCTIONS,
  kind,
  type Method,
  STRING_METHODS,
  truthy,
} from "./expression-functions.js";
import { isJsonObject, type JsonObject, type JsonValue } from "./json.js";

/** What names in an expression can see. */
export interface Scope {
  readonly record: JsonObject;
  /** `stream_map_config`. */
  readonly config: JsonObject;
  /** The property's current value (`self`); null when the property is new. */
  readonly self: JsonValue;
  readonly stream: string;
}

/** Names that are not record properties. */
export const SPECIAL_NAMES = new Set(["record", "_", "config", "self", "__stream_name__"]);

export function evaluate(expr: Expr, scope: Scope): JsonValue {
  switch (expr.kind) {
    case "literal":
      return expr.value;
    case "list":
      return expr.items.map((item) => evaluate(item, scope));
    case "name":
      return lookup(expr.name, scope);
    case "member": {
      const object = evaluate(expr.object, scope);
      if (object === null) return null;
      if (isJsonObject(object))
        return Object.hasOwn(object, expr.name) ? (object[expr.name] ?? null) : null;
      throw new ExpressionEvalError(`a ${kind(object)} has no property "${expr.name}"`, expr.at);
    }
    case "index":
      return index(evaluate(expr.object, scope), evaluate(expr.index, scope), expr.at);
    case "call":
      return call(expr, scope);
    case "unary": {
      const value = evaluate(expr.operand, scope);
      if (expr.op === "not") return !truthy(value);
      if (value === null) return null;
      if (typeof value !== "number")
        throw new ExpressionEvalError(`unary ${expr.op} of a ${kind(value)}`, expr.at);
      return expr.op === "-" ? -value : value;
    }
    case "logical": {
      const left = evaluate(expr.left, scope);
      // Python's and/or return an operand, so `nickname or name` picks a value.
      if (expr.op === "and") return truthy(left) ? evaluate(expr.right, scope) : left;
      return truthy(left) ? left : evaluate(expr.right, scope);
    }
    case "conditional":
      return truthy(evaluate(expr.test, scope))
        ? evaluate(expr.then, scope)
        : evaluate(expr.otherwise, scope);
    case "binary":
      return binary(expr.op, evaluate(expr.left, scope), evaluate(expr.right, scope), expr.at);
  }
}

function lookup(name: string, scope: Scope): JsonValue {
  switch (name) {
    case "record":
    case "_":
      return scope.record;
    case "config":
      return scope.config;
    case "self":
      return scope.self;
    case "__stream_name__":
      return scope.stream;
    default:
      // A property the record omits is null (the schema check at SCHEMA time caught typos).
      return Object.hasOwn(scope.record, name) ? (scope.record[name] ?? null) : null;
  }
}

function call(expr: Extract<Expr, { kind: "call" }>, scope: Scope): JsonValue {
  const args = expr.args.map((arg) => evaluate(arg, scope));
  if (expr.callee.kind === "name") {
    const fn = FUNCTIONS[expr.callee.name];
    if (fn === undefined || !Object.hasOwn(FUNCTIONS, expr.callee.name))
      throw new ExpressionEvalError(`unknown function ${expr.callee.name}()`, expr.at);
    arity(args.length, fn.min, fn.max, expr.callee.name, expr.at);
    return fn.fn(args, expr.at);
  }
  if (expr.callee.kind === "member") {
    const name = expr.callee.name;
    const self = evaluate(expr.callee.object, scope);
    if (self === null) return null;
    if (typeof self === "string" && Object.hasOwn(STRING_METHODS, name)) {
      const method = STRING_METHODS[name] as Method; // hasOwn just checked
      return method(self, args, expr.at);
    }
    if (isJsonObject(self) && name === "get") {
      const [key, fallback] = args;
      if (typeof key !== "string")
        throw new ExpressionEvalError("get() needs a string key", expr.at);
      return Object.hasOwn(self, key) ? (self[key] ?? null) : (fallback ?? null);
    }
    throw new ExpressionEvalError(`a ${kind(self)} has no method ${name}()`, expr.callee.at);
  }
  throw new ExpressionEvalError("only functions and methods can be called", expr.at);
}

function index(object: JsonValue, key: JsonValue, at: number): JsonValue {
  if (object === null) return null;
  if (isJsonObject(object)) {
    if (typeof key !== "string")
      throw new ExpressionEvalError(`object keys are strings, got a ${kind(key)}`, at);
    return Object.hasOwn(object, key) ? (object[key] ?? null) : null;
  }
  if (Array.isArray(object) || typeof object === "string") {
    if (typeof key !== "number" || !Number.isInteger(key))
      throw new ExpressionEvalError(`a ${kind(object)} index must be an integer`, at);
    const position = key < 0 ? object.length + key : key; // Python: -1 is the last item
    const item = Array.isArray(object) ? object[position] : object.charAt(position);
    return item === undefined || item === "" ? null : item;
  }
  throw new ExpressionEvalError(`a ${kind(object)} cannot be indexed`, at);
}

function binary(op: string, left: JsonValue, right: JsonValue, at: number): JsonValue {
  switch (op) {
    case "==":
      return equal(left, right);
    case "!=":
      return !equal(left, right);
    case "in":
      return contains(right, left, at);
    case "not in":
      return !contains(right, left, at);
  }
  if (left === null || right === null) return null; // null-safe: a missing value stays missing
  if (op === "+") {
    if (typeof left === "string" && typeof right === "string") return left + right;
    if (Array.isArray(left) && Array.isArray(right)) return [...left, ...right];
  }
  if (op === "<" || op === "<=" || op === ">" || op === ">=") {
    if (typeof left !== typeof right || (typeof left !== "number" && typeof left !== "string"))
      throw new ExpressionEvalError(
        `cannot compare a ${kind(left)} with a ${kind(right)} (${op})`,
        at,
      );
    // Same primitive type, checked just above.
    const [a, b] = [left as number | string, right as number | string];
    return op === "<" ? a < b : op === "<=" ? a <= b : op === ">" ? a > b : a >= b;
  }
  if (typeof left !== "number" || typeof right !== "number")
    throw new ExpressionEvalError(`cannot apply ${op} to a ${kind(left)} and a ${kind(right)}`, at);
  switch (op) {
    case "+":
      return left + right;
    case "-":
      return left - right;
    case "*":
      return left * right;
  }
  if (right === 0) throw new ExpressionEvalError("division by zero", at);
  if (op === "/") return left / right;
  if (op === "//") return Math.floor(left / right);
  return left - right * Math.floor(left / right); // Python's %: the sign of the divisor
}

function contains(container: JsonValue, item: JsonValue, at: number): boolean {
  if (container === null) return false;
  if (typeof container === "string") {
    if (typeof item !== "string")
      throw new ExpressionEvalError(`"in" a string needs a string, got a ${kind(item)}`, at);
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((candidate) => equal(candidate, item));
  if (isJsonObject(container)) return typeof item === "string" && Object.hasOwn(container, item);
  throw new ExpressionEvalError(`"in" a ${kind(container)}`, at);
}

function equal(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
