import type { JsonSchema, SchemaMessage } from "@singerkit/singer";
import { expandRaw, type LoadObject, type LoadValue } from "./exact-json.js";

/**
 * `flattening_enabled` / `flattening_max_depth` (SDK semantics): a property whose schema is an
 * object with `properties` becomes one property per child, named `parent__child`, down to
 * `max_depth` levels; deeper objects, arrays and objects without `properties` stay one jsonb
 * column. Flattened names are ordinary property names, so the identifier rule applies to them
 * (snake_case, 63 bytes with a hash suffix, original name in the column COMMENT): no silent
 * truncation (ML #314). A null or missing parent leaves its children NULL. Key properties are
 * top-level and never flattened.
 */
type Plan = ReadonlyMap<string, Plan | undefined>;

const SEPARATOR = "__";

export class Flattener {
  readonly #maxDepth: number;
  readonly #plans = new Map<string, Plan>();

  constructor(maxDepth: number) {
    this.#maxDepth = maxDepth;
  }

  schema(message: SchemaMessage): SchemaMessage {
    const properties: Record<string, JsonSchema> = {};
    const plan = new Map<string, Plan | undefined>();
    const keys = new Set(message.key_properties);
    for (const [name, schema] of Object.entries(message.schema.properties)) {
      const sub = keys.has(name) ? undefined : this.#flatten(name, schema, 1, properties);
      if (sub === undefined) properties[name] = schema;
      else plan.set(name, sub);
    }
    if (plan.size === 0) {
      this.#plans.delete(message.stream);
      return message;
    }
    this.#plans.set(message.stream, plan);
    const required = message.schema.required?.filter((name) => !plan.has(name));
    return {
      ...message,
      schema: {
        ...message.schema,
        properties,
        ...(required === undefined ? {} : { required }),
      },
    };
  }

  /** Adds `prefix__child` properties to `out`; returns the plan, or undefined (not flattened). */
  #flatten(
    prefix: string,
    schema: JsonSchema,
    depth: number,
    out: Record<string, JsonSchema>,
  ): Plan | undefined {
    if (depth > this.#maxDepth || !isObjectSchema(schema)) return undefined;
    const plan = new Map<string, Plan | undefined>();
    for (const [name, child] of Object.entries(schema.properties ?? {})) {
      const flat = `${prefix}${SEPARATOR}${name}`;
      const sub = this.#flatten(flat, child, depth + 1, out);
      if (sub === undefined) out[flat] = child;
      plan.set(name, sub);
    }
    return plan;
  }

  /** Flattens one record object of the stream in place (record-prep.ts calls it for each copy). */
  apply(stream: string, record: LoadObject): void {
    const plan = this.#plans.get(stream);
    if (plan !== undefined) flattenInto(record, plan);
  }
}

function isObjectSchema(schema: JsonSchema): boolean {
  const types = schema.type === undefined ? [] : [schema.type].flat();
  return (
    types.includes("object") &&
    !types.includes("array") &&
    schema.properties !== undefined &&
    Object.keys(schema.properties).length > 0
  );
}

function flattenInto(record: LoadObject, plan: Plan): void {
  for (const [name, sub] of plan) {
    if (sub === undefined || !(name in record)) continue;
    // An exact twin's object holding long numbers is source text until it is flattened.
    const value = expandRaw(record[name]);
    delete record[name];
    if (isPlainObject(value)) spread(value, sub, `${name}${SEPARATOR}`, record);
  }
}

function spread(value: LoadObject, plan: Plan, prefix: string, out: LoadObject): void {
  for (const [name, child] of Object.entries(value)) {
    const sub = plan.get(name);
    if (sub === undefined) {
      out[`${prefix}${name}`] = child;
      continue;
    }
    const tree = expandRaw(child);
    if (isPlainObject(tree)) spread(tree, sub, `${prefix}${name}${SEPARATOR}`, out);
  }
}

function isPlainObject(value: LoadValue | undefined): value is LoadObject {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}
