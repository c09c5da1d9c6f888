import type {
  ActivateVersionMessage,
  Clock,
  JsonObject,
  Logger,
  RecordMessage,
  SchemaMessage,
} from "@singerkit/singer";
import { VersionActivation } from "./activate-version.js";
import { batchCommitter } from "./batch-commit.js";
import { Batcher } from "./batcher.js";
import type { CommitMarkers } from "./commit-markers.js";
import { CommitQueue } from "./commit-queue.js";
import { type TargetConfig, validationPolicy } from "./config.js";
import type { Db } from "./db.js";
import { DeadLetter, isRecordError } from "./dead-letter.js";
import type { LoadObject } from "./exact-json.js";
import type { LoadHistory } from "./load-history.js";
import { Overwrite } from "./load-method.js";
import { nestedTooDeeply } from "./nesting.js";
import type { OffSchemaLog } from "./off-schema.js";
import { RecordPreparation } from "./record-prep.js";
import { SchemaChanges } from "./schema-changes.js";
import type { StateTracker } from "./state-tracker.js";
import { StreamRegistry } from "./stream-registry.js";

interface Collaborators {
  readonly db: Db;
  readonly log: Logger;
  readonly states: StateTracker;
  readonly prep: RecordPreparation;
  readonly streams: StreamRegistry;
  readonly schemas: SchemaChanges;
  readonly batcher: Batcher;
  readonly queue: CommitQueue;
  readonly activation: VersionActivation;
  readonly overwrite: Overwrite | undefined;
  /** `invalid_records: dead_letter`: where rejected records go instead of failing the run. */
  readonly deadLetter: DeadLetter | undefined;
  /** Told of every RECORD read (the progress reporter). */
  readonly counted: (stream: string) => void;
}

/**
 * The target's data path, one method per message type, over the units that each own one step:
 * record-prep.ts (flatten, metadata, versions), schema-changes.ts and stream-registry.ts (SCHEMA
 * → table), loader.ts (encode into the stream's batch), batcher.ts with batch-policy.ts (when to
 * flush), commit-queue.ts (commit order, in-flight bound, failure latch, STATE tickets),
 * batch-commit.ts and batch-load.ts (the transaction), activate-version.ts, dead-letter.ts.
 */
export class Pipeline {
  readonly #c: Collaborators;

  constructor(collaborators: Collaborators) {
    this.#c = collaborators;
  }

  schema(message: SchemaMessage, line: number): Promise<void> {
    return this.#c.schemas.apply(this.#c.prep.schema(message), line);
  }

  /**
   * Prepares, validates and buffers one RECORD; returns a promise only when the first versioned
   * record of a stream must wait for its version columns. An invalid record fails with an
   * InputError naming line, stream and field, or (with a dead letter) is queued there and not
   * counted for the STATE watermark.
   */
  record(
    message: RecordMessage,
    exact: LoadObject | undefined,
    clean: boolean,
    line: number,
    now: number,
  ): Promise<void> | undefined {
    const change = this.#c.prep.versionChange(message);
    if (change === undefined) return this.#add(message, exact, clean, line, now);
    return this.#c.schemas
      .evolve(change, line)
      .then(() => this.#add(message, exact, clean, line, now));
  }

  #add(
    message: RecordMessage,
    exact: LoadObject | undefined,
    clean: boolean,
    line: number,
    now: number,
  ): undefined {
    const { prep, streams, deadLetter } = this.#c;
    const loader = streams.require(message.stream, line);
    let bytes: number;
    try {
      prep.prepare(message, exact, now);
    } catch (error) {
      // A recursive helper overflowed the stack on a deep value.
      if (error instanceof RangeError)
        throw nestedTooDeeply(message.record, { line, stream: message.stream }, error);
      throw error;
    }
    this.#c.counted(message.stream);
    try {
      bytes = loader.add(message.record, exact, clean, line);
    } catch (error) {
      // A recursive helper overflowed the stack on a deep value (input.ts refuses the deepest).
      if (error instanceof RangeError)
        throw nestedTooDeeply(message.record, { line, stream: message.stream }, error);
      if (deadLetter === undefined || !isRecordError(error)) throw error;
      deadLetter.add(message.stream, message.record, error, line);
      return undefined;
    }
    this.#c.batcher.added(bytes, now);
    this.#c.states.recordSeen(message.stream);
    return undefined;
  }

  /**
   * The table version a record without one belongs to: the one of the stream's last RECORD or
   * ACTIVATE_VERSION in this run (BATCH files hold bare records, so their rows take it; otherwise
   * the closing ACTIVATE_VERSION would retire the rows just loaded as "no version").
   */
  currentVersion(stream: string): number | undefined {
    return this.#c.prep.versions.current(stream);
  }

