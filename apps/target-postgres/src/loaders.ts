import {
  type ActivateVersionMessage,
  InputError,
  LoadError,
  type Logger,
  MetricCounter,
  type RecordMessage,
  type SchemaMessage,
} from "@singerkit/singer";
import { retireOldVersions, VersionTracker } from "./activate-version.js";
import type { TargetConfig } from "./config.js";
import { type Db, isConnectionError } from "./db.js";
import { ensureSchema, listTables } from "./ddl.js";
import { type DeadLetter, isRecordError } from "./dead-letter.js";
import type { LoadObject } from "./exact-json.js";
import { Flattener } from "./flatten.js";
import { assignNames } from "./identifiers.js";
import type { LoadHistory } from "./load-history.js";
import { Overwrite, schemaForMethod } from "./load-method.js";
import { Loader, type LoaderContext, type SealedBatch } from "./loader.js";
import { streamTarget } from "./mapping.js";
import { RecordMetadata } from "./record-metadata.js";
import type { StateTracker } from "./state-tracker.js";

const FIRST_FLUSH_BYTES = 1024 * 1024;

interface CommitWork {
  readonly loader: Loader;
  readonly sealed: SealedBatch;
  /** The StateTracker's ticket of the batch (undefined: it held no records since the last). */
  readonly ticket: number | undefined;
  readonly group: FlushGroup;
}

/** The commits one flush started: their tickets are released together when the last ends. */
interface FlushGroup {
  open: number;
  readonly tickets: number[];
}

export interface BatchLimits {
  readonly rows: number;
  readonly bytes: number;
  readonly maxAgeMs: number;
}

/** PostgreSQL's limit of columns per table. */
export const MAX_COLUMNS = 1600;

/**
 * A SCHEMA (after flattening and metadata columns) with more properties than a table can have
 * columns fails before its table is created or altered, naming line, stream and table.
 */
function checkColumnLimit(message: SchemaMessage, line: number, table: string): void {
  const properties = message.schema.properties;
  const count =
    typeof properties === "object" && properties !== null ? Object.keys(properties).length : 0;
  if (count <= MAX_COLUMNS) return;
  throw new InputError(
    `SCHEMA for table ${table} has ${count} properties; PostgreSQL tables hold at most ${MAX_COLUMNS} columns (deselect fields in the tap's catalog)`,
    { line, stream: message.stream },
  );
}

/**
 * All streams' loaders, the batch limits, and the commits. A flush seals the chosen streams'
 * buffers (in input order) and commits them in the background, one transaction per stream, while
 * the run loop keeps reading and encoding the next batch. Streams commit in parallel over the
 * pool (`max_parallelism`); one stream's batches commit in input order. Sealed batches in flight
 * are bounded by `batch_size_bytes`: beyond it a new flush waits (back-pressure to stdin). After
 * each COMMIT the StateTracker hears about its batch and may write a STATE.
 */
export class Loaders {
  readonly #db: Db;
  readonly #ctx: LoaderContext;
  readonly #limits: BatchLimits;
  readonly #states: StateTracker;
  readonly #log: Logger;
  readonly #records: MetricCounter;
  readonly #loaders = new Map<string, Loader>();
  readonly #warnedActivate = new Set<string>();
  readonly #config: TargetConfig;
  readonly #meta: RecordMetadata;
  readonly #versions = new VersionTracker();
  readonly #flat: Flattener | undefined;
  readonly #overwrite: Overwrite | undefined;
  /** Tickets of overwrite streams: released once the shadow tables are swapped in. */
  readonly #held: number[] = [];
  history: LoadHistory | undefined;
  /** `invalid_records: dead_letter`: where rejected records go instead of failing the run. */
  deadLetter: DeadLetter | undefined;
  /** Schemas created (or found) in this run. */
  readonly #schemasReady = new Set<string>();
  /** `schema.table` → the stream loading it in this run (two streams never share a table). */
  readonly #claimed = new Map<string, string>();
  #flushes = 0;
  #bufferedBytes = 0;
  #oldestAt: number | undefined;
  /** Commits started and not yet finished. */
  readonly #inFlight = new Set<Promise<void>>();
  #sealedBytes = 0;
  /** Per stream, its newest commit: the next batch of the stream commits after it. */
  readonly #tails = new Map<Loader, Promise<void>>();
  #failure: { readonly error: unknown } | undefined;

