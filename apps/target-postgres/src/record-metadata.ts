import type { JsonObject, JsonValue, RecordMessage, SchemaMessage } from "@singerkit/singer";

/**
 * The `_sdc_*` columns: which ones a stream's table gets (added to its SCHEMA before layout, so
 * they go through the same DDL, naming and encoding as any property) and their values per record.
 *  - `add_record_metadata`: all six;
 *  - otherwise, once a stream's records carry `version` (and ACTIVATE_VERSION is processed):
 *    `_sdc_table_version` and `_sdc_deleted_at` (the soft-delete mark).
 * A property the tap already sends under one of these names (e.g. `_sdc_deleted_at` of a
 * LOG_BASED tap) keeps the tap's schema and value.
 */
export const TABLE_VERSION = "_sdc_table_version";
export const DELETED_AT = "_sdc_deleted_at";

const TIMESTAMP = { type: ["null", "string"], format: "date-time" } as const;
const BIGINT = { type: ["null", "integer"] } as const;

const ALL = {
  _sdc_extracted_at: TIMESTAMP,
  _sdc_received_at: TIMESTAMP,
  _sdc_batched_at: TIMESTAMP,
  _sdc_deleted_at: TIMESTAMP,
  _sdc_sequence: BIGINT,
  _sdc_table_version: BIGINT,
} as const;

const VERSION_ONLY = { _sdc_table_version: BIGINT, _sdc_deleted_at: TIMESTAMP } as const;

interface StreamInfo {
  /** The SCHEMA as the tap sent it. */
  readonly schema: SchemaMessage;
  versioned: boolean;
}

export class RecordMetadata {
  readonly #all: boolean;
  readonly #versions: boolean;
  readonly #streams = new Map<string, StreamInfo>();
  #sequence = 0;

  constructor(options: { readonly addRecordMetadata: boolean; readonly activateVersion: boolean }) {
    this.#all = options.addRecordMetadata;
    this.#versions = options.activateVersion;
  }

  /** The SCHEMA to load with: the tap's plus the stream's `_sdc_*` properties. */
  schema(message: SchemaMessage): SchemaMessage {
    const versioned = this.#streams.get(message.stream)?.versioned ?? false;
    this.#streams.set(message.stream, { schema: message, versioned });
    return this.#augment(message, versioned);
  }

  #augment(message: SchemaMessage, versioned: boolean): SchemaMessage {
    const extra = this.#all ? ALL : versioned ? VERSION_ONLY : undefined;
    if (extra === undefined) return message;
    const properties = { ...message.schema.properties };
    for (const [name, schema] of Object.entries(extra)) properties[name] ??= schema;
    return { ...message, schema: { ...message.schema, properties } };
  }

  /**
   * The first versioned RECORD of a stream whose table has no version column yet: the SCHEMA to
   * apply before it (adds `_sdc_table_version`, `_sdc_deleted_at`); otherwise `undefined`.
   */
  versionSchema(message: RecordMessage): SchemaMessage | undefined {
    if (message.version === undefined || !this.#versions) return undefined;
    return this.markVersioned(message.stream);
  }

  /** Marks a stream versioned; returns its new SCHEMA when that adds columns. */
  markVersioned(stream: string): SchemaMessage | undefined {
    const info = this.#streams.get(stream);
    if (info === undefined || info.versioned) return undefined;
    info.versioned = true;
    return this.#all ? undefined : this.#augment(info.schema, true);
  }

  /** The record's `_sdc_*` values (none the tap sends itself), or undefined when it gets none. */
  values(message: RecordMessage, now: number): JsonObject | undefined {
    const stream = this.#streams.get(message.stream);
    if (stream === undefined || !(this.#all || stream.versioned)) return undefined;
    const tapSends = stream.schema.schema.properties;
    const values: JsonObject = {};
    const set = (name: string, value: JsonValue) => {
      if (tapSends[name] === undefined) values[name] = value;
    };
    if (this.#all) {
      const at = new Date(now).toISOString();
      this.#sequence = Math.max(this.#sequence + 1, now * 1000);
      set("_sdc_extracted_at", message.time_extracted ?? null);
      set("_sdc_received_at", at);
      set("_sdc_batched_at", at);
      set("_sdc_sequence", this.#sequence);
    }
    set(TABLE_VERSION, message.version ?? null);
    return values;
  }
}
