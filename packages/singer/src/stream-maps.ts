import { ConfigError, InputError } from "./errors.js";
import { evaluate } from "./expression-eval.js";
import { ExpressionEvalError, truthy } from "./expression-functions.js";
import { inferSchema, nullable, own, referencedProperty } from "./expression-types.js";
import { isJsonObject, type JsonObject, type JsonValue } from "./json.js";
import type { SchemaMessage, SingerMessage } from "./messages.js";
import type { JsonSchema, JsonSchemaObject } from "./schema.js";
import {
  type Compiled,
  checkNames,
  compileStream,
  NULL,
  type StreamMap,
} from "./stream-map-compile.js";

/** The settings that switch stream maps on; spread into a plugin's settings by the CLI shell. */
export const STREAM_MAP_SETTINGS = {
  stream_maps: {
    type: "object",
    description:
      'Inline stream maps, per stream: rename (`__alias__`), copy under a new name (`__source__`, taps only), filter (`__filter__`), drop (`null`) or add/compute properties from expressions such as `md5(email)`; `"__else__": null` keeps only what is named. See the README "Stream maps".',
  },
  stream_map_config: {
    type: "object",
    description: "Values expressions can read as `config['name']` (e.g. a hash seed).",
  },
} as const;

/** A stream's map once its SCHEMA is known: what goes out under which name. */
interface Plan {
  readonly map: StreamMap;
  readonly stream: string;
  /** With `__else__: null`, the input properties that survive (the keys). */
  readonly keep: ReadonlySet<string> | undefined;
}

/**
 * Compiled `stream_maps`: parsed once at startup, so a bad expression fails before any data moves,
 * with the stream, the property and the column. Applies to SCHEMA, RECORD, ACTIVATE_VERSION and
 * BATCH messages of the mapped streams; STATE passes untouched (bookmarks keep the source names).
 */
export class StreamMapper {
  readonly #maps = new Map<string, StreamMap | null>();
  /** `__source__` entries by the stream they copy. */
  readonly #copies = new Map<string, StreamMap[]>();
  readonly #elseNull: boolean;
  readonly #config: JsonObject;
  /** Keyed by input stream for the streams themselves, by the map for their copies. */
  readonly #plans = new Map<string, Plan | null>();
  readonly #copyPlans = new Map<StreamMap, Plan>();
  readonly #warn: (text: string) => void;

  constructor(
    streamMaps: JsonObject,
    config: JsonObject,
    warn: (text: string) => void = () => undefined,
  ) {
    this.#config = config;
    this.#warn = warn;
    let elseNull = false;
    for (const [stream, spec] of Object.entries(streamMaps)) {
      if (stream === "__else__") {
        if (spec !== null && spec !== NULL)
          throw new ConfigError(
            "stream_maps.__else__ can only be null (drop every stream not named)",
          );
        elseNull = true;
      } else if (spec === null || spec === NULL) this.#maps.set(stream, null);
      else {
        const map = compileStream(stream, spec);
        if (map.source === undefined) this.#maps.set(stream, map);
        else this.#copies.set(map.source, [...(this.#copies.get(map.source) ?? []), map]);
      }
    }
    this.#elseNull = elseNull;
  }

  /** True when the map leaves this stream's messages exactly as they are, and copies none. */
  isIdentity(stream: string): boolean {
    return !this.#maps.has(stream) && !this.#elseNull && !this.#copies.has(stream);
  }

  /** The `__source__` entries (copies of a stream under a new name). */
  copyNames(): string[] {
    return [...this.#copies.values()].flat().map((map) => map.entry);
  }

  /**
   * Everything a message becomes: the stream's own mapped message (as `map`), then one per copy
   * of the stream (`__source__`), each through its own map. The message itself when nothing
   * applies; `undefined` when nothing is left. STATE is never copied (bookmarks keep the source
   * names).
   */
  mapAll(
    message: SingerMessage,
    line?: number,
  ): SingerMessage | readonly SingerMessage[] | undefined {
    const own = this.map(message, line);
    if (message.type === "STATE") return own;
    const copies = this.#copies.get(message.stream);
    if (copies === undefined) return own;
    const out = own === undefined ? [] : [own];
    for (const map of copies) {
      const plan =
        message.type === "SCHEMA" ? this.#copyPlan(message, map) : this.#copyPlans.get(map);
      const mapped = this.#apply(
        message,
        plan ?? { map, stream: map.entry, keep: undefined },
        line,
      );
      if (mapped !== undefined) out.push(mapped);
    }
    return out.length === 0 ? undefined : out;
  }

