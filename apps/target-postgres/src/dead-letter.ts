import { InputError, type JsonObject, type SingerError } from "@singerkit/singer";
import type { CommitMarkers } from "./commit-markers.js";
import type { Db } from "./db.js";
import { ensureOwnTable } from "./ddl.js";
import { qualified } from "./identifiers.js";
import { NestedTooDeeplyError } from "./record-encoder.js";
import { commitExactlyOnce, type RetryOptions, retryIdempotent } from "./retry.js";

export const REJECTED_TABLE = "_sdc_rejected";

interface Rejected {
  readonly stream: string;
  readonly record: string;
  readonly error: string;
  readonly line: number;
}

/**
 * `invalid_records: "dead_letter"`: a record that fails validation (or lacks a key, or holds a
 * NUL under `nul_handling: fail`) is not loaded; it goes to `_sdc_rejected` in the target schema
 * with its stream, the record as jsonb, the error and its input line. Rejects are queued and
 * written in one INSERT before the next STATE is taken into account and at end of input, so a
 * STATE is never printed before the rejects that came before it are committed. The INSERT's
 * transaction ends with a commit marker (commit-markers.ts): after a lost connection the marker
 * says whether the rows are in, so they are inserted exactly once.
 */
export class DeadLetter {
  readonly #schema: string;
  readonly #retry: RetryOptions;
  readonly #markers: CommitMarkers;
  #queue: Rejected[] = [];
  #ready = false;
  count = 0;

  constructor(
    schema: string,
    run: { readonly retry: RetryOptions; readonly markers: CommitMarkers },
  ) {
    this.#schema = schema;
    this.#retry = run.retry;
    this.#markers = run.markers;
  }

  get pending(): boolean {
    return this.#queue.length > 0;
  }

  add(stream: string, record: JsonObject, error: SingerError, line: number): void {
    // jsonb cannot hold U+0000: the raw record keeps U+FFFD in its place.
    const text = JSON.stringify(record).replaceAll("\\u0000", "\\ufffd");
    this.#queue.push({
      stream,
      record: text,
      error: error.describe().replaceAll("\u0000", "\ufffd"),
      line,
    });
    this.count += 1;
  }

  /** Writes the queue; returns how many rows. */
  async write(db: Db): Promise<number> {
    if (this.#queue.length === 0) return 0;
    const table = qualified(this.#schema, REJECTED_TABLE);
    const label = `${this.#schema}.${REJECTED_TABLE}`;
    const rows = this.#queue;
    this.#queue = [];
    if (!this.#ready) {
      await retryIdempotent(
        { doing: "creating the dead-letter table", label },
        () => ensureOwnTable(db, this.#schema, REJECTED_TABLE, createSql(table)),
        this.#retry,
      );
      this.#ready = true;
    }
    const markers = this.#markers;
    const sequence = markers.next();
    const counts = { inserted: rows.length, updated: 0, deleted: 0 };
    await commitExactlyOnce(
      {
        run: async () => {
          await markers.ready(db);
          await db.transaction(async (tx) => {
            await tx.query(
              `INSERT INTO ${table} (load_id, stream, record, error, line)
               SELECT $1, r.stream, r.record::jsonb, r.error, r.line
                 FROM jsonb_to_recordset($2::jsonb) AS r(stream text, record text, error text, line bigint)`,
              [markers.loadId, JSON.stringify(rows)],
            );
            await markers.write(tx, sequence, REJECTED_TABLE, rows.length, counts);
          });
        },
        check: () => markers.check(db, sequence),
        fromMarker: () => undefined,
        name: `batch ${sequence} of load ${markers.loadId} (${markers.label})`,
        doing: `writing ${rows.length} invalid record(s) (lines ${rows[0]?.line}-${rows.at(-1)?.line}) to ${label}`,
      },
      { label },
      this.#retry,
    );
    return rows.length;
  }
}

function createSql(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
    id bigserial PRIMARY KEY,
    load_id uuid NOT NULL,
    rejected_at timestamptz NOT NULL DEFAULT now(),
    stream text NOT NULL,
    record jsonb NOT NULL,
    error text NOT NULL,
    line bigint NOT NULL)`;
}

/** Errors that reject a record (its content), as opposed to errors of the input or database. */
export function isRecordError(error: unknown): error is InputError {
  return error instanceof InputError && !(error instanceof NestedTooDeeplyError);
}
