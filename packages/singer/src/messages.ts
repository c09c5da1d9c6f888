import { InputError } from "./errors.js";
import { isJsonObject, type JsonObject, type JsonValue, preview } from "./json.js";
import type { JsonSchemaObject } from "./schema.js";

// Field names are the wire names on purpose: these types describe JSON on a pipe.

export interface SchemaMessage {
  readonly type: "SCHEMA";
  readonly stream: string;
  readonly schema: JsonSchemaObject;
  readonly key_properties: readonly string[];
  readonly bookmark_properties?: readonly string[];
}

export interface RecordMessage {
  readonly type: "RECORD";
  readonly stream: string;
  readonly record: JsonObject;
  /** RFC 3339 date-time the record was read from the source. */
  readonly time_extracted?: string;
  /** Table version (epoch ms by convention), used with ACTIVATE_VERSION. */
  readonly version?: number;
}

export interface StateMessage {
  readonly type: "STATE";
  /** Opaque to targets; by convention `{"bookmarks": {stream: {...}}}`. */
  readonly value: JsonObject;
}

export interface ActivateVersionMessage {
  readonly type: "ACTIVATE_VERSION";
  readonly stream: string;
  readonly version: number;
}

/** Meltano SDK BATCH: records in files listed by `manifest`, not inline. */
export interface BatchMessage {
  readonly type: "BATCH";
  readonly stream: string;
  readonly encoding: { readonly format: string; readonly compression?: string };
  readonly manifest: readonly string[];
}

export type SingerMessage =
  | SchemaMessage
  | RecordMessage
  | StateMessage
  | ActivateVersionMessage
  | BatchMessage;

export type MessageType = SingerMessage["type"];

/** Something odd but loadable in a message (e.g. a SCHEMA without key_properties). */
export type ParseWarning = (line: number, text: string) => void;

type Raw = Record<string, unknown>;

/**
 * Parses one NDJSON line (1-based `line`, used in errors). Returns `undefined` for a well-formed
 * message of a type we do not know: the spec allows any type, so the caller decides whether to
 * skip it with a warning or fail.
 */
export function parseMessage(
  text: string,
  line: number,
  warn?: ParseWarning,
): SingerMessage | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new InputError(`invalid JSON (${reason}): ${preview(text)}`, { line, cause });
  }
  return toMessage(raw, line, text, warn);
}

/** Checks an already-parsed value and returns it as a typed message (see parseMessage). */
export function toMessage(
  raw: unknown,
  line: number,
  text = "",
  warn?: ParseWarning,
): SingerMessage | undefined {
  if (!isJsonObject(raw)) {
    throw new InputError(`expected a JSON object, got ${kindOf(raw)}: ${preview(text)}`, { line });
  }
  if (typeof raw.type !== "string") {
    throw new InputError(`message has no string "type": ${preview(text)}`, { line });
  }
  switch (raw.type.toUpperCase()) {
    // Singer spec: message types are interpreted case-insensitively.
    case "RECORD":
      return toRecord(raw, line);
    case "SCHEMA":
      return toSchema(raw, line, warn);
    case "STATE":
      return toState(raw, line);
    case "ACTIVATE_VERSION":
      return {
        type: "ACTIVATE_VERSION",
        stream: requireString(raw, "stream", line),
        version: requireInteger(raw, "version", line),
      };
    case "BATCH":
      return toBatch(raw, line);
    default:
      return undefined;
  }
}

function toRecord(raw: Raw, line: number): RecordMessage {
  const stream = requireString(raw, "stream", line);
  if (!isJsonObject(raw.record)) {
    throw new InputError(`RECORD needs an object "record", got ${kindOf(raw.record)}`, {
      line,
      stream,
    });
  }
  const message: { -readonly [K in keyof RecordMessage]: RecordMessage[K] } = {
    type: "RECORD",
    stream,
    record: raw.record,
  };
  if (raw.time_extracted !== undefined && raw.time_extracted !== null) {
    if (typeof raw.time_extracted !== "string" || Number.isNaN(Date.parse(raw.time_extracted))) {
      throw new InputError(
        `"time_extracted" must be an RFC 3339 date-time, got ${kindOf(raw.time_extracted)}`,
        {
          line,
          stream,
        },
      );
    }
    message.time_extracted = raw.time_extracted;
  }
  if (raw.version !== undefined && raw.version !== null)
    message.version = requireInteger(raw, "version", line);
  return message;
}

