import type { Clock } from "@singerkit/singer";

// After a 429 the gap between request starts grows by half (at least MIN_GAP), at most once per
// gap so that parallel requests hit by the same limit count once; every success shrinks it by
// RECOVERY (~14 successes halve it). The rate settles just under the server's limit with few
// 429s (decisions-tap.md "Pacing").
const MIN_GAP_MS = 50;
const MAX_GAP_MS = 60_000;
const GROWTH = 1.5;
const RECOVERY = 0.95;

/**
 * Spaces request starts across the whole run (every stream shares one pacer): a fixed gap from
 * `requests_per_minute`, an adaptive gap learned from 429s, and a pause when the server sent
 * Retry-After, which holds every request, not only the one that got the 429.
 */
export class Pacer {
  readonly #clock: Clock;
  readonly #fixedGap: number;
  #adaptiveGap = 0;
  #nextAt = 0;
  #pausedUntil = 0;
  #grownAt = Number.NEGATIVE_INFINITY;

  constructor(clock: Clock, requestsPerMinute?: number) {
    this.#clock = clock;
    this.#fixedGap = requestsPerMinute === undefined ? 0 : 60_000 / requestsPerMinute;
  }

  /** Waits for this request's turn. */
  async wait(signal?: AbortSignal): Promise<void> {
    const now = this.#clock.now();
    const at = Math.max(now, this.#nextAt, this.#pausedUntil);
    this.#nextAt = at + Math.max(this.#fixedGap, this.#adaptiveGap);
    if (at > now) await this.#clock.sleep(at - now, signal);
  }

  onSuccess(): void {
    if (this.#adaptiveGap === 0) return;
    this.#adaptiveGap *= RECOVERY;
    if (this.#adaptiveGap < 1) this.#adaptiveGap = 0;
  }

  /** A 429: slow down; with Retry-After, also hold every request until then. */
  onRateLimited(retryAfterMs: number | undefined): void {
    const now = this.#clock.now();
    if (now - this.#grownAt >= this.#adaptiveGap) {
      this.#grownAt = now;
      this.#adaptiveGap = Math.min(MAX_GAP_MS, Math.max(MIN_GAP_MS, this.#adaptiveGap * GROWTH));
    }
    if (retryAfterMs !== undefined)
      this.#pausedUntil = Math.max(this.#pausedUntil, now + retryAfterMs);
  }

  /** Current gap between request starts, in ms (for logs and tests). */
  get gapMs(): number {
    return Math.max(this.#fixedGap, this.#adaptiveGap);
  }
}