  /** The stream's own mapped message, or `undefined` when the map drops it (a dropped stream, a filtered record). */
  map(message: SingerMessage, line?: number): SingerMessage | undefined {
    if (message.type === "STATE") return message;
    if (!this.#maps.has(message.stream) && !this.#elseNull) return message;
    const plan = message.type === "SCHEMA" ? this.#plan(message) : this.#planFor(message.stream);
    if (plan === null) return undefined;
    return this.#apply(message, plan, line);
  }

  #apply(message: Exclude<SingerMessage, { type: "STATE" }>, plan: Plan, line?: number) {
    switch (message.type) {
      case "SCHEMA":
        return this.#schema(message, plan);
      case "RECORD": {
        const where = { stream: message.stream, ...(line === undefined ? {} : { line }) };
        const scope = {
          record: message.record,
          config: this.#config,
          self: null,
          stream: plan.stream,
        };
        if (plan.map.filter !== undefined && !truthy(run(plan.map.filter, scope, where)))
          return undefined;
        return {
          ...message,
          stream: plan.stream,
          record: mapRecord(message.record, plan, scope, where),
        };
      }
      case "BATCH":
        if (
          plan.map.filter !== undefined ||
          plan.map.computed.length > 0 ||
          plan.map.removed.size > 0 ||
          plan.map.elseNull
        )
          throw new InputError(
            "stream maps cannot transform the records of a BATCH message (only rename it)",
            {
              stream: message.stream,
              ...(line === undefined ? {} : { line }),
            },
          );
        return { ...message, stream: plan.stream };
      case "ACTIVATE_VERSION":
        return { ...message, stream: plan.stream };
    }
  }

  /** A plan for a stream whose SCHEMA has not come (a RECORD first): built without the schema. */
  #planFor(stream: string): Plan | null {
    const known = this.#plans.get(stream);
    if (known !== undefined) return known;
    const map = this.#maps.get(stream);
    if (map === null || (map === undefined && this.#elseNull)) return null;
    // map is defined here: isIdentity() was false and the two null cases returned above.
    return { map: map as StreamMap, stream: map?.alias ?? stream, keep: undefined };
  }

  #plan(message: SchemaMessage): Plan | null {
    const map = this.#maps.get(message.stream);
    if (map === null || (map === undefined && this.#elseNull)) {
      this.#plans.set(message.stream, null);
      return null;
    }
    // not null and not undefined (map() returned early for an unnamed stream without __else__)
    const plan = this.#planOf(message, map as StreamMap);
    this.#plans.set(message.stream, plan);
    return plan;
  }

  /** A copy's plan, from the source's SCHEMA and the copy's own map. */
  #copyPlan(message: SchemaMessage, map: StreamMap): Plan {
    const plan = this.#planOf(message, map);
    this.#copyPlans.set(map, plan);
    return plan;
  }

