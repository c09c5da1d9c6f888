import type { RecordMessage, SchemaMessage } from "@singerkit/singer";
import { VersionTracker } from "./activate-version.js";
import type { TargetConfig } from "./config.js";
import type { LoadObject } from "./exact-json.js";
import { Flattener } from "./flatten.js";
import { schemaForMethod } from "./load-method.js";
import { RecordMetadata } from "./record-metadata.js";

/**
 * What a stream's SCHEMA and RECORDs become before they reach the loader: flattened
 * (`flattening_enabled`), with `_sdc_*` metadata (`add_record_metadata`, table versions), keys
 * dropped for `load_method: append-only`. A record line with long numbers has an exact twin
 * (exact-json.ts); both copies are rewritten here, in one place, so validation (the record) and
 * loading (the twin, when there is one) see the same properties.
 */
export class RecordPreparation {
  readonly #config: TargetConfig;
  readonly #flat: Flattener | undefined;
  readonly #meta: RecordMetadata;
  readonly versions = new VersionTracker();

  constructor(config: TargetConfig) {
    this.#config = config;
    this.#flat = config.flattening_enabled ? new Flattener(config.flattening_max_depth) : undefined;
    this.#meta = new RecordMetadata({
      addRecordMetadata: config.add_record_metadata,
      activateVersion: config.process_activate_version_messages,
    });
  }

  /** The SCHEMA to load with. */
  schema(message: SchemaMessage): SchemaMessage {
    const flat = this.#flat?.schema(message) ?? message;
    const encoded = this.#config.interpret_content_encoding ? flat : withoutContentEncoding(flat);
    return this.#forMethod(this.#meta.schema(encoded));
  }

  /**
   * Before a RECORD: notes its version; the first versioned record of a stream returns the
   * SCHEMA that adds the version columns (to apply before the record), otherwise undefined.
   */
  versionChange(message: RecordMessage): SchemaMessage | undefined {
    if (message.version !== undefined) this.versions.recordVersion(message.stream, message.version);
    const schema = this.#meta.versionSchema(message);
    return schema === undefined ? undefined : this.#forMethod(schema);
  }

  /** ACTIVATE_VERSION marks the stream versioned: the SCHEMA to apply first, if that adds columns. */
  markVersioned(stream: string): SchemaMessage | undefined {
    const schema = this.#meta.markVersioned(stream);
    return schema === undefined ? undefined : this.#forMethod(schema);
  }

  /** Flattens and stamps the record, and its exact twin alike. */
  prepare(message: RecordMessage, exact: LoadObject | undefined, now: number): void {
    const values = this.#meta.values(message, now);
    for (const copy of exact === undefined ? [message.record] : [message.record, exact]) {
      this.#flat?.apply(message.stream, copy);
      if (values !== undefined) Object.assign(copy, values);
    }
  }

  #forMethod(message: SchemaMessage): SchemaMessage {
    return schemaForMethod(message, this.#config.load_method);
  }
}

/**
 * `interpret_content_encoding` off: the properties' `contentEncoding` is dropped, so their
 * column is text (type-mapping.ts maps `contentEncoding: base16` strings to bytea).
 */
function withoutContentEncoding(message: SchemaMessage): SchemaMessage {
  const properties = message.schema.properties;
  if (!Object.values(properties).some((p) => p.contentEncoding !== undefined)) return message;
  const stripped = Object.fromEntries(
    Object.entries(properties).map(([name, { contentEncoding: _, ...rest }]) => [name, rest]),
  );
  return { ...message, schema: { ...message.schema, properties: stripped } };
}
