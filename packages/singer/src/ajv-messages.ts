/**
 * What a failed JSON Schema keyword expects, in words a user can act on. ajv's own texts for a
 * few keywords say only that something failed ("must be equal to one of the allowed values");
 * these name the expectation instead. Shared by config and record validation.
 */
import type { ErrorObject } from "ajv";
import type { JsonSchema } from "./schema.js";

/** Past this many allowed values (a record schema's long enum) the rest are counted, not shown. */
const LISTED_VALUES = 10;

/** `must be one of "a", "b"`, `must be integer or string`, `has unknown property "x" (…)`, … */
export function expectation(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>; // ajv's params differ per keyword
  switch (error.keyword) {
    case "enum":
      return `must be ${oneOf(params.allowedValues as readonly unknown[])}`;
    case "const":
      return `must be ${JSON.stringify(params.allowedValue)}`;
    case "type":
      return `must be ${typeWords(params.type)}`;
    case "additionalProperties": {
      const known = Object.keys((error.parentSchema as JsonSchema | undefined)?.properties ?? {});
      const allowed = known.length === 0 ? "" : ` (allowed: ${listed(known)})`;
      return `has unknown property ${JSON.stringify(params.additionalProperty)}${allowed}`;
    }
    case "anyOf": {
      const branches = (error.parentSchema as JsonSchema | undefined)?.anyOf;
      if (branches === undefined) break; // only with ajv's `verbose`
      return `must be ${branches.map(branchWords).join(" or ")}`;
    }
  }
  return error.message ?? "is invalid";
}

function oneOf(values: readonly unknown[]): string {
  return values.length === 1 ? JSON.stringify(values[0]) : `one of ${listed(values)}`;
}

function listed(values: readonly unknown[]): string {
  const shown = values.slice(0, LISTED_VALUES).map((value) => JSON.stringify(value));
  const rest = values.length - shown.length;
  return rest > 0 ? `${shown.join(", ")} and ${rest} more` : shown.join(", ");
}

/** `integer`, `integer or string`: ajv gives a list as an array (its own text joins with ","). */
function typeWords(type: unknown): string {
  return Array.isArray(type) ? type.join(" or ") : String(type);
}

/** One `anyOf` branch: its allowed values when it lists them, else its type. */
function branchWords(branch: JsonSchema): string {
  if (Array.isArray(branch.enum)) return oneOf(branch.enum).replace(/^one of /, "");
  if (branch.const !== undefined) return JSON.stringify(branch.const);
  const type = branch.type === undefined ? "any value" : typeWords(branch.type);
  const items = branch.items as JsonSchema | undefined; // settings' arrays: one items schema
  if (type === "array" && items?.type !== undefined) return `array of ${typeWords(items.type)}`;
  return type;
}
