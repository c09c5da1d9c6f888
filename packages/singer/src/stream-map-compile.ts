import { ConfigError } from "./errors.js";
import { type Expr, parseExpression } from "./expression.js";
import { SPECIAL_NAMES } from "./expression-eval.js";
import { FUNCTIONS } from "./expression-functions.js";
import { ExpressionSyntaxError } from "./expression-tokens.js";
import { isJsonObject, type JsonValue } from "./json.js";
import type { JsonSchema } from "./schema.js";

// Compiling `stream_maps` config (stream-maps.ts applies it): each entry's operations checked and
// its expressions parsed at startup, and their names checked once the stream's SCHEMA is known.

/** SDK spelling of null for settings that come from env vars or Meltano, where null is hard to write. */
export const NULL = "__NULL__";

export interface StreamMap {
  /** The entry's name in `stream_maps` (the source stream, or a copy's new name). */
  readonly entry: string;
  /** `__source__`: the entry is a copy of this stream, emitted under the entry's name. */
  readonly source: string | undefined;
  readonly alias: string | undefined;
  readonly filter: Compiled | undefined;
  /** `undefined`: derive from the SCHEMA; `null` in config: no keys. */
  readonly keyProperties: readonly string[] | undefined;
  readonly elseNull: boolean;
  readonly removed: ReadonlySet<string>;
  readonly computed: readonly (readonly [string, Compiled])[];
}

export interface Compiled {
  readonly text: string;
  readonly expr: Expr;
  /** `stream_maps.<stream>.<property>`, for errors. */
  readonly where: string;
}

/** One stream's `stream_maps` entry, checked and with every expression parsed. */
export function compileStream(stream: string, spec: JsonValue): StreamMap {
  const base = `stream_maps.${stream}`;
  if (!isJsonObject(spec))
    throw new ConfigError(`${base} must be an object of property maps, or null to drop the stream`);
  let source: string | undefined;
  let alias: string | undefined;
  let filter: Compiled | undefined;
  let keyProperties: readonly string[] | undefined;
  let elseNull = false;
  const removed = new Set<string>();
  const computed: (readonly [string, Compiled])[] = [];
  for (const [name, value] of Object.entries(spec)) {
    const where = `${base}.${name}`;
    switch (name) {
      case "__source__":
        if (typeof value !== "string" || value === "")
          throw new ConfigError(`${where} must be the name of the stream to copy`);
        if ("__alias__" in spec)
          throw new ConfigError(
            `${base}: a copy (__source__) is named by its entry; __alias__ does not apply`,
          );
        source = value;
        break;
      case "__alias__":
        if (typeof value !== "string" || value === "")
          throw new ConfigError(`${where} must be a stream name`);
        alias = value;
        break;
      case "__filter__":
        if (typeof value !== "string")
          throw new ConfigError(`${where} must be an expression (a string)`);
        filter = compile(value, where);
        break;
      case "__key_properties__":
        if (value === null || value === NULL) keyProperties = [];
        else if (Array.isArray(value) && value.every((key) => typeof key === "string"))
          keyProperties = value as string[]; // every item checked
        else throw new ConfigError(`${where} must be a list of property names, or null`);
        break;
      case "__else__":
        if (value !== null && value !== NULL)
          throw new ConfigError(`${where} can only be null (keep only named properties)`);
        elseNull = true;
        break;
      default:
        if (name.startsWith("__") && name.endsWith("__"))
          throw new ConfigError(
            `${where}: unknown operation (known: __alias__, __source__, __filter__, __key_properties__, __else__)`,
          );
        if (value === null || value === NULL) removed.add(name);
        else if (typeof value === "string") computed.push([name, compile(value, where)]);
        else
          throw new ConfigError(
            `${where} must be an expression (a string) or null to drop the property`,
          );
    }
  }
  // A copy goes out under its entry's name: that is its alias.
  return {
    entry: stream,
    source,
    alias: source === undefined ? alias : stream,
    filter,
    keyProperties,
    elseNull,
    removed,
    computed,
  };
}

function compile(text: string, where: string): Compiled {
  try {
    return { text, expr: parseExpression(text), where };
  } catch (cause) {
    if (!(cause instanceof ExpressionSyntaxError)) throw cause;
    // One line (the FATAL line is the last line of a failed run); the column points into the text.
    throw new ConfigError(`${where}: ${cause.message} of ${JSON.stringify(text)}`, { cause });
  }
}

/** Unknown names and functions, found when the SCHEMA says which properties exist. */
export function checkNames(
  compiled: Compiled,
  properties: Readonly<Record<string, JsonSchema>>,
  stream: string,
): void {
  const visit = (expr: Expr): void => {
    switch (expr.kind) {
      case "name":
        if (!SPECIAL_NAMES.has(expr.name) && !Object.hasOwn(properties, expr.name))
          throw new ConfigError(
            `${compiled.where}: stream ${stream} has no property "${expr.name}" (column ${expr.at} of ${JSON.stringify(compiled.text)}); use record['${expr.name}'] for an optional one`,
          );
        return;
      case "call":
        if (expr.callee.kind === "name") {
          if (!Object.hasOwn(FUNCTIONS, expr.callee.name))
            throw new ConfigError(
              `${compiled.where}: unknown function ${expr.callee.name}() at column ${expr.at} of ${JSON.stringify(compiled.text)}`,
            );
        } else visit(expr.callee);
        for (const arg of expr.args) visit(arg);
        return;
      case "literal":
        return;
      case "list":
        for (const item of expr.items) visit(item);
        return;
      case "member":
        visit(expr.object);
        return;
      case "index":
        visit(expr.object);
        visit(expr.index);
        return;
      case "unary":
        visit(expr.operand);
        return;
      case "binary":
      case "logical":
        visit(expr.left);
        visit(expr.right);
        return;
      case "conditional":
        visit(expr.test);
        visit(expr.then);
        visit(expr.otherwise);
        return;
    }
  };
  visit(compiled.expr);
}
