import type { JsonObject, Logger } from "@singerkit/singer";
import { instantKey, laterOf } from "./instant.js";
import type { StreamPlan } from "./plan.js";
import type { SyncContext } from "./sync-context.js";

/**
 * What one stream's incremental read knows about its replication key: the bookmark it started
 * from (`since`), the greatest value seen so far, and whether a newest-first list really comes
 * newest first. A FULL_TABLE read has no field and lets every row through.
 */
export class ReplicationWindow {
  /** The bookmark (or start_date) this read started from. */
  readonly since: string | undefined;
  readonly #sinceKey: string | undefined;
  /** Paging may stop below this key: the oldest bookmark any stream served by this read needs. */
  readonly #stopKey: string | undefined;
  readonly #field: string | undefined;
  readonly #newestFirst: boolean;
  readonly #warn: (message: string) => void;
  #maxSeen: string | undefined;
  #maxSeenKey: string | undefined;
  #orderTrusted = true;

  constructor(options: {
    /** The replication key; undefined for FULL_TABLE. */
    readonly field: string | undefined;
    readonly since: string | undefined;
    /** Carried over from an interrupted run. */
    readonly maxSeen: string | undefined;
    /** The list is sorted on `field`, descending. */
    readonly newestFirst: boolean;
    readonly stream: string;
    readonly log: Logger;
    /**
     * The bookmarks of other streams served from this read's pages (catalog-fan-out.ts); paging
     * stops only below the oldest, and never when one has none (FULL_TABLE or a first run).
     */
    readonly alsoServes?: readonly (string | undefined)[];
    /** Never stop early (a deletion sweep lists every row); rows are still filtered. */
    readonly readAll?: boolean;
  }) {
    this.#field = options.field;
    this.since = options.field === undefined ? undefined : options.since;
    this.#sinceKey = this.since === undefined ? undefined : instantKey(this.since);
    this.#stopKey = options.readAll
      ? undefined
      : oldest([
          this.#sinceKey,
          ...(options.alsoServes ?? []).map((since) =>
            since === undefined ? undefined : instantKey(since),
          ),
        ]);
    this.#maxSeen = options.maxSeen;
    this.#maxSeenKey = options.maxSeen === undefined ? undefined : instantKey(options.maxSeen);
    this.#newestFirst = options.field !== undefined && options.newestFirst;
    this.#warn = (message) => options.log.warn(`stream ${options.stream}: ${message}`);
  }

  /** Greatest replication key value seen in this read (for progress and the final bookmark). */
  get maxSeen(): string | undefined {
    return this.#maxSeen;
  }

  /** The bookmark once the whole stream has been read: the later of `since` and max seen. */
  finalBookmark(): string | undefined {
    return laterOf(this.since, this.#maxSeen);
  }

  /**
   * Reads the replication key of every row (undefined when absent or unparseable), tracks the
   * maximum, and checks that a newest-first list is newest first across pages (`previous` is
   * the previous page's last key). If it is not, early stop is off for the rest of the run.
   * `repeated` rows (already written from an earlier page) are left out of the order check.
   */
  scan(
    rows: readonly JsonObject[],
    previous: string | undefined,
    repeated: (row: JsonObject) => boolean = () => false,
  ): (string | undefined)[] {
    const field = this.#field;
    if (field === undefined) return [];
    let last = previous;
    let pageMax: { key: string; text: string } | undefined;
    const keys = rows.map((row) => {
      const value = row[field];
      const key = typeof value === "string" ? instantKey(value) : undefined;
      if (key === undefined || typeof value !== "string") return undefined;
      // A row read before, pushed onto this page by records added in front: not an order break.
      if (repeated(row)) return key;
      if (this.#newestFirst && this.#orderTrusted && last !== undefined && key > last) {
        this.#orderTrusted = false;
        this.#warn(`Secoda did not return ${field} newest first; reading every page this run`);
      }
      last = key;
      if (pageMax === undefined || key > pageMax.key) pageMax = { key, text: value };
      return key;
    });
    if (
      pageMax !== undefined &&
      (this.#maxSeenKey === undefined || pageMax.key > this.#maxSeenKey)
    ) {
      this.#maxSeenKey = pageMax.key;
      this.#maxSeen = pageMax.text;
    }
    return keys;
  }

  /** Whether a row with this key is due: at or after `since` (at-least-once), or unknown. */
  isDue(key: string | undefined): boolean {
    return this.#sinceKey === undefined || key === undefined || key >= this.#sinceKey;
  }

  /** True when a trusted newest-first page reaches below the bookmark: later pages are older. */
  reachedBookmark(keys: readonly (string | undefined)[]): boolean {
    const stop = this.#stopKey;
    if (!this.canStopEarly() || stop === undefined) return false;
    return keys.some((key) => key !== undefined && key < stop);
  }

  /** True when a trusted newest-first page reaches below `key` (an instantKey): later pages are
   * older still. */
  reachedBelow(keys: readonly (string | undefined)[], key: string): boolean {
    return this.ordered && keys.some((k) => k !== undefined && k < key);
  }

  /** The list is sorted newest first on the replication key, and no page contradicted it. */
  get ordered(): boolean {
    return this.#newestFirst && this.#orderTrusted;
  }

  /** A newest-first read from a bookmark, order not contradicted: it may stop at any page. */
  canStopEarly(): boolean {
    return this.#newestFirst && this.#orderTrusted && this.#stopKey !== undefined;
  }

  /** True when some rows may be filtered out (a bookmark or start_date applies). */
  get filters(): boolean {
    return this.#sinceKey !== undefined;
  }
}

/** The smallest key, or undefined when any is undefined (then nothing bounds the read). */
function oldest(keys: readonly (string | undefined)[]): string | undefined {
  let min: string | undefined;
  for (const key of keys) {
    if (key === undefined) return undefined;
    if (min === undefined || key < min) min = key;
  }
  return min;
}

/**
 * The window of one stream's read: its replication key when it is INCREMENTAL, from its bookmark
 * (or start_date), newest first when the list is sorted so on that key.
 */
export function streamWindow(
  plan: StreamPlan,
  ctx: Pick<SyncContext, "state" | "startDate" | "log">,
  options: {
    readonly maxSeen?: string;
    readonly alsoServes?: readonly (string | undefined)[];
    readonly readAll?: boolean;
  } = {},
): ReplicationWindow {
  const { def } = plan;
  return new ReplicationWindow({
    field: plan.incremental ? def.replicationKey : undefined,
    since: ctx.state.get(def.name).replication_key_value ?? ctx.startDate,
    maxSeen: options.maxSeen,
    newestFirst: def.sort?.field === def.replicationKey && def.sort?.order === "desc",
    stream: def.name,
    log: ctx.log,
    ...(options.alsoServes === undefined ? {} : { alsoServes: options.alsoServes }),
    ...(options.readAll === true ? { readAll: true } : {}),
  });
}
