import type { JsonObject, JsonSchemaObject, JsonValue } from "@singerkit/singer";

/** What one declared property admits, for the normaliser. */
interface Admits {
  readonly null: boolean;
  readonly boolean: boolean;
  /** A string but not an object: an object value is written as its JSON text. */
  readonly textOnly: boolean;
}

function typesOf(schema: unknown): readonly string[] {
  if (typeof schema !== "object" || schema === null || !("type" in schema)) return [];
  const type = schema.type;
  if (typeof type === "string") return [type];
  return Array.isArray(type) ? type.filter((t): t is string => typeof t === "string") : [];
}

/**
 * Maps the real API's documented variants onto the stream's schema (decisions-tap.md "Real-API
 * variance"), field by field at the top level:
 * - a legacy field name (`from_entity`, `parent_id`, …) becomes the current one, unless the
 *   current one is present too (then the legacy one is dropped by the projection, with a warning);
 * - `"None"` (Python's None printed into JSON) becomes null where the schema admits null;
 * - `"True"` / `"False"` become booleans where the schema says boolean;
 * - an object where the schema says string (`current_user_permissions`) becomes its JSON text.
 * Returns the row itself when nothing changes (the raw-JSON fast path stays on), else a copy.
 */
export function normaliser(
  schema: JsonSchemaObject,
  renames: { readonly [legacy: string]: string } = {},
): (row: JsonObject) => JsonObject {
  const admits = new Map<string, Admits>();
  for (const [name, property] of Object.entries(schema.properties)) {
    const types = typesOf(property);
    admits.set(name, {
      null: types.includes("null") || types.length === 0,
      boolean: types.includes("boolean"),
      textOnly: types.includes("string") && !types.includes("object") && types.length > 0,
    });
  }
  const fix = (name: string, value: JsonValue): JsonValue => {
    const rule = admits.get(name);
    if (rule === undefined) return value;
    if (typeof value === "string") {
      if (value === "None" && rule.null) return null;
      if (rule.boolean && (value === "True" || value === "False")) return value === "True";
      return value;
    }
    if (rule.textOnly && typeof value === "object" && value !== null && !Array.isArray(value)) {
      return JSON.stringify(value);
    }
    return value;
  };
  const legacy = Object.keys(renames);
  return (row) => {
    let out: JsonObject | undefined;
    for (const name of legacy) {
      const current = renames[name];
      if (current === undefined || !(name in row) || current in row) continue;
      out ??= { ...row };
      out[current] = row[name] ?? null;
      delete out[name];
    }
    const source = out ?? row;
    for (const name in source) {
      const value = source[name];
      if (value === undefined || value === null || typeof value === "number") continue;
      if (typeof value === "boolean") continue;
      const fixed = fix(name, value);
      if (fixed === value) continue;
      out ??= { ...row };
      out[name] = fixed;
    }
    return out ?? row;
  };
}