  #planOf(message: SchemaMessage, known: StreamMap): Plan {
    const properties = message.schema.properties ?? {};
    for (const [, compiled] of [
      ...known.computed,
      ...(known.filter === undefined ? [] : [["", known.filter] as const]),
    ])
      checkNames(compiled, properties, message.stream);
    const keep = known.elseNull
      ? new Set(message.key_properties.filter((key) => !known.removed.has(key)))
      : undefined;
    return { map: known, stream: known.alias ?? message.stream, keep };
  }

  #schema(message: SchemaMessage, plan: Plan): SchemaMessage {
    const { map } = plan;
    const input = message.schema.properties ?? {};
    const properties: Record<string, JsonSchema> = {};
    for (const [name, schema] of Object.entries(input)) {
      if (map.removed.has(name) || (plan.keep !== undefined && !plan.keep.has(name))) continue;
      properties[name] = schema;
    }
    for (const [name, compiled] of map.computed) {
      const current = own(input, name);
      properties[name] = nullable(inferSchema(compiled.expr, input, current) ?? current ?? {});
    }
    const keys = this.#keys(message, plan, properties);
    const required = (message.schema.required ?? []).filter(
      (name) => Object.hasOwn(properties, name) && !map.computed.some(([n]) => n === name),
    );
    const schema: JsonSchemaObject = {
      ...message.schema,
      properties,
      ...(message.schema.required === undefined ? {} : { required }),
    };
    const bookmarks = message.bookmark_properties?.filter((name) =>
      Object.hasOwn(properties, name),
    );
    return {
      ...message,
      stream: plan.stream,
      schema,
      key_properties: keys,
      ...(bookmarks === undefined ? {} : { bookmark_properties: bookmarks }),
    };
  }

  /** Key properties after the map: given by `__key_properties__`, or the input's, renamed or dropped. */
  #keys(message: SchemaMessage, plan: Plan, properties: Record<string, JsonSchema>): string[] {
    const { map } = plan;
    const where = `stream_maps.${map.entry}.__key_properties__`;
    if (map.keyProperties !== undefined) {
      const missing = map.keyProperties.filter((key) => !Object.hasOwn(properties, key));
      if (missing.length > 0)
        throw new ConfigError(
          `${where}: ${missing.map((key) => `"${key}"`).join(", ")} not in the mapped stream`,
        );
      return [...map.keyProperties];
    }
    const keys: string[] = [];
    for (const key of message.key_properties) {
      const computedOver = map.computed.some(([name]) => name === key);
      if (Object.hasOwn(properties, key) && !computedOver) {
        keys.push(key);
        continue;
      }
      // A key copied under a new name (`"id2": "id"`, `"id": null`) moves with it.
      const renamed = map.computed.find(
        ([, compiled]) => referencedProperty(compiled.expr) === key,
      );
      if (renamed !== undefined) keys.push(renamed[0]);
      else if (computedOver) keys.push(key);
      else
        this.#warn(
          `stream ${message.stream}: the stream map drops key property "${key}"; it is no longer a key (set __key_properties__ to choose the keys)`,
        );
    }
    return keys;
  }
}

function mapRecord(
  record: JsonObject,
  plan: Plan,
  scope: { record: JsonObject; config: JsonObject; self: JsonValue; stream: string },
  where: { stream: string; line?: number },
): JsonObject {
  const { map, keep } = plan;
  const out: JsonObject = {};
  for (const name in record) {
    if (map.removed.has(name) || (keep !== undefined ? !keep.has(name) : false)) continue;
    if (map.elseNull && keep === undefined) continue; // no SCHEMA seen: only what the map names
    out[name] = record[name] ?? null;
  }
  for (const [name, compiled] of map.computed) {
    out[name] = run(
      compiled,
      { ...scope, self: Object.hasOwn(record, name) ? (record[name] ?? null) : null },
      where,
    );
  }
  return out;
}

function run(
  compiled: Compiled,
  scope: { record: JsonObject; config: JsonObject; self: JsonValue; stream: string },
  where: { stream: string; line?: number },
): JsonValue {
  try {
    return evaluate(compiled.expr, scope);
  } catch (cause) {
    if (!(cause instanceof ExpressionEvalError)) throw cause;
    throw new InputError(
      `${compiled.where}: ${cause.message} in ${JSON.stringify(compiled.text)}`,
      { ...where, cause },
    );
  }
}

/** Builds the mapper from config, or undefined when `stream_maps` is unset or empty. */
export function streamMapperFromConfig(
  config: object,
  warn?: (text: string) => void,
): StreamMapper | undefined {
  const { stream_maps: maps, stream_map_config: mapConfig } = config as {
    stream_maps?: unknown;
    stream_map_config?: unknown;
  }; // validated config
  if (!isJsonObject(maps) || Object.keys(maps).length === 0) return undefined;
  return new StreamMapper(maps, isJsonObject(mapConfig) ? mapConfig : {}, warn);
}
