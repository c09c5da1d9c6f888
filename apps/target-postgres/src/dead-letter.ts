import { InputError, type JsonObject, type SingerError } from "@singerkit/singer";
import type { Db } from "./db.js";
import { ensureOwnTable } from "./ddl.js";
import { qualified } from "./identifiers.js";
import { NestedTooDeeplyError } from "./record-encoder.js";

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
 * STATE is never printed before the rejects that came before it are committed.
 */
export class DeadLetter {
  readonly #schema: string;
  readonly #loadId: string;
  #queue: Rejected[] = [];
  #ready = false;
  count = 0;

  constructor(schema: string, loadId: string) {
    this.#schema = schema;
    this.#loadId = loadId;
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
    const rows = this.#queue;
    this.#queue = [];
    if (!this.#ready) {
      await ensureOwnTable(
        db,
        this.#schema,
        REJECTED_TABLE,
        `CREATE TABLE IF NOT EXISTS ${table} (
        id bigserial PRIMARY KEY,
        load_id uuid NOT NULL,
        rejected_at timestamptz NOT NULL DEFAULT now(),
        stream text NOT NULL,
        record jsonb NOT NULL,
        error text NOT NULL,
        line bigint NOT NULL)`,
      );
      this.#ready = true;
    }
    await db.query(
      `INSERT INTO ${table} (load_id, stream, record, error, line)
       SELECT $1, r.stream, r.record::jsonb, r.error, r.line
         FROM jsonb_to_recordset($2::jsonb) AS r(stream text, record text, error text, line bigint)`,
      [this.#loadId, JSON.stringify(rows)],
    );
    return rows.length;
  }
}

/** Errors that reject a record (its content), as opposed to errors of the input or database. */
export function isRecordError(error: unknown): error is InputError {
  return error instanceof InputError && !(error instanceof NestedTooDeeplyError);
}