  /** A STATE: the rejects before it are committed first, then the StateTracker takes it. */
  async state(value: JsonObject, text: string | undefined): Promise<void> {
    await this.#writeRejects();
    this.#c.states.stateSeen(value, text);
  }

  activateVersion(message: ActivateVersionMessage, line: number): Promise<void> {
    return this.#c.activation.activate(message, line);
  }

  /** After every message: flush when a limit is reached; a promise only when the loop must wait. */
  flushIfDue(now: number, stream: string | undefined): Promise<void> | undefined {
    return this.#c.batcher.flushIfDue(now, stream);
  }

  /** The tap is quiet: flush when the oldest buffered record passed the age limit. */
  idle(now: number): Promise<void> | undefined {
    return this.#c.batcher.flushIfStale(now);
  }

  /** End of input (or a stop): commits every buffered row and the queued rejects. */
  async endOfInput(): Promise<void> {
    await this.#c.batcher.flushAll();
    await this.#writeRejects();
  }

  /** A successful run's end: deferred ACTIVATE_VERSIONs, then overwrite shadows replace tables. */
  async finish(): Promise<void> {
    await this.#c.queue.settle();
    await this.#c.activation.finish();
    if (this.#c.overwrite === undefined) return;
    await this.#c.overwrite.swap(this.#c.db);
    this.#c.queue.releaseHeld();
  }

  /** Waits for every commit in flight; rethrows the first failure. */
  settle(): Promise<void> {
    return this.#c.queue.settle();
  }

  /**
   * End of the run (also after a failure): waits for the commits in flight, so their STATE is
   * written, then closes the connection. A commit failure is logged when the run is already
   * failing for another reason (`error`, the one the FATAL line reports); the same error is not
   * logged twice.
   */
  async close(failing: boolean, error?: unknown): Promise<void> {
    try {
      await this.#c.queue.drain();
      const failure = this.#c.queue.failure;
      if (failing && failure !== undefined && failure.error !== error)
        this.#c.log.error(`also failed while committing: ${String(failure.error)}`);
    } finally {
      this.#c.batcher.close();
      await this.#c.db.close();
    }
  }

  async #writeRejects(): Promise<void> {
    const { deadLetter } = this.#c;
    if (deadLetter?.pending !== true) return;
    await this.#c.queue.settle();
    const written = await deadLetter.write(this.#c.db);
    this.#c.log.warn(
      `${written} invalid record(s) written to _sdc_rejected (invalid_records: dead_letter)`,
    );
  }
}

/** Builds the pipeline's units for one run and wires them together. */
export function createPipeline(
  db: Db,
  config: TargetConfig,
  run: {
    readonly log: Logger;
    readonly clock: Clock;
    readonly states: StateTracker;
    readonly history: LoadHistory;
    readonly offSchema: OffSchemaLog;
    readonly markers: CommitMarkers;
    readonly counted: (stream: string) => void;
  },
): Pipeline {
  const { log, clock, states, history, markers } = run;
  const overwrite = config.load_method === "overwrite" ? new Overwrite(log) : undefined;
  // A new connection has none of the lost session's overwrite shadows: nothing is rerun then.
  const retry = { retries: overwrite === undefined ? config.flush_retries : 0, clock, log };
  const prep = new RecordPreparation(config);
  const streams = new StreamRegistry(db, config, {
    db,
    log,
    validate: validationPolicy(config),
    nul: config.nul_handling,
    offSchema: run.offSchema,
    retry,
  });
  const queue = new CommitQueue(states, config.batch_size_bytes, overwrite !== undefined);
  const commit = batchCommitter({
    db,
    retry,
    hardDelete: config.hard_delete,
    overwrite,
    markers,
    committed: (stream, rows, counts, started) => history.committed(stream, rows, counts, started),
  });
  const limits = {
    rows: config.batch_size_rows,
    bytes: config.batch_size_bytes,
    maxAgeMs: config.batch_max_age_seconds * 1000,
  };
  const batcher = new Batcher(limits, { streams, states, queue, commit, log });
  const schemas = new SchemaChanges({ db, streams, batcher, queue, overwrite });
  const activation = new VersionActivation(
    {
      enabled: config.process_activate_version_messages,
      hardDelete: config.hard_delete,
      overwrite: overwrite !== undefined,
    },
    {
      db,
      retry,
      markers,
      streams,
      prep,
      schemas,
      batcher,
      queue,
      deleted: (stream, rows) => history.deleted(stream, rows),
    },
  );
  const deadLetter =
    config.invalid_records === "dead_letter"
      ? new DeadLetter(config.default_target_schema, { retry, markers })
      : undefined;
  return new Pipeline({
    db,
    log,
    states,
    prep,
    streams,
    schemas,
    batcher,
    queue,
    activation,
    overwrite,
    deadLetter,
    counted: run.counted,
  });
}
