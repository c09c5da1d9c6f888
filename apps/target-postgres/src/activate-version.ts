import { type ActivateVersionMessage, LoadError, type Logger } from "@singerkit/singer";
import type { Batcher } from "./batcher.js";
import type { CommitMarkers } from "./commit-markers.js";
import type { CommitQueue } from "./commit-queue.js";
import { type Db, type DbSession, isConnectionError } from "./db.js";
import { quoteIdent } from "./identifiers.js";
import type { Loader } from "./loader.js";
import { DELETED_AT, TABLE_VERSION } from "./record-metadata.js";
import type { RecordPreparation } from "./record-prep.js";
import { commitExactlyOnce, type RetryOptions } from "./retry.js";
import type { SchemaChanges } from "./schema-changes.js";
import type { StreamRegistry } from "./stream-registry.js";

/**
 * ACTIVATE_VERSION: rows of an older table version (or of none: NULL) leave the table.
 * Hard: DELETE. Soft: `_sdc_deleted_at` is set to the transaction time, only on rows not yet
 * marked, so a row's deletion time never moves (MeltanoLabs #204/#225). Strictly older (`<`):
 * `<=` deleted the rows just loaded (SDK #2227). Returns the number of rows deleted or marked.
 * The table is locked first (SHARE ROW EXCLUSIVE: other writers wait, readers do not), so the
 * DELETE never holds row locks that another process's merge into the same rows waits on while
 * holding rows it needs (a deadlock: the merge locks in input order, the DELETE in heap order).
 */
export async function retireOldVersions(
  tx: DbSession,
  table: string,
  version: number,
  hard: boolean,
): Promise<number> {
  const older = `(${quoteIdent(TABLE_VERSION)} < $1 OR ${quoteIdent(TABLE_VERSION)} IS NULL)`;
  const sql = hard
    ? `WITH d AS (DELETE FROM ${table} WHERE ${older} RETURNING 1) SELECT count(*)::int AS n FROM d`
    : `WITH d AS (UPDATE ${table} SET ${quoteIdent(DELETED_AT)} = now() WHERE ${older} AND ${quoteIdent(DELETED_AT)} IS NULL RETURNING 1) SELECT count(*)::int AS n FROM d`;
  await tx.query(`LOCK TABLE ${table} IN SHARE ROW EXCLUSIVE MODE`);
  const [row] = await tx.query<{ n: number }>(sql, [version]);
  return row?.n ?? 0;
}

/**
 * Opening vs closing ACTIVATE_VERSION. Taps send one before a FULL_TABLE sync's records (tap-secoda,
 * singer-python on a first sync) and one after. Retiring older rows at the opening one would empty
 * the table until the new version has loaded (and leave it so if the run dies). So a message whose
 * version no record and no earlier message of this run carried is deferred: the next message for
 * that version (after its records) retires, and a deferral still open at the end of a successful
 * run is applied then (a stream with no records, or a tap that sends only the opening one).
 */
export class VersionTracker {
  readonly #last = new Map<string, number>();
  readonly #deferred = new Map<string, number>();

