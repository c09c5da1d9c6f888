import type { LoadCounts } from "./batch-load.js";
import type { Db, DbSession } from "./db.js";
import { ensureOwnTable } from "./ddl.js";
import { qualified } from "./identifiers.js";

/** The target-owned table of commit markers, in the target schema (a reserved name). */
export const COMMIT_MARKER_TABLE = "_sdc_commits";

/** Markers older than this belong to runs long over (killed ones included) and are removed. */
const KEEP_DAYS = 7;

/** What checking a batch's marker after a lost connection found. */
export type CommitOutcome =
  | { readonly committed: true; readonly counts: LoadCounts }
  | { readonly committed: false };

/**
 * Exactly-once commits. Every batch transaction inserts a marker row (load id, batch sequence,
 * the counts it changed) as its last statement, so the marker commits if and only if the batch
 * does. When the connection is lost at or before COMMIT the outcome is unknown: a new connection
 * reads the marker back, and only a batch without one is replayed. The counts of a committed batch
 * come from its marker, so the load history counts what committed, once.
 */
export class CommitMarkers {
  readonly #schema: string;
  readonly #table: string;
  readonly #loadId: string;
  #sequence = 0;
  #started = false;
  #ready: Promise<void> | undefined;

  constructor(schema: string, loadId: string) {
    this.#schema = schema;
    this.#table = qualified(schema, COMMIT_MARKER_TABLE);
    this.#loadId = loadId;
  }

  /** `schema.table`, unquoted, for messages. */
  get label(): string {
    return `${this.#schema}.${COMMIT_MARKER_TABLE}`;
  }

  get loadId(): string {
    return this.#loadId;
  }

  /** Before the first batch: creates the table if needed and removes markers older than a week
   * (so a run that commits nothing creates nothing). */
  ready(db: Db): Promise<void> {
    this.#ready ??= this.#create(db).catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async #create(db: Db): Promise<void> {
    await ensureOwnTable(
      db,
      this.#schema,
      COMMIT_MARKER_TABLE,
      `CREATE TABLE IF NOT EXISTS ${this.#table} (
      load_id uuid NOT NULL,
      batch bigint NOT NULL,
      stream text NOT NULL,
      rows integer NOT NULL,
      inserted integer NOT NULL,
      updated integer NOT NULL,
      deleted integer NOT NULL,
      committed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (load_id, batch))`,
    );
    await db.query(
      `DELETE FROM ${this.#table} WHERE committed_at < now() - interval '${KEEP_DAYS} days'`,
    );
    this.#started = true;
  }

  /** The next batch's sequence number in this load (1, 2, …). */
  next(): number {
    this.#sequence += 1;
    return this.#sequence;
  }

  /** Inside the batch's transaction, after its last statement. */
  async write(
    tx: DbSession,
    batch: number,
    stream: string,
    rows: number,
    counts: LoadCounts,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.#table} (load_id, batch, stream, rows, inserted, updated, deleted) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      // text cannot hold U+0000 (a NUL in a stream name): U+FFFD, as in loaded values.
      [
        this.#loadId,
        batch,
        stream.replaceAll("\u0000", "\ufffd"),
        rows,
        counts.inserted,
        counts.updated,
        counts.deleted,
      ],
    );
  }

  /** Reads the batch's marker on a new connection: found means the batch committed. */
  async check(db: Db, batch: number): Promise<CommitOutcome> {
    // The table is made before any batch transaction runs: without it nothing committed.
    if (!this.#started) return { committed: false };
    const rows = await db.query<{ inserted: number; updated: number; deleted: number }>(
      `SELECT inserted, updated, deleted FROM ${this.#table} WHERE load_id = $1 AND batch = $2`,
      [this.#loadId, batch],
    );
    const row = rows[0];
    if (row === undefined) return { committed: false };
    return {
      committed: true,
      counts: {
        inserted: Number(row.inserted),
        updated: Number(row.updated),
        deleted: Number(row.deleted),
      },
    };
  }

  /** The run is over: its markers are no longer needed. */
  async finish(db: Db): Promise<void> {
    if (!this.#started) return;
    await db.query(`DELETE FROM ${this.#table} WHERE load_id = $1`, [this.#loadId]);
  }
}