function toSchema(raw: Raw, line: number, warn?: ParseWarning): SchemaMessage {
  const stream = requireString(raw, "stream", line);
  const schema = raw.schema;
  if (!isJsonObject(schema)) {
    throw new InputError(`SCHEMA needs an object "schema", got ${kindOf(schema)}`, {
      line,
      stream,
    });
  }
  if (!isJsonObject(schema.properties)) {
    throw new InputError(
      'schema has no "properties": a SCHEMA must describe the record\'s fields',
      {
        line,
        stream,
      },
    );
  }
  let keys: readonly string[] = [];
  if (raw.key_properties === undefined || raw.key_properties === null) {
    warn?.(
      line,
      `SCHEMA for stream ${stream} has no "key_properties"; treating it as [] (append only)`,
    );
  } else {
    keys = requireStringList(raw, "key_properties", line, stream);
  }
  const bookmarks =
    raw.bookmark_properties === undefined || raw.bookmark_properties === null
      ? undefined
      : requireStringList(raw, "bookmark_properties", line, stream);
  return {
    type: "SCHEMA",
    stream,
    schema: schema as JsonSchemaObject, // checked above: an object with object "properties"
    key_properties: keys,
    ...(bookmarks === undefined ? {} : { bookmark_properties: bookmarks }),
  };
}

function toState(raw: Raw, line: number): StateMessage {
  if (!("value" in raw)) throw new InputError('STATE needs a "value"', { line });
  if (!isJsonObject(raw.value)) {
    throw new InputError(`STATE "value" must be a JSON object, got ${kindOf(raw.value)}`, { line });
  }
  return { type: "STATE", value: raw.value };
}

function toBatch(raw: Raw, line: number): BatchMessage {
  const stream = requireString(raw, "stream", line);
  const encoding = raw.encoding;
  if (!isJsonObject(encoding) || typeof encoding.format !== "string") {
    throw new InputError('BATCH needs "encoding" with a string "format"', { line, stream });
  }
  return {
    type: "BATCH",
    stream,
    encoding: {
      format: encoding.format,
      ...(typeof encoding.compression === "string" ? { compression: encoding.compression } : {}),
    },
    manifest: requireStringList(raw, "manifest", line, stream),
  };
}

function requireString(raw: Raw, field: string, line: number): string {
  const value = raw[field];
  if (typeof value !== "string" || value === "") {
    const type = typeof raw.type === "string" ? raw.type.toUpperCase() : "message";
    throw new InputError(`${type} needs a non-empty string "${field}", got ${kindOf(value)}`, {
      line,
    });
  }
  return value;
}

function requireInteger(raw: Raw, field: string, line: number): number {
  const value = raw[field];
  if (typeof value !== "number" || !Number.isInteger(value)) {
    const stream = typeof raw.stream === "string" ? raw.stream : undefined;
    throw new InputError(`"${field}" must be an integer, got ${kindOf(value)}`, {
      line,
      ...(stream === undefined ? {} : { stream }),
    });
  }
  return value;
}

function requireStringList(raw: Raw, field: string, line: number, stream: string): string[] {
  const value = raw[field];
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new InputError(`"${field}" must be a list of strings, got ${kindOf(value)}`, {
      line,
      stream,
    });
  }
  return value as string[]; // every item checked to be a string just above
}

function kindOf(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

/** Builds messages for writers; keeps the wire shape in one place. */
export const message = {
  schema: (
    stream: string,
    schema: JsonSchemaObject,
    keyProperties: readonly string[],
    bookmarkProperties?: readonly string[],
  ): SchemaMessage => ({
    type: "SCHEMA",
    stream,
    schema,
    key_properties: keyProperties,
    ...(bookmarkProperties === undefined ? {} : { bookmark_properties: bookmarkProperties }),
  }),
  record: (
    stream: string,
    record: JsonObject,
    timeExtracted?: Date,
    version?: number,
  ): RecordMessage => ({
    type: "RECORD",
    stream,
    record,
    ...(timeExtracted === undefined ? {} : { time_extracted: timeExtracted.toISOString() }),
    ...(version === undefined ? {} : { version }),
  }),
  state: (value: JsonObject): StateMessage => ({ type: "STATE", value }),
  activateVersion: (stream: string, version: number): ActivateVersionMessage => ({
    type: "ACTIVATE_VERSION",
    stream,
    version,
  }),
};

export type { JsonValue };
