/**
 * When to flush, as a pure function (the Meltano SDK's `should_flush`, with our limits). A flush
 * takes every stream when the buffered bytes reach the (ramped) byte limit or the oldest buffered
 * record reaches the age limit; a stream that reached `batch_size_rows` is taken with the streams
 * whose open batches hold back the newest pending STATE (StateTracker.blockingStreams): with
 * interleaved streams, flushing only the full one would leave every STATE waiting behind the
 * others' small buffers until the end of the run.
 */

export interface BatchLimits {
  readonly rows: number;
  readonly bytes: number;
  readonly maxAgeMs: number;
}

/** The first flushes ramp up from 1 MiB, doubling to the byte limit. */
export const FIRST_FLUSH_BYTES = 1024 * 1024;

export interface BuffersNow {
  /** Encoded bytes buffered in all streams' open batches. */
  readonly bufferedBytes: number;
  /** When the oldest buffered record arrived (undefined: nothing buffered since the last flush). */
  readonly oldestAt: number | undefined;
  /** Flushes so far (for the ramp). */
  readonly flushes: number;
  readonly now: number;
}

/** The stream that just got a record, and its open batch's rows. */
export interface JustAdded {
  readonly stream: string;
  readonly pendingRows: number;
}

export type Due =
  | { readonly kind: "none" }
  | { readonly kind: "all" }
  | { readonly kind: "streams"; readonly streams: readonly string[] };

const NONE: Due = { kind: "none" };
const ALL: Due = { kind: "all" };

/**
 * Which streams are due. `blockers` is asked only when a stream is full (it walks the
 * StateTracker's open batches).
 */
export function dueStreams(
  limits: BatchLimits,
  buffers: BuffersNow,
  added: JustAdded | undefined,
  blockers: () => readonly string[],
): Due {
  if (buffers.bufferedBytes >= bytesLimit(limits, buffers.flushes) || isStale(limits, buffers))
    return ALL;
  if (added === undefined || added.pendingRows < limits.rows) return NONE;
  return { kind: "streams", streams: [...new Set([added.stream, ...blockers()])] };
}

/** For the idle timer: every stream once the oldest buffered record passed the age limit. */
export function dueWhenIdle(limits: BatchLimits, buffers: BuffersNow): Due {
  return isStale(limits, buffers) ? ALL : NONE;
}

/**
 * Postgres starts working after a few milliseconds instead of waiting for a whole first batch to
 * be parsed: 1 MiB, 2 MiB, … up to `batch_size_bytes`.
 */
export function bytesLimit(limits: BatchLimits, flushes: number): number {
  return Math.min(limits.bytes, FIRST_FLUSH_BYTES * 2 ** Math.min(flushes, 20));
}

function isStale(limits: BatchLimits, { oldestAt, now }: BuffersNow): boolean {
  return oldestAt !== undefined && now - oldestAt >= limits.maxAgeMs;
}
