import { InputError, LoadError, type SchemaMessage } from "@singerkit/singer";
import { listTables } from "./catalog.js";
import { COMMIT_MARKER_TABLE } from "./commit-markers.js";
import type { TargetConfig } from "./config.js";
import type { Db } from "./db.js";
import { ensureSchema } from "./ddl.js";
import { REJECTED_TABLE } from "./dead-letter.js";
import { assignNames, conformName } from "./identifiers.js";
import { Loader, type LoaderContext } from "./loader.js";
import { streamTarget } from "./mapping.js";
import { retryIdempotent } from "./retry.js";

/** PostgreSQL's limit of columns per table. */
export const MAX_COLUMNS = 1600;

/**
 * The streams of this run and their loaders: a stream's first SCHEMA names its table
 * (`schema_mapping` / `stream_mapping`, else the identifier rule against the tables that exist),
 * creates its schema on first use, claims the table (two streams never load one table) and opens
 * the Loader, which creates or evolves the table.
 */
export class StreamRegistry {
  readonly #db: Db;
  readonly #config: TargetConfig;
  readonly #ctx: Omit<LoaderContext, "schema">;
  readonly #loaders = new Map<string, Loader>();
  /** Schemas created (or found) in this run. */
  readonly #schemasReady = new Set<string>();
  /** `[schema, table]` → the stream loading it in this run. */
  readonly #claimed = new Map<string, string>();

  constructor(db: Db, config: TargetConfig, ctx: Omit<LoaderContext, "schema">) {
    this.#db = db;
    this.#config = config;
    this.#ctx = ctx;
  }

  get(stream: string): Loader | undefined {
    return this.#loaders.get(stream);
  }

  /** The stream's loader; a RECORD before its SCHEMA fails naming the line. */
  require(stream: string, line: number): Loader {
    const loader = this.#loaders.get(stream);
    if (loader === undefined)
      throw new InputError(
        `record for stream ${stream} before SCHEMA (every stream needs a SCHEMA message first)`,
        { line, stream },
      );
    return loader;
  }

  all(): Loader[] {
    return [...this.#loaders.values()];
  }

  get size(): number {
    return this.#loaders.size;
  }

  /** A new stream's first SCHEMA (as loaded: after record-prep.ts). */
  async open(message: SchemaMessage, line: number): Promise<Loader> {
    const target = streamTarget(message.stream, this.#config);
    await this.#ensureSchema(target.schema, message.stream, line);
    const tables = await retryIdempotent(
      {
        doing: `reading the tables of schema ${target.schema} from the catalog`,
        stream: message.stream,
        line,
      },
      () => listTables(this.#db, target.schema),
      this.#ctx.retry,
    );
    const reserved = ownTables(this.#config, target.schema);
    if (target.table !== undefined && reserved.has(target.table))
      throw new InputError(
        `stream ${message.stream} is mapped to table ${target.schema}.${target.table}, which is the target's own table (check stream_mapping)`,
        { line, stream: message.stream },
      );
    const name =
      target.table ??
      assignNames([message.stream], tables, () => target.base, reserved).get(message.stream) ??
      message.stream;
    if (target.table === undefined && reserved.has(conformName(target.base)))
      this.#ctx.log.warn(
        `line ${line}, stream ${message.stream}: table ${target.schema}.${conformName(target.base)} is the target's own; loading into ${target.schema}.${name} instead (its COMMENT records the stream)`,
      );
    this.#claim(target.schema, name, message.stream, line);
    checkColumnLimit(message, line, `${target.schema}.${name}`);
    const loader = await Loader.open({ ...this.#ctx, schema: target.schema }, message, line, name);
    this.#loaders.set(message.stream, loader);
    this.#ctx.log.debug(`line ${line}, stream ${message.stream}: loading into ${loader.label}`);
    return loader;
  }

  async #ensureSchema(schema: string, stream: string, line: number): Promise<void> {
    if (this.#schemasReady.has(schema)) return;
    try {
      await retryIdempotent(
        { doing: `creating schema ${schema}`, stream, line },
        () => ensureSchema(this.#db, schema),
        this.#ctx.retry,
      );
    } catch (error) {
      if (!(error instanceof LoadError) || error.context.line !== undefined) throw error;
      throw new LoadError(
        error.message,
        { ...(error.code === undefined ? {} : { code: error.code }) },
        { line, stream, cause: error },
      );
    }
    this.#schemasReady.add(schema);
  }

  /** A table mapped (by `stream_mapping`) to a table another stream of this run loads fails. */
  #claim(schema: string, table: string, stream: string, line: number): void {
    const key = JSON.stringify([schema, table]);
    const other = this.#claimed.get(key);
    if (other !== undefined)
      throw new InputError(
        `stream ${stream} maps to table ${schema}.${table}, which stream ${other} already loads in this run (check stream_mapping / schema_mapping)`,
        { line, stream },
      );
    this.#claimed.set(key, stream);
  }
}

/** The target's own tables in `schema` (they live in the default target schema): reserved. */
export function ownTables(config: TargetConfig, schema: string): ReadonlySet<string> {
  if (schema !== config.default_target_schema) return new Set();
  const names = [REJECTED_TABLE, COMMIT_MARKER_TABLE, "_sdc_loads", config.load_history_table];
  return new Set(names.filter((name) => name !== ""));
}

/**
 * A SCHEMA (after flattening and metadata columns) with more properties than a table can have
 * columns fails before its table is created or altered, naming line, stream and table.
 */
export function checkColumnLimit(message: SchemaMessage, line: number, table: string): void {
  const properties = message.schema.properties;
  const count =
    typeof properties === "object" && properties !== null ? Object.keys(properties).length : 0;
  if (count <= MAX_COLUMNS) return;
  throw new InputError(
    `SCHEMA for table ${table} has ${count} properties; PostgreSQL tables hold at most ${MAX_COLUMNS} columns (deselect fields in the tap's catalog)`,
    { line, stream: message.stream },
  );
}
