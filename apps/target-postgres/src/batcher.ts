import { type Logger, MetricCounter } from "@singerkit/singer";
import type { SealedBatch } from "./batch-load.js";
import { type BatchLimits, type Due, dueStreams, dueWhenIdle } from "./batch-policy.js";
import type { CommitQueue, FlushGroup } from "./commit-queue.js";
import type { Loader } from "./loader.js";
import type { StateTracker } from "./state-tracker.js";
import type { StreamRegistry } from "./stream-registry.js";

/**
 * The open batches of all streams, measured against the limits: counts what is buffered, asks
 * the batch policy (batch-policy.ts) whether a flush is due, and flushes: seals the chosen
 * streams' buffers in input order (each gets its StateTracker ticket) and hands each batch to the
 * commit queue, which commits it in the background.
 */
export class Batcher {
  readonly #limits: BatchLimits;
  readonly #streams: StreamRegistry;
  readonly #states: StateTracker;
  readonly #queue: CommitQueue;
  readonly #commit: (loader: Loader, sealed: SealedBatch) => Promise<void>;
  readonly #records: MetricCounter;
  #flushes = 0;
  #bufferedBytes = 0;
  #oldestAt: number | undefined;

  constructor(
    limits: BatchLimits,
    collaborators: {
      readonly streams: StreamRegistry;
      readonly states: StateTracker;
      readonly queue: CommitQueue;
      readonly commit: (loader: Loader, sealed: SealedBatch) => Promise<void>;
      readonly log: Logger;
    },
  ) {
    this.#limits = limits;
    this.#streams = collaborators.streams;
    this.#states = collaborators.states;
    this.#queue = collaborators.queue;
    this.#commit = collaborators.commit;
    this.#records = new MetricCounter(collaborators.log, "record_count");
  }

  /** A record of `bytes` was buffered at `now`. */
  added(bytes: number, now: number): void {
    this.#bufferedBytes += bytes;
    this.#oldestAt ??= now;
  }

  /**
   * Starts a flush when a limit is reached (`stream`: the one that just got a record); returns a
   * promise only when the caller must wait (back-pressure).
   */
  flushIfDue(now: number, stream: string | undefined): Promise<void> | undefined {
    const loader = stream === undefined ? undefined : this.#streams.get(stream);
    const added =
      loader === undefined ? undefined : { stream: loader.stream, pendingRows: loader.pendingRows };
    return this.#run(
      dueStreams(this.#limits, this.#buffers(now), added, () => this.#states.blockingStreams()),
    );
  }

  /** For the idle timer: flush when the oldest buffered record passed the age limit. */
  flushIfStale(now: number): Promise<void> | undefined {
    return this.#run(dueWhenIdle(this.#limits, this.#buffers(now)));
  }

  #buffers(now: number) {
    return {
      bufferedBytes: this.#bufferedBytes,
      oldestAt: this.#oldestAt,
      flushes: this.#flushes,
      now,
    };
  }

  #run(due: Due): Promise<void> | undefined {
    switch (due.kind) {
      case "none":
        return undefined;
      case "all":
        return this.flush(this.#streams.all());
      case "streams":
        return this.flush(due.streams.flatMap((stream) => this.#streams.get(stream) ?? []));
    }
  }

  /** Commits every buffered row; with `wait`, also waits until it is committed. */
  async flushAll(wait = true): Promise<void> {
    await this.flush(this.#streams.all());
    if (wait) await this.#queue.settle();
  }

  /**
   * Seals the streams' buffers (in input order) and queues one commit per stream. While sealed
   * batches in flight hold `batch_size_bytes`, waits for some of them first.
   */
  async flush(loaders: readonly Loader[]): Promise<void> {
    const waiting = loaders.filter((loader) => loader.pendingRows > 0);
    await this.#queue.admit(
      waiting.reduce((sum, loader) => sum + loader.pendingBytes, 0),
      waiting.length,
    );
    let sealedAny = false;
    const group: FlushGroup = { open: 0, tickets: [] };
    for (const loader of loaders) {
      const bytes = loader.pendingBytes;
      const rows = loader.pendingRows;
      const sealed = loader.seal();
      if (sealed === undefined) continue;
      sealedAny = true;
      this.#bufferedBytes -= bytes;
      this.#records.increment({ stream: loader.stream }, rows); // per batch: cheap hot path
      group.open += 1;
      this.#queue.enqueue({
        key: loader,
        bytes,
        ticket: this.#states.seal(loader.stream),
        group,
        run: () => this.#commit(loader, sealed),
      });
    }
    if (loaders.length === this.#streams.size || this.#bufferedBytes === 0)
      this.#oldestAt = undefined;
    if (sealedAny) this.#flushes += 1;
  }

  /** The record_count metric's last line. */
  close(): void {
    this.#records.flush();
  }
}