  constructor(db: Db, config: TargetConfig, states: StateTracker, log: Logger) {
    this.#db = db;
    this.#ctx = {
      db,
      log,
      schema: config.default_target_schema,
      validate: config.validate_records,
      nul: config.nul_handling,
      hardDelete: config.hard_delete,
    };
    this.#config = config;
    this.#meta = new RecordMetadata({
      addRecordMetadata: config.add_record_metadata,
      activateVersion: config.process_activate_version_messages,
    });
    this.#overwrite = config.load_method === "overwrite" ? new Overwrite(log) : undefined;
    this.#flat = config.flattening_enabled ? new Flattener(config.flattening_max_depth) : undefined;
    this.#limits = {
      rows: config.batch_size_rows,
      bytes: config.batch_size_bytes,
      maxAgeMs: config.batch_max_age_seconds * 1000,
    };
    this.#states = states;
    this.#log = log;
    this.#records = new MetricCounter(log, "record_count");
  }

  /**
   * A SCHEMA: creates the table for a new stream; for a known stream an identical SCHEMA is a
   * no-op, and a changed one first commits the rows buffered under the old one (SDK #3237),
   * then evolves the table.
   */
  async setSchema(tapMessage: SchemaMessage, line: number): Promise<void> {
    const flat = this.#flat?.schema(tapMessage) ?? tapMessage;
    const message = schemaForMethod(this.#meta.schema(flat), this.#config.load_method);
    const loader = this.#loaders.get(message.stream);
    if (loader === undefined) {
      const target = streamTarget(message.stream, this.#config);
      await this.#ensureSchema(target.schema, message.stream, line);
      const tables = await listTables(this.#db, target.schema);
      const name =
        target.table ??
        assignNames([message.stream], tables, () => target.base).get(message.stream) ??
        message.stream;
      this.#claim(target.schema, name, message.stream, line);
      checkColumnLimit(message, line, `${target.schema}.${name}`);
      const ctx = { ...this.#ctx, schema: target.schema };
      this.#loaders.set(message.stream, await Loader.open(ctx, message, line, name));
      return;
    }
    if (loader.isSameSchema(message)) return;
    checkColumnLimit(message, line, loader.tableName);
    await this.#evolve(loader, message, line);
  }

  /**
   * A changed SCHEMA for a known stream: rows buffered under the old one are committed first
   * when the layout changes; the DDL waits for every running commit, then the table evolves.
   */
  async #evolve(loader: Loader, message: SchemaMessage, line: number): Promise<void> {
    if (loader.pendingRows > 0 && loader.needsFlushFor(message, line)) await this.#flush([loader]);
    await this.settle();
    await loader.applySchema(message, line);
    if (this.#overwrite?.isShadowed(loader) === true)
      await this.#overwrite.tableChanged(this.#db, loader);
  }

  async #ensureSchema(schema: string, stream: string, line: number): Promise<void> {
    if (this.#schemasReady.has(schema)) return;
    try {
      await ensureSchema(this.#db, schema);
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

  /**
   * Before a RECORD: stamps its `_sdc_*` values; the first versioned record of a stream first
   * adds the version columns (a SCHEMA change, so it may wait for a commit).
   */
  beforeRecord(message: RecordMessage, exact: LoadObject | undefined, line: number, now: number) {
    this.#flat?.record(message, exact);
    if (message.version !== undefined)
      this.#versions.recordVersion(message.stream, message.version);
    const schema = this.#meta.versionSchema(message);
    if (schema === undefined) {
      this.#meta.stamp(message, exact, now);
      return undefined;
    }
    return this.#applyMetaSchema(schema, line).then(() => this.#meta.stamp(message, exact, now));
  }

  async #applyMetaSchema(schema: SchemaMessage, line: number): Promise<void> {
    const loader = this.#loaders.get(schema.stream);
    if (loader === undefined) return;
    await this.#evolve(loader, schemaForMethod(schema, this.#config.load_method), line);
  }

  /**
   * Validates and buffers one RECORD; throws InputError naming line, stream and field, or (with a
   * dead letter) queues the record there and returns false.
   */
  add(
    message: RecordMessage,
    exact: LoadObject | undefined,
    clean: boolean,
    line: number,
    now: number,
  ): boolean {
    const loader = this.#loaders.get(message.stream);
    if (loader === undefined)
      throw new InputError(
        `record for stream ${message.stream} before SCHEMA (every stream needs a SCHEMA message first)`,
        { line, stream: message.stream },
      );
    try {
      this.#bufferedBytes += loader.add(message.record, exact, clean, line);
    } catch (error) {
      if (this.deadLetter === undefined || !isRecordError(error)) throw error;
      this.deadLetter.add(message.stream, message.record, error, line);
      return false;
    }
    this.#oldestAt ??= now;
    return true;
  }

  /** Commits the queued rejects (before a STATE is taken into account, and at the end). */
  async writeRejects(): Promise<void> {
    if (this.deadLetter?.pending !== true) return;
    await this.settle();
    const written = await this.deadLetter.write(this.#db);
    this.#log.warn(
      `${written} invalid record(s) written to _sdc_rejected (invalid_records: dead_letter)`,
    );
  }

  /**
   * ACTIVATE_VERSION (activate-version.ts): commits the stream's buffered rows, then retires
   * older versions in the next transaction of the one commit queue, so a STATE that follows the
   * message is written only after both. Unknown stream or disabled: a warning (once per stream).
   */
  async activateVersion(message: ActivateVersionMessage, line: number): Promise<void> {
    const loader = this.#loaders.get(message.stream);
    if (!this.#config.process_activate_version_messages || loader === undefined) {
      if (this.#warnedActivate.has(message.stream)) return;
      this.#warnedActivate.add(message.stream);
      this.#log.warn(
        `line ${line}, stream ${message.stream}: ACTIVATE_VERSION ${loader === undefined ? "for a stream without SCHEMA" : "ignored (process_activate_version_messages is false)"}; no rows are deleted`,
      );
      return;
    }
    if (this.#overwrite !== undefined) return; // the swap at the end replaces every row anyway
    const schema = this.#meta.markVersioned(message.stream);
    if (schema !== undefined) await this.#applyMetaSchema(schema, line);
    if (this.#versions.activate(message.stream, message.version))
      await this.#retire(loader, message.version);
    else
      this.#log.info(
        `stream ${loader.stream}: ACTIVATE_VERSION ${message.version} opens a new version; older rows are retired once it is activated after its records (or at the end of the run)`,
      );
  }

  async #retire(loader: Loader, version: number): Promise<void> {
    await this.#flush([loader]);
    await this.settle();
    const hard = this.#config.hard_delete;
    const retired = await this.#db.transaction((tx) =>
      retireOldVersions(tx, loader.loadTable, version, hard),
    );
    this.history?.deleted(loader.stream, retired);
    this.#log.info(
      `stream ${loader.stream}: ACTIVATE_VERSION ${version}: ${retired} rows of older versions ${hard ? "deleted" : "marked in _sdc_deleted_at"}`,
    );
  }

  /** End of input, after flushAll: overwrite streams' shadows replace their tables. */
  async finish(): Promise<void> {
    await this.settle();
    for (const [stream, version] of this.#versions.takeDeferred()) {
      const loader = this.#loaders.get(stream);
      if (loader !== undefined) await this.#retire(loader, version);
    }
    if (this.#overwrite === undefined) return;
    await this.#overwrite.swap(this.#db);
    this.#states.committed(this.#held.splice(0));
  }

  /**
   * Starts a flush when a limit is reached (`stream`: the one that just got a record); returns a
   * promise only when the caller must wait.
   */
  flushIfDue(now: number, stream: string | undefined): Promise<void> | undefined {
    if (this.#bufferedBytes >= this.#bytesLimit() || this.#isStale(now))
      return this.flushAll(false);
    const loader = stream === undefined ? undefined : this.#loaders.get(stream);
    if (loader !== undefined && loader.pendingRows >= this.#limits.rows)
      return this.#flush(this.#withBlockers(loader));
    return undefined;
  }

  /**
   * A full stream plus every stream whose buffered rows hold back the newest pending STATE, in
   * one flush: with interleaved streams, flushing only the full one would leave every
   * STATE waiting behind the others' small buffers until the end of the run.
   */
  #withBlockers(full: Loader): Loader[] {
    const chosen = new Set([full]);
    for (const stream of this.#states.blockingStreams()) {
      const loader = this.#loaders.get(stream);
      if (loader !== undefined) chosen.add(loader);
    }
    return [...chosen];
  }

  /** For the idle timer: flush when the oldest buffered record passed the age limit. */
  flushIfStale(now: number): Promise<void> | undefined {
    return this.#isStale(now) ? this.flushAll(false) : undefined;
  }

  /**
   * The first flushes ramp up from 1 MiB, doubling to `batch_size_bytes`: Postgres starts working
   * after a few milliseconds instead of waiting for a whole first batch to be parsed.
   */
  #bytesLimit(): number {
    return Math.min(this.#limits.bytes, FIRST_FLUSH_BYTES * 2 ** Math.min(this.#flushes, 20));
  }

  #isStale(now: number): boolean {
    return this.#oldestAt !== undefined && now - this.#oldestAt >= this.#limits.maxAgeMs;
  }

  /** Commits every buffered row; with `wait`, also waits until it is committed. */
  async flushAll(wait = true): Promise<void> {
    await this.#flush([...this.#loaders.values()]);
    if (wait) await this.settle();
  }

  /** Waits for every commit in flight; rethrows the first failure. */
  async settle(): Promise<void> {
    await this.#drain();
    if (this.#failure !== undefined) throw this.#failure.error;
  }

  /** Waits until no commit is running (commits never reject: failures land in #failure). */
  async #drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  /**
   * Seals the streams' buffers (in input order) and starts one commit per stream in the
   * background: each in its own transaction, at most `max_parallelism` at once (the pool's
   * size), a stream's batches in input order (each waits for the stream's previous commit).
   * Memory stays bounded: while sealed batches in flight hold `batch_size_bytes`, the next
   * flush waits for some of them to commit (back-pressure to stdin).
   */
  async #flush(loaders: readonly Loader[]): Promise<void> {
    const bytes = loaders.reduce((sum, loader) => sum + loader.pendingBytes, 0);
    while (this.#sealedBytes > 0 && this.#sealedBytes + bytes > this.#limits.bytes)
      await Promise.race(this.#inFlight);
    if (this.#failure !== undefined) throw this.#failure.error;
    let sealedAny = false;
    const group: FlushGroup = { open: 0, tickets: [] };
    for (const loader of loaders) {
      const before = loader.pendingBytes;
      const added = loader.pendingRows;
      const sealed = loader.seal();
      if (sealed === undefined) continue;
      sealedAny = true;
      this.#bufferedBytes -= before;
      this.#records.increment({ stream: loader.stream }, added); // per batch: cheap hot path
      group.open += 1;
      this.#start({ loader, sealed, ticket: this.#states.seal(loader.stream), group }, before);
    }
    if (loaders.length === this.#loaders.size || this.#bufferedBytes === 0)
      this.#oldestAt = undefined;
    if (sealedAny) this.#flushes += 1;
  }

  /** Queues a batch's commit behind its stream's previous one and tracks it until it ends. */
  #start(work: CommitWork, bytes: number): void {
    const previous = this.#tails.get(work.loader) ?? Promise.resolve();
    this.#sealedBytes += bytes;
    const commit = previous
      .then(() => {
        // After a failure nothing more is committed (a later batch must never land without an
        // earlier one of its stream); commits already running finish and write their STATE.
        if (this.#failure === undefined) return this.#commit(work);
        return undefined;
      })
      .catch((error: unknown) => {
        this.#failure ??= { error };
      })
      .finally(() => {
        this.#sealedBytes -= bytes;
        this.#inFlight.delete(commit);
        if (this.#tails.get(work.loader) === commit) this.#tails.delete(work.loader);
      });
    this.#inFlight.add(commit);
    this.#tails.set(work.loader, commit);
  }

  /** One stream's batch in one transaction; the STATE update follows its COMMIT. */
  async #commit({ loader, sealed, ticket, group }: CommitWork): Promise<void> {
    const started = performance.now();
    const wall = Date.now();
    const counts = await this.#withRetries(loader, () =>
      this.#db.transaction(async (tx) => {
        if (this.#overwrite !== undefined) await this.#overwrite.prepare(tx, loader);
        return loader.load(tx, sealed);
      }),
    );
    this.history?.committed(loader.stream, sealed.batch.rows, counts, wall);
    const took = Math.round(performance.now() - started);
    this.#log.info(
      `stream ${loader.stream}: committed ${sealed.batch.rows} rows (${sealed.batch.bytes} bytes) to ${loader.table} in ${took} ms`,
    );
    if (ticket !== undefined) group.tickets.push(ticket);
    group.open -= 1;
    if (group.open > 0) return;
    // The flush's states move together once all its streams committed: one STATE per flush, not
    // a burst of intermediate ones (writing later than possible is always safe).
    if (this.#overwrite === undefined) this.#states.committed(group.tickets);
    else this.#held.push(...group.tickets); // the rows are in shadow tables until finish()
  }

  /**
   * Runs a flush's transaction; when its connection fails (not a statement error), replays it
   * from the start on a new connection up to `flush_retries` times with a short backoff. The
   * sealed batch stays in memory until then, and no STATE moves before a COMMIT succeeds. The
   * final error names the table.
   */
  async #withRetries<T>(loader: Loader, run: () => Promise<T>): Promise<T> {
    const retries = this.#overwrite === undefined ? this.#config.flush_retries : 0;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await run();
      } catch (error) {
        if (!isConnectionError(error)) throw error;
        const message = error instanceof Error ? error.message : String(error);
        if (attempt >= retries) {
          const gaveUp =
            retries === 0
              ? ""
              : ` (gave up after ${attempt + 1} attempts, flush_retries is ${retries})`;
          if (error instanceof LoadError && error.table !== undefined)
            throw new LoadError(
              `${error.message}${gaveUp}`,
              {
                ...(error.code === undefined ? {} : { code: error.code }),
                table: error.table,
              },
              { ...error.context, cause: error },
            );
          throw new LoadError(
            `lost the database connection: ${message}; nothing of this batch was committed${gaveUp}`,
            {
              ...(error instanceof LoadError && error.code !== undefined
                ? { code: error.code }
                : {}),
              table: loader.tableName,
            },
            { stream: loader.stream, cause: error },
          );
        }
        const delay = Math.min(5000, 500 * 2 ** attempt);
        this.#log.warn(
          `flush of ${loader.tableName} failed on its connection (${message}); retrying from a new transaction in ${delay} ms (retry ${attempt + 1} of ${retries})`,
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /**
   * End of the run (also after a failure): waits for the commit in flight, so its STATE is
   * written, then closes the connection. A failure of that commit is logged when the run is
   * already failing for another reason.
   */
  async close(failing: boolean): Promise<void> {
    try {
      await this.#drain();
      if (failing && this.#failure !== undefined)
        this.#log.error(`also failed while committing: ${String(this.#failure.error)}`);
    } finally {
      this.#records.flush();
      await this.#db.close();
    }
  }
}
