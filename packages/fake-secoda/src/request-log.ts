/** One API request as the fake answered it (admin requests are not recorded). */
export interface RecordedRequest {
  /** 1-based, in arrival order since the last reset (trimming the log does not renumber). */
  readonly seq: number;
  readonly method: string;
  /** The path as requested (trailing slash kept). */
  readonly path: string;
  /** The raw query string without `?` ("" when none). */
  readonly query: string;
  readonly status: number;
  /** The injected fault: rate-limited, error, reset, truncate or missing-results. */
  readonly fault: string | null;
  /** Injected delay in ms (0 when none). */
  readonly delayMs: number;
}

export interface RequestCounters {
  readonly total: number;
  /** Keyed by path without its trailing slash, so `/x` and `/x/` count together. */
  readonly byPath: Readonly<Record<string, number>>;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly byFault: Readonly<Record<string, number>>;
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** Counters over every request since the last reset, plus the last `limit` requests in full. */
export class RequestLog {
  readonly #limit: number;
  #entries: RecordedRequest[] = [];
  #seq = 0;
  #total = 0;
  #byPath: Record<string, number> = {};
  #byStatus: Record<string, number> = {};
  #byFault: Record<string, number> = {};

  constructor(limit: number) {
    this.#limit = limit;
  }

  record(entry: Omit<RecordedRequest, "seq">): RecordedRequest {
    this.#seq += 1;
    this.#total += 1;
    const recorded = { seq: this.#seq, ...entry };
    bump(this.#byPath, entry.path.length > 1 ? entry.path.replace(/\/$/, "") : entry.path);
    bump(this.#byStatus, String(entry.status));
    if (entry.fault !== null) bump(this.#byFault, entry.fault);
    this.#entries.push(recorded);
    if (this.#entries.length > this.#limit)
      this.#entries.splice(0, this.#entries.length - this.#limit);
    return recorded;
  }

  get entries(): readonly RecordedRequest[] {
    return this.#entries;
  }

  counters(): RequestCounters {
    return {
      total: this.#total,
      byPath: { ...this.#byPath },
      byStatus: { ...this.#byStatus },
      byFault: { ...this.#byFault },
    };
  }

  reset(): void {
    this.#entries = [];
    this.#seq = 0;
    this.#total = 0;
    this.#byPath = {};
    this.#byStatus = {};
    this.#byFault = {};
  }
}
