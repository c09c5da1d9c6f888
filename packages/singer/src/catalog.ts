import { ConfigError } from "./errors.js";
import { isJsonObject, type JsonObject, type JsonValue } from "./json.js";
import type { JsonSchema, JsonSchemaObject } from "./schema.js";

/** One metadata entry: `breadcrumb` `[]` is the stream, `["properties","a"]` a field. */
export interface MetadataEntry {
  readonly breadcrumb: readonly string[];
  readonly metadata: { readonly [key: string]: JsonValue };
}

export interface CatalogEntry {
  readonly tap_stream_id: string;
  readonly stream: string;
  readonly schema: JsonSchemaObject;
  readonly table_name?: string;
  readonly key_properties?: readonly string[];
  readonly replication_key?: string;
  readonly replication_method?: string;
  readonly metadata: readonly MetadataEntry[];
}

export interface Catalog {
  readonly streams: readonly CatalogEntry[];
}

export type Inclusion = "available" | "automatic" | "unsupported";
export type ReplicationMethod = "FULL_TABLE" | "INCREMENTAL" | "LOG_BASED";

/** What a tap knows about a stream, for discovery. */
export interface StreamDescription {
  readonly tapStreamId: string;
  readonly schema: JsonSchemaObject;
  readonly keyProperties: readonly string[];
  readonly replicationKeys?: readonly string[];
  readonly replicationMethod?: ReplicationMethod;
  readonly selectedByDefault?: boolean;
  /** Extra stream-level metadata (e.g. documentation links). */
  readonly extra?: JsonObject;
}

/**
 * Standard discovery metadata, as the Meltano SDK writes it: stream-level inclusion,
 * table-key-properties, valid-replication-keys, forced-replication-method, selected-by-default,
 * replication-key when there is exactly one; key and replication fields `automatic`, every other
 * field (nested ones too) `available`.
 */
export function standardMetadata(stream: StreamDescription): MetadataEntry[] {
  const replicationKeys = stream.replicationKeys ?? [];
  const method =
    stream.replicationMethod ?? (replicationKeys.length > 0 ? "INCREMENTAL" : "FULL_TABLE");
  const root: { [key: string]: JsonValue } = {
    inclusion: "available",
    "table-key-properties": [...stream.keyProperties],
    "forced-replication-method": method,
    "selected-by-default": stream.selectedByDefault ?? true,
    ...(replicationKeys.length > 0 ? { "valid-replication-keys": [...replicationKeys] } : {}),
    ...(replicationKeys.length === 1 && replicationKeys[0] !== undefined
      ? { "replication-key": replicationKeys[0], "replication-method": method }
      : {}),
    ...stream.extra,
  };
  const automatic = new Set([...stream.keyProperties, ...replicationKeys]);
  const entries: MetadataEntry[] = [{ breadcrumb: [], metadata: root }];
  const visit = (schema: JsonSchema, path: readonly string[], top: boolean) => {
    for (const [name, child] of Object.entries(schema.properties ?? {})) {
      const breadcrumb = [...path, "properties", name];
      const inclusion: Inclusion = top && automatic.has(name) ? "automatic" : "available";
      entries.push({ breadcrumb, metadata: { inclusion, "selected-by-default": true } });
      visit(child, breadcrumb, false);
    }
  };
  visit(stream.schema, [], true);
  return entries;
}

/** Builds a discovery catalog entry for one stream. */
export function catalogEntry(stream: StreamDescription): CatalogEntry {
  return {
    tap_stream_id: stream.tapStreamId,
    stream: stream.tapStreamId,
    schema: stream.schema,
    key_properties: [...stream.keyProperties],
    metadata: standardMetadata(stream),
  };
}

/** Reads and checks a catalog (`--catalog` / legacy `--properties`) parsed from JSON. */
export function parseCatalog(raw: unknown, source = "catalog"): Catalog {
  if (!isJsonObject(raw) || !Array.isArray(raw.streams)) {
    throw new ConfigError(`${source}: expected an object with a "streams" list`);
  }
  const streams = raw.streams.map((entry, index) => {
    if (!isJsonObject(entry))
      throw new ConfigError(`${source}: streams[${index}] is not an object`);
    const id = entry.tap_stream_id ?? entry.stream;
    if (typeof id !== "string")
      throw new ConfigError(`${source}: streams[${index}] has no "tap_stream_id"`);
    const metadata = entry.metadata ?? [];
    if (
      !Array.isArray(metadata) ||
      !metadata.every((m) => isJsonObject(m) && Array.isArray(m.breadcrumb))
    ) {
      throw new ConfigError(
        `${source}: stream ${id}: "metadata" must be a list of {breadcrumb, metadata}`,
      );
    }
    if (!isJsonObject(entry.schema))
      throw new ConfigError(`${source}: stream ${id} has no "schema" object`);
    // Checked above: entries are objects with breadcrumb arrays; a schema is an object.
    return {
      ...entry,
      tap_stream_id: id,
      stream: typeof entry.stream === "string" ? entry.stream : id,
    } as unknown as CatalogEntry;
  });
  return { streams };
}

function metadataAt(entry: CatalogEntry, breadcrumb: readonly string[]): MetadataEntry["metadata"] {
  const key = breadcrumb.join("\u0000");
  return entry.metadata.find((m) => m.breadcrumb.join("\u0000") === key)?.metadata ?? {};
}

/**
 * Whether the stream is selected: `selected` on its root metadata, else the legacy
 * `schema.selected`, else `selected-by-default`, else not selected.
 */
