import { randomUUID } from "node:crypto";
import {
  type Clock,
  describeUnknown,
  type Logger,
  SingerError,
  systemClock,
} from "@singerkit/singer";
import type { LoadCounts } from "./batch-load.js";
import type { Db } from "./db.js";
import { ensureOwnTable } from "./ddl.js";
import { qualified } from "./identifiers.js";
import type { OffSchemaLog } from "./off-schema.js";
import { type RetryOptions, retryIdempotent } from "./retry.js";

export interface LoadHistoryOptions {
  /** Told of every commit as it happens (the progress reporter). */
  readonly committed?: (stream: string, rows: number) => void;
  readonly clock?: Clock;
  /** Off-schema values per stream, for the summary and the `streams` column. */
  readonly offSchema?: OffSchemaLog;
}

export type Outcome = "succeeded" | "failed" | "interrupted";

interface StreamStats {
  rows: number;
  inserted: number;
  updated: number;
  deleted: number;
  first: number;
  last: number;
}

/**
 * Per-stream counts of committed rows, the load summary printed at exit, and the load history
 * table: one row per run, inserted as `interrupted` when the run starts (so a run killed with
 * SIGKILL stays recorded as interrupted) and updated at its end with the outcome, the counts,
 * the last STATE written and the error text (through the logger's redact(), never a secret).
 */
export class LoadHistory {
  readonly id = randomUUID();
  readonly #log: Logger;
  readonly #table: string | undefined;
  readonly #schema: string;
  readonly #clock: Clock;
  readonly #started: number;
  readonly #streams = new Map<string, StreamStats>();
  readonly #listener: LoadHistoryOptions["committed"];
  readonly #offSchema: OffSchemaLog | undefined;
  /** The last STATE written, as printed (numbers as written). */
  #lastState: string | null = null;
  #recorded = false;
  readonly #name: string;

  constructor(log: Logger, schema: string, table: string, options: LoadHistoryOptions = {}) {
    this.#log = log;
    this.#listener = options.committed;
    this.#offSchema = options.offSchema;
    this.#clock = options.clock ?? systemClock;
    this.#started = this.#clock.now();
    this.#schema = schema;
    this.#name = table;
    this.#table = table === "" ? undefined : qualified(schema, table);
  }

  /** A batch of `rows` records of `stream` was committed (`started`: when its commit began). */
  committed(stream: string, rows: number, counts: LoadCounts, started: number): void {
    const now = this.#clock.now();
    const stats = this.#streams.get(stream) ?? {
      rows: 0,
      inserted: 0,
      updated: 0,
      deleted: 0,
      first: started,
      last: now,
    };
    stats.rows += rows;
    stats.inserted += counts.inserted;
    stats.updated += counts.updated;
    stats.deleted += counts.deleted;
    stats.last = now;
    this.#streams.set(stream, stats);
    if (rows > 0) this.#listener?.(stream, rows);
  }

  /** Rows deleted or soft-deleted by ACTIVATE_VERSION. */
  deleted(stream: string, rows: number): void {
    this.committed(stream, 0, { inserted: 0, updated: 0, deleted: rows }, this.#clock.now());
  }

  stateWritten(text: string): void {
    this.#lastState = text;
  }

  /**
   * Creates the table if needed and records the run as started; both are rerun after a lost
   * connection (the row's INSERT does nothing when an earlier attempt committed it).
   */
  async start(db: Db, retry: RetryOptions): Promise<void> {
    if (this.#table === undefined) return;
    const table = this.#table;
    const call = { label: `${this.#schema}.${this.#name}` };
    await retryIdempotent(
      { ...call, doing: "creating the load history table" },
      () =>
        ensureOwnTable(
          db,
          this.#schema,
          this.#name,
          `CREATE TABLE IF NOT EXISTS ${this.#table} (
      load_id uuid PRIMARY KEY,
      started_at timestamptz NOT NULL,
      ended_at timestamptz,
      streams jsonb NOT NULL DEFAULT '{}',
      last_state jsonb,
      outcome text NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'interrupted')),
      error text)`,
        ),
      retry,
    );
    await retryIdempotent(
      { ...call, doing: "recording the load as started" },
      () =>
        db.query(
          `INSERT INTO ${table} (load_id, started_at, outcome) VALUES ($1, $2, 'interrupted') ON CONFLICT (load_id) DO NOTHING`,
          [this.id, new Date(this.#started).toISOString()],
        ),
      retry,
    );
    this.#recorded = true;
  }

  /**
   * Records the end of the run (an UPDATE of absolute values: rerun after a lost connection); a
   * failure to do so is a warning (the run's outcome stands).
   */
  async finish(db: Db, outcome: Outcome, error: unknown, retry: RetryOptions): Promise<void> {
    this.#summary(outcome);
    if (!this.#recorded || this.#table === undefined) return;
    const text = error === undefined ? null : this.#log.redact(errorText(error));
    const streams = this.#streamsJson();
    const table = this.#table;
    const call = { label: `${this.#schema}.${this.#name}`, doing: "recording the load's end" };
    try {
      await retryIdempotent(
        call,
        () =>
          db.query(
            `UPDATE ${table} SET ended_at = now(), streams = $2, last_state = $3, outcome = $4, error = $5 WHERE load_id = $1`,
            [
              this.id,
              withoutNul(JSON.stringify(streams)),
              this.#lastState === null ? null : withoutNul(this.#lastState),
              outcome,
              text,
            ],
          ),
        retry,
      );
    } catch (failure) {
      this.#log.warn(`could not record the load in ${this.#table}: ${String(failure)}`);
    }
  }

  /** `streams`: per stream the counts, and `off_schema` when some values were (a key inside the
   * jsonb column, so tables made by earlier versions need no new column). */
  #streamsJson(): Record<string, object> {
    const streams: Record<string, object> = {};
    for (const [stream, s] of this.#streams)
      streams[stream] = {
        rows: s.rows,
        inserted: s.inserted,
        updated: s.updated,
        deleted: s.deleted,
      };
    for (const [stream, report] of this.#offSchema?.report() ?? [])
      streams[stream] = { ...(streams[stream] ?? { rows: 0 }), off_schema: report };
    return streams;
  }

  /** The load summary on stderr: per stream rows and time, then total rows and rows/s. */
  #summary(outcome: Outcome): void {
    const seconds = (this.#clock.now() - this.#started) / 1000;
    let total = 0;
    for (const [stream, s] of this.#streams) {
      total += s.rows;
      this.#log.info(
        `load summary: stream ${stream}: ${s.rows} rows (${s.inserted} inserted, ${s.updated} updated, ${s.deleted} deleted) in ${((s.last - s.first) / 1000).toFixed(1)} s${this.#offSchema?.summary(stream) ?? ""}`,
      );
    }
    const rate = seconds > 0 ? Math.round(total / seconds) : total;
    this.#log.info(
      `load summary: ${outcome}, load ${this.id}: ${total} rows in ${seconds.toFixed(1)} s (${rate} rows/s)`,
    );
  }
}

/**
 * jsonb cannot hold U+0000 (a NUL in a stream name or a STATE value would fail the history
 * UPDATE): its escape becomes U+FFFD's, as in loaded values. An escaped backslash followed by
 * `u0000` is text, not a NUL, and stays.
 */
export function withoutNul(json: string): string {
  return json.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, "$1\\ufffd");
}

/** The FATAL line's text: with line, stream and field for the target's own errors. */
function errorText(error: unknown): string {
  return error instanceof SingerError ? error.describe() : describeUnknown(error);
}
