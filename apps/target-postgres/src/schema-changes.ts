import type { SchemaMessage } from "@singerkit/singer";
import type { Batcher } from "./batcher.js";
import type { CommitQueue } from "./commit-queue.js";
import type { Db } from "./db.js";
import type { Overwrite } from "./load-method.js";
import { checkColumnLimit, type StreamRegistry } from "./stream-registry.js";

/**
 * The order of a SCHEMA (as loaded, after record-prep.ts): a new stream opens its table; for a
 * known stream an identical SCHEMA is a no-op, and a changed one first commits the rows buffered
 * under the old one when the layout changes (SDK #3237), waits for every running commit, then
 * evolves the table (and the overwrite shadow with it).
 */
export class SchemaChanges {
  readonly #db: Db;
  readonly #streams: StreamRegistry;
  readonly #batcher: Batcher;
  readonly #queue: CommitQueue;
  readonly #overwrite: Overwrite | undefined;

  constructor(collaborators: {
    readonly db: Db;
    readonly streams: StreamRegistry;
    readonly batcher: Batcher;
    readonly queue: CommitQueue;
    readonly overwrite: Overwrite | undefined;
  }) {
    this.#db = collaborators.db;
    this.#streams = collaborators.streams;
    this.#batcher = collaborators.batcher;
    this.#queue = collaborators.queue;
    this.#overwrite = collaborators.overwrite;
  }

  async apply(message: SchemaMessage, line: number): Promise<void> {
    const loader = this.#streams.get(message.stream);
    if (loader === undefined) {
      await this.#streams.open(message, line);
      return;
    }
    if (loader.isSameSchema(message)) return;
    checkColumnLimit(message, line, loader.label);
    await this.evolve(message, line);
  }

  /** A changed SCHEMA for a known stream (also the version columns a record or message adds). */
  async evolve(message: SchemaMessage, line: number): Promise<void> {
    const loader = this.#streams.get(message.stream);
    if (loader === undefined) return;
    if (loader.pendingRows > 0 && loader.needsFlushFor(message, line))
      await this.#batcher.flush([loader]);
    await this.#queue.settle();
    await loader.applySchema(message, line);
    if (this.#overwrite?.isShadowed(loader) === true)
      await this.#overwrite.tableChanged(this.#db, loader);
  }
}