export function isStreamSelected(entry: CatalogEntry): boolean {
  const root = metadataAt(entry, []);
  if (typeof root.selected === "boolean") return root.selected;
  if (typeof entry.schema.selected === "boolean") return entry.schema.selected;
  return root["selected-by-default"] === true;
}

/** The stream-level setting that the user chose, else the tap's forced one. */
export function replicationOf(entry: CatalogEntry): { method?: string; key?: string } {
  const root = metadataAt(entry, []);
  const method =
    root["replication-method"] ?? entry.replication_method ?? root["forced-replication-method"];
  const key = root["replication-key"] ?? entry.replication_key;
  return {
    ...(typeof method === "string" ? { method } : {}),
    ...(typeof key === "string" ? { key } : {}),
  };
}

/**
 * A compiled field selection: `true` keeps the whole value; an object lists the kept
 * properties of an object value (each with its own selection).
 */
export type FieldSelection = true | { readonly [property: string]: FieldSelection };

/**
 * Resolves which fields of a stream are selected. Per field: `inclusion: unsupported` never,
 * `automatic` always, else `selected`, else `selected-by-default`, else selected when the parent
 * is. Key properties and replication keys (`alwaysInclude`) can never be deselected.
 */
export function selectedFields(
  entry: CatalogEntry,
  alwaysInclude: readonly string[] = [],
): FieldSelection {
  const forced = new Set(alwaysInclude);
  const resolve = (schema: JsonSchema, path: readonly string[]): FieldSelection => {
    const properties = schema.properties;
    if (properties === undefined) return true;
    const kept: { [property: string]: FieldSelection } = {};
    let everything = true;
    for (const [name, child] of Object.entries(properties)) {
      const breadcrumb = [...path, "properties", name];
      const meta = metadataAt(entry, breadcrumb);
      const isForced = path.length === 0 && forced.has(name);
      const selected =
        isForced ||
        (meta.inclusion !== "unsupported" &&
          (meta.inclusion === "automatic" ||
            (typeof meta.selected === "boolean"
              ? meta.selected
              : meta["selected-by-default"] !== false)));
      if (!selected) {
        everything = false;
        continue;
      }
      const sub = isForced ? true : resolve(child, breadcrumb);
      if (sub !== true) everything = false;
      kept[name] = sub;
    }
    return everything ? true : kept;
  };
  return resolve(entry.schema, []);
}

/** The schema with deselected properties removed (and `required` trimmed to match). */
export function selectSchema<S extends JsonSchema>(schema: S, selection: FieldSelection): S {
  if (selection === true || schema.properties === undefined) return schema;
  const properties: { [name: string]: JsonSchema } = {};
  for (const [name, child] of Object.entries(schema.properties)) {
    const sub = selection[name];
    if (sub !== undefined) properties[name] = selectSchema(child, sub);
  }
  const required = schema.required?.filter((name) => name in properties);
  return { ...schema, properties, ...(required === undefined ? {} : { required }) };
}

/** The record with deselected fields removed; returns the same object when all are kept. */
export function selectRecord(record: JsonObject, selection: FieldSelection): JsonObject {
  if (selection === true) return record;
  const out: JsonObject = {};
  for (const [name, sub] of Object.entries(selection)) {
    if (!(name in record)) continue;
    const value = record[name];
    if (value === undefined) continue;
    out[name] = sub !== true && isJsonObject(value) ? selectRecord(value, sub) : value;
  }
  return out;
}

/** Parses a comma-separated list of stream names or glob patterns (`*`, `?`); blanks dropped. */
export function parseStreamPatterns(text: string): string[] {
  return text
    .split(",")
    .map((pattern) => pattern.trim())
    .filter((pattern) => pattern !== "");
}

function globRegExp(pattern: string): RegExp {
  const body = [...pattern]
    .map((char) => {
      if (char === "*") return ".*";
      if (char === "?") return ".";
      return char.replace(/[\\^$.|+()[\]{}]/g, "\\$&");
    })
    .join("");
  return new RegExp(`^${body}$`);
}

/**
 * `--select`: the streams whose tap_stream_id matches one of the patterns are selected, every
 * other stream is deselected; field selection and replication metadata are kept. A pattern that
 * matches no stream of the catalog is an error naming it (a typo must not sync nothing).
 */
export function selectStreams(catalog: Catalog, patterns: readonly string[]): Catalog {
  if (patterns.length === 0) throw new ConfigError("select: no stream name or pattern given");
  const compiled = patterns.map((pattern) => ({ pattern, regexp: globRegExp(pattern) }));
  const ids = catalog.streams.map((entry) => entry.tap_stream_id);
  const unmatched = compiled.filter(({ regexp }) => !ids.some((id) => regexp.test(id)));
  if (unmatched.length > 0) {
    const names = unmatched.map(({ pattern }) => JSON.stringify(pattern)).join(", ");
    throw new ConfigError(
      `select: ${names} ${unmatched.length === 1 ? "matches" : "match"} no stream of the catalog (streams: ${ids.join(", ")})`,
    );
  }
  return {
    streams: catalog.streams.map((entry) => {
      const selected = compiled.some(({ regexp }) => regexp.test(entry.tap_stream_id));
      const hasRoot = entry.metadata.some((m) => m.breadcrumb.length === 0);
      const metadata = hasRoot
        ? entry.metadata.map((m) =>
            m.breadcrumb.length === 0 ? { ...m, metadata: { ...m.metadata, selected } } : m,
          )
        : [{ breadcrumb: [], metadata: { selected } }, ...entry.metadata];
      const { selected: _legacy, ...schema } = entry.schema;
      return { ...entry, schema: schema as JsonSchemaObject, metadata };
    }),
  };
}
