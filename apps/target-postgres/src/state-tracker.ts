import type { JsonObject } from "@singerkit/singer";

interface Pending {
  readonly seq: number;
  readonly value: JsonObject;
  readonly text: string;
}

/**
 * The one owner of "which STATE may be written now" (datamill's StreamTracker idea):
 *  - every RECORD gets a sequence number; a stream's open (buffered) batch starts at the number
 *    of its first record;
 *  - a batch being committed is `seal`ed (it keeps its start) and released by `committed`;
 *  - every STATE remembers the number of the last record before it;
 *  - a STATE is safe once no open or sealed batch starts at or before that number, i.e. every
 *    record that came before it, in every stream, is committed.
 * After each change the newest safe STATE is written and older pending ones are dropped
 * (superseded); a value equal to the last one written is not repeated. So the printed states are
 * a subsequence of the input states, in order, and at the end (everything committed) the last
 * input state is printed.
 *
 * Memory stays small when a tap sends a STATE after every record: a pending STATE that no batch
 * start separates from the next one can never be the newest safe one, so it is dropped at once.
 */
export class StateTracker {
  readonly #emit: (value: JsonObject, text: string) => void;
  #pending: Pending[] = [];
  /** stream → sequence number of the first record of its open batch */
  readonly #open = new Map<string, number>();
  /** starts of batches that are being committed */
  readonly #sealed = new Set<number>();
  #seq = 0;
  #lastEmitted: string | undefined;

  /** `emit` gets the value and its JSON text as received (numbers as written). */
  constructor(emit: (value: JsonObject, text: string) => void) {
    this.#emit = emit;
  }

  recordSeen(stream: string): void {
    this.#seq += 1;
    if (!this.#open.has(stream)) this.#open.set(stream, this.#seq);
  }

  /** A STATE; `text` is its value's JSON with every number as written (input.ts). */
  stateSeen(value: JsonObject, text: string = JSON.stringify(value)): void {
    this.#pending.push({ seq: this.#seq, value, text });
    this.#update();
  }

  /**
   * The stream's open batch is being committed; returns the ticket to pass to `committed`, or
   * `undefined` when the stream had no records since its last seal.
   */
  seal(stream: string): number | undefined {
    const start = this.#open.get(stream);
    if (start === undefined) return undefined;
    this.#open.delete(stream);
    this.#sealed.add(start);
    return start;
  }

  /** Call only after the COMMIT of these sealed batches (one flush) has returned. */
  committed(tickets: Iterable<number>): void {
    for (const ticket of tickets) this.#sealed.delete(ticket);
    this.#update();
  }

  /**
   * Streams whose open (unsealed) batch holds records that came before the newest pending STATE:
   * the streams a flush must include so that STATE can be written after its COMMIT. Empty when
   * no STATE is pending.
   */
  blockingStreams(): string[] {
    const newest = this.#pending.at(-1);
    if (newest === undefined) return [];
    return [...this.#open].filter(([, start]) => start <= newest.seq).map(([stream]) => stream);
  }

  /** States waiting for their records' commit (for tests and diagnostics). */
  get pendingCount(): number {
    return this.#pending.length;
  }

  #update(): void {
    const starts = [...this.#open.values(), ...this.#sealed];
    const bound = starts.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...starts);
    let safe = -1;
    while (safe + 1 < this.#pending.length && (this.#pending[safe + 1]?.seq ?? bound) < bound)
      safe += 1;
    const newest = this.#pending[safe];
    if (newest !== undefined) {
      this.#pending = this.#pending.slice(safe + 1);
      if (newest.text !== this.#lastEmitted) {
        this.#lastEmitted = newest.text;
        this.#emit(newest.value, newest.text);
      }
    }
    this.#compact(starts);
  }

  /** Drops pending states that a later pending state supersedes whatever commits next. */
  #compact(starts: readonly number[]): void {
    if (this.#pending.length < 2) return;
    const kept: Pending[] = [];
    let next: number | undefined;
    for (let i = this.#pending.length - 1; i >= 0; i -= 1) {
      const state = this.#pending[i];
      if (state === undefined) continue;
      const limit = next;
      if (limit === undefined || starts.some((start) => start > state.seq && start <= limit)) {
        kept.push(state);
        next = state.seq;
      }
    }
    this.#pending = kept.reverse();
  }
}
