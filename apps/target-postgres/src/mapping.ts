import { ConfigError } from "@singerkit/singer";
import type { TargetConfig } from "./config.js";
import { MAX_IDENTIFIER_BYTES } from "./identifiers.js";

/**
 * Where a stream's table goes. `table` is a verbatim name from `stream_mapping`; otherwise the
 * table is named by the identifier rule from `base` (the stream name, or with `schema_mapping`
 * the part after `<source schema>-`).
 */
export interface StreamTarget {
  readonly schema: string;
  readonly table?: string;
  readonly base: string;
}

type MappingConfig = Pick<
  TargetConfig,
  "default_target_schema" | "schema_mapping" | "stream_mapping"
>;

/**
 * Precedence: `stream_mapping[stream]` (schema and/or table), then `schema_mapping` of the
 * stream's source schema (the text before its first `-`, as tap-postgres and tap-mysql name
 * streams `<schema>-<table>`), then `default_target_schema` with the whole stream name.
 */
export function streamTarget(stream: string, config: MappingConfig): StreamTarget {
  const dash = stream.indexOf("-");
  const source = dash > 0 ? stream.slice(0, dash) : undefined;
  const bySchema = source === undefined ? undefined : own(config.schema_mapping, source);
  const byStream = own(config.stream_mapping, stream);
  const base = bySchema === undefined ? stream : stream.slice(dash + 1);
  return {
    schema: byStream?.target_schema ?? bySchema?.target_schema ?? config.default_target_schema,
    ...(byStream?.target_table === undefined ? {} : { table: byStream.target_table }),
    base,
  };
}

/** A map lookup that ignores inherited keys (a stream named `constructor` is just a name). */
function own<T>(map: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return map !== undefined && Object.hasOwn(map, key) ? map[key] : undefined;
}

/**
 * Mapped schema and table names are used verbatim, so they must fit PostgreSQL's 63 bytes
 * (the settings schema counts characters; a multi-byte name can pass it and still not fit).
 */
export function checkMappingNames(config: MappingConfig): void {
  const check = (name: string, setting: string) => {
    // Not an encoding error at the first query: PostgreSQL names cannot hold U+0000.
    if (name.includes("\u0000"))
      throw new ConfigError(
        `${setting} contains a NUL character (U+0000), which PostgreSQL schema and table names cannot hold`,
      );
    if (Buffer.byteLength(name, "utf8") > MAX_IDENTIFIER_BYTES)
      throw new ConfigError(
        `${setting}: ${JSON.stringify(name)} is longer than PostgreSQL's ${MAX_IDENTIFIER_BYTES}-byte identifier limit`,
      );
  };
  check(config.default_target_schema, "default_target_schema");
  for (const [source, entry] of Object.entries(config.schema_mapping ?? {}))
    check(entry.target_schema, `schema_mapping.${source}.target_schema`);
  for (const [stream, entry] of Object.entries(config.stream_mapping ?? {})) {
    if (entry.target_schema !== undefined)
      check(entry.target_schema, `stream_mapping.${stream}.target_schema`);
    if (entry.target_table !== undefined)
      check(entry.target_table, `stream_mapping.${stream}.target_table`);
  }
}

/** Every schema the config can load into (for `inspect`). */
export function mappedSchemas(config: MappingConfig): string[] {
  const schemas = new Set([config.default_target_schema]);
  for (const entry of Object.values(config.schema_mapping ?? {})) schemas.add(entry.target_schema);
  for (const entry of Object.values(config.stream_mapping ?? {}))
    if (entry.target_schema !== undefined) schemas.add(entry.target_schema);
  return [...schemas];
}