  recordVersion(stream: string, version: number): void {
    if (this.#last.get(stream) !== version) this.#last.set(stream, version);
  }

  /** The version the stream's last record or ACTIVATE_VERSION of this run carried. */
  current(stream: string): number | undefined {
    return this.#last.get(stream);
  }

  /** True: retire older versions now; false: deferred (an opening message). */
  activate(stream: string, version: number): boolean {
    const opening = this.#last.get(stream) !== version;
    this.#last.set(stream, version);
    if (opening) this.#deferred.set(stream, version);
    else this.#deferred.delete(stream);
    return !opening;
  }

  /** The deferrals still open (end of a successful run); clears them. */
  takeDeferred(): [string, number][] {
    const out = [...this.#deferred];
    this.#deferred.clear();
    return out;
  }
}

export interface ActivationOptions {
  readonly enabled: boolean;
  readonly hardDelete: boolean;
  /** load_method overwrite: the swap at the end replaces every row anyway. */
  readonly overwrite: boolean;
}

/**
 * ACTIVATE_VERSION: the stream's buffered rows are committed first, then older versions are
 * retired in their own transaction, so a STATE that follows the message is written only after
 * both. Opening messages are deferred (VersionTracker) and retired at the end of a successful run.
 * Unknown stream or disabled: a warning, once per stream.
 */
export class VersionActivation {
  readonly #options: ActivationOptions;
  readonly #db: Db;
  readonly #log: Logger;
  readonly #retry: RetryOptions;
  readonly #markers: CommitMarkers;
  readonly #streams: StreamRegistry;
  readonly #prep: RecordPreparation;
  readonly #schemas: SchemaChanges;
  readonly #batcher: Batcher;
  readonly #queue: CommitQueue;
  readonly #deleted: (stream: string, rows: number) => void;
  readonly #warned = new Set<string>();

  constructor(
    options: ActivationOptions,
    collaborators: {
      readonly db: Db;
      /** A lost connection: the retirement's marker says whether it committed (retry.ts). */
      readonly retry: RetryOptions;
      readonly markers: CommitMarkers;
      readonly streams: StreamRegistry;
      readonly prep: RecordPreparation;
      readonly schemas: SchemaChanges;
      readonly batcher: Batcher;
      readonly queue: CommitQueue;
      /** Told of the rows each retirement deleted or marked (load history). */
      readonly deleted: (stream: string, rows: number) => void;
    },
  ) {
    this.#options = options;
    this.#db = collaborators.db;
    this.#log = collaborators.retry.log;
    this.#retry = collaborators.retry;
    this.#markers = collaborators.markers;
    this.#streams = collaborators.streams;
    this.#prep = collaborators.prep;
    this.#schemas = collaborators.schemas;
    this.#batcher = collaborators.batcher;
    this.#queue = collaborators.queue;
    this.#deleted = collaborators.deleted;
  }

  async activate(message: ActivateVersionMessage, line: number): Promise<void> {
    const loader = this.#streams.get(message.stream);
    if (!this.#options.enabled || loader === undefined) {
      if (this.#warned.has(message.stream)) return;
      this.#warned.add(message.stream);
      this.#log.warn(
        `line ${line}, stream ${message.stream}: ACTIVATE_VERSION ${loader === undefined ? "for a stream without SCHEMA" : "ignored (process_activate_version_messages is false)"}; no rows are deleted`,
      );
      return;
    }
    if (this.#options.overwrite) return;
    const schema = this.#prep.markVersioned(message.stream);
    if (schema !== undefined) await this.#schemas.evolve(schema, line);
    if (this.#prep.versions.activate(message.stream, message.version))
      await this.#retire(loader, message.version, line);
    else
      this.#log.info(
        `stream ${loader.stream}: ACTIVATE_VERSION ${message.version} opens a new version; older rows are retired once it is activated after its records (or at the end of the run)`,
      );
  }

  /** End of a successful run: the deferred (opening) messages retire older rows now. */
  async finish(): Promise<void> {
    for (const [stream, version] of this.#prep.versions.takeDeferred()) {
      const loader = this.#streams.get(stream);
      if (loader !== undefined) await this.#retire(loader, version);
    }
  }

  /**
   * One transaction ending with a commit marker, like a batch: after a lost connection the
   * marker says whether it committed (and how many rows it retired), so it is never run twice.
   */
  async #retire(loader: Loader, version: number, line?: number): Promise<void> {
    await this.#batcher.flush([loader]);
    await this.#queue.settle();
    const hard = this.#options.hardDelete;
    const markers = this.#markers;
    const sequence = markers.next();
    const retired = await commitExactlyOnce(
      {
        run: async () => {
          await markers.ready(this.#db);
          return this.#db
            .transaction(async (tx) => {
              const n = await retireOldVersions(tx, loader.into, version, hard);
              await markers.write(tx, sequence, loader.stream, 0, {
                inserted: 0,
                updated: 0,
                deleted: n,
              });
              return n;
            })
            .catch((error: unknown) => {
              throw retireError(error, loader, line);
            });
        },
        check: () => markers.check(this.#db, sequence),
        fromMarker: (outcome) => outcome.counts.deleted,
        name: `batch ${sequence} of load ${markers.loadId} (${markers.label})`,
        doing: `ACTIVATE_VERSION ${version} of ${loader.label}`,
      },
      { stream: loader.stream, label: loader.label, ...(line === undefined ? {} : { line }) },
      this.#retry,
    );
    this.#deleted(loader.stream, retired);
    this.#log.info(
      `stream ${loader.stream}: ACTIVATE_VERSION ${version}: ${retired} rows of older versions ${hard ? "deleted" : "marked in _sdc_deleted_at"}`,
    );
  }
}

/** A failed retirement names table, stream and line; a statement error says nothing changed. */
function retireError(error: unknown, loader: Loader, line: number | undefined): LoadError {
  const message = error instanceof Error ? error.message : String(error);
  // A lost connection's outcome is decided by the commit marker (retry.ts), not here.
  const known = isConnectionError(error) ? "" : "; no rows were retired";
  return new LoadError(
    `${message}${known}`,
    {
      ...(error instanceof LoadError && error.code !== undefined ? { code: error.code } : {}),
      table: loader.label,
    },
    { stream: loader.stream, ...(line === undefined ? {} : { line }), cause: error },
  );
}
