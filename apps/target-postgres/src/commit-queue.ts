import type { StateTracker } from "./state-tracker.js";

/** The commits one flush started: their tickets are released together when the last ends. */
export interface FlushGroup {
  open: number;
  readonly tickets: number[];
}

/** Commits queued or running at once, whatever their size (see `admit`). */
export const MAX_BATCHES_IN_FLIGHT = 64;

/** One sealed batch's commit. */
export interface CommitJob {
  /** Commits with the same key (a stream) run in the order they were queued. */
  readonly key: object;
  /** Its encoded size, counted against the in-flight bound until it ends. */
  readonly bytes: number;
  /** The StateTracker's ticket of the batch (undefined: it held no records since the last). */
  readonly ticket: number | undefined;
  readonly group: FlushGroup;
  /** The transaction; resolves after COMMIT. */
  readonly run: () => Promise<void>;
}

/**
 * Commits in the background while the run loop reads on: one stream's batches commit in the
 * order they were sealed (each waits for the previous one), different streams side by side (the
 * pool bounds how many at once); sealed batches in flight are bounded by `batch_size_bytes`
 * (`admit` waits: back-pressure to stdin). After a failure (the latch), no commit that has not
 * started yet starts; running ones finish. A flush's STATE tickets are released together once all
 * its commits are done (one STATE per flush), or held until `releaseHeld` (load_method
 * overwrite: rows sit in shadow tables until the swap).
 */
export class CommitQueue {
  readonly #states: StateTracker;
  readonly #maxBytes: number;
  readonly #holdTickets: boolean;
  /** Commits started and not yet finished. */
  readonly #inFlight = new Set<Promise<void>>();
  /** Per key, its newest commit: the next one of that key starts after it. */
  readonly #tails = new Map<object, Promise<void>>();
  readonly #held: number[] = [];
  #sealedBytes = 0;
  #failure: { readonly error: unknown } | undefined;

  constructor(states: StateTracker, maxBytes: number, holdTickets: boolean) {
    this.#states = states;
    this.#maxBytes = maxBytes;
    this.#holdTickets = holdTickets;
  }

  /**
   * Waits until `bytes` more (in `batches` commits) fit in flight; throws the first failure.
   * Besides the bytes, at most MAX_BATCHES_IN_FLIGHT commits wait at once: tiny batches
   * (`batch_size_rows: 1`) would otherwise queue by the thousand, and everything that tracks
   * them (STATE tickets, pending states) would grow with the backlog.
   */
  async admit(bytes: number, batches = 1): Promise<void> {
    while (
      this.#inFlight.size > 0 &&
      (this.#sealedBytes + bytes > this.#maxBytes ||
        this.#inFlight.size + batches > MAX_BATCHES_IN_FLIGHT)
    )
      await Promise.race(this.#inFlight);
    this.#throwIfFailed();
  }

  /** Queues a commit behind its key's previous one and tracks it until it ends. */
  enqueue(job: CommitJob): void {
    const previous = this.#tails.get(job.key) ?? Promise.resolve();
    this.#sealedBytes += job.bytes;
    const commit = previous
      .then(async () => {
        // After a failure nothing more is committed (a later batch must never land without an
        // earlier one of its stream); commits already running finish and write their STATE.
        if (this.#failure !== undefined) return;
        await job.run();
        this.#done(job);
      })
      .catch((error: unknown) => {
        this.#failure ??= { error };
      })
      .finally(() => {
        this.#sealedBytes -= job.bytes;
        this.#inFlight.delete(commit);
        if (this.#tails.get(job.key) === commit) this.#tails.delete(job.key);
      });
    this.#inFlight.add(commit);
    this.#tails.set(job.key, commit);
  }

  #done({ ticket, group }: CommitJob): void {
    if (ticket !== undefined) group.tickets.push(ticket);
    group.open -= 1;
    if (group.open > 0) return;
    // Writing later than possible is always safe; a burst of intermediate states gains nothing.
    if (this.#holdTickets) this.#held.push(...group.tickets);
    else this.#states.committed(group.tickets);
  }

  /** load_method overwrite: the held tickets move once the shadow tables are swapped in. */
  releaseHeld(): void {
    this.#states.committed(this.#held.splice(0));
  }

  /** Waits for every commit in flight; rethrows the first failure. */
  async settle(): Promise<void> {
    await this.drain();
    this.#throwIfFailed();
  }

  /** Waits until no commit is running (commits never reject: failures land in the latch). */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  /** The first commit failure, if any. */
  get failure(): { readonly error: unknown } | undefined {
    return this.#failure;
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure.error;
  }
}
