import { isJsonObject, type JsonObject, type Logger } from "@singerkit/singer";
import { instantKey } from "./instant.js";

/**
 * Where an interrupted sync of one stream stands. Present only while the stream is being synced;
 * a completed stream has no progress. The bookmark (`replication_key_value`) is not moved until
 * the stream completes, because pages are read newest first or unsorted: resuming from the old
 * bookmark plus this cursor loses nothing (decisions-tap.md "Bookmarks move at the end").
 */
export interface Progress {
  /** Partitions of a capped query (keys) finished in this sync. */
  readonly done: readonly string[];
  /** Partition being read (`""` = the unsplit query); absent between partitions. */
  readonly partition?: string;
  /** Next page to fetch in that partition. */
  readonly page?: number;
  /** Greatest replication key value seen so far in this sync. */
  readonly max_seen?: string;
  /** The list's `count` on the last page read: a resume that finds it changed reads again. */
  readonly count?: number;
  /** Table version of this FULL_TABLE sync (ACTIVATE_VERSION), kept across a resume. */
  readonly version?: number;
}

/** What a stream's deletion sweeps remember (deletion-sweep.ts, decisions-tap.md "Deletes"). */
export interface DeletionState {
  /** When the last complete sweep started; absent until one completed. */
  readonly swept_at?: string;
  /** The ids the warehouse holds as far as the tap knows (id-set.ts encoding). */
  readonly known_ids: string;
}

/** One stream's entry under `bookmarks`. */
export interface Bookmark {
  readonly replication_key?: string;
  /** Records with a replication key at or after this value are emitted next time. */
  readonly replication_key_value?: string;
  readonly progress?: Progress;
  readonly deletion_sweep?: DeletionState;
}

/**
 * Owns the tap's STATE: `{"bookmarks": {stream: Bookmark}}`. Streams update their entry only after
 * the records it covers were handed to the writer, so a STATE line never claims more than what
 * is before it on stdout, even with streams interleaved. Bookmarks of streams not synced in this
 * run (or unknown to this version) are carried over untouched.
 */
export class StateTracker {
  readonly #bookmarks: { [stream: string]: JsonObject };
  readonly #extra: JsonObject;
  readonly #now: () => number;
  #last = "";
  /** When the last STATE was handed out (ms); a big one waits BIG_STATE_INTERVAL_MS after it. */
  #lastAt = Number.NEGATIVE_INFINITY;

  /**
   * `partition`: this run's `K/N`, recorded in every STATE (a partition resumes only itself).
   * `now`: the run's clock, for the pace of big STATEs.
   */
  constructor(
    initial: JsonObject | undefined,
    log: Logger,
    partition?: string,
    now: () => number = Date.now,
  ) {
    this.#now = now;
    const value = unwrap(initial);
    const { bookmarks, partition: _written, ...extra } = value;
    this.#extra = partition === undefined ? extra : { ...extra, partition };
    this.#bookmarks = {};
    if (bookmarks !== undefined && !isJsonObject(bookmarks)) {
      log.warn('state: "bookmarks" is not an object; starting without bookmarks');
      return;
    }
    for (const [stream, entry] of Object.entries(bookmarks ?? {})) {
      if (isJsonObject(entry)) this.#bookmarks[stream] = entry;
      else log.warn(`state: bookmark of stream ${stream} is not an object; ignored`);
    }
    this.#last = this.serialize();
  }

  /** The stream's bookmark, with malformed parts dropped. */
  get(stream: string): Bookmark {
    return parseBookmark(this.#bookmarks[stream]);
  }

  set(stream: string, bookmark: Bookmark): void {
    // Bookmark is plain JSON data by construction (strings, numbers, string lists).
    this.#bookmarks[stream] = bookmark as unknown as JsonObject;
  }

  /**
   * The STATE value to write now, or `undefined` when it equals the last one written, or when it
   * is big (BIG_STATE: deletion sweeps' known ids, decisions-tap.md "Deletes") and the last one
   * went out less than BIG_STATE_INTERVAL_MS ago. Every STATE claims only records already
   * written, so leaving some out is safe; `flush` writes the latest at the end of the run.
   */
  checkpoint(): JsonObject | undefined {
    const text = this.serialize();
    if (text === this.#last) return undefined;
    const now = this.#now();
    if (text.length > BIG_STATE && now - this.#lastAt < BIG_STATE_INTERVAL_MS) return undefined;
    this.#last = text;
    this.#lastAt = now;
    return this.value();
  }

  /** The end of a run: the latest value when it was not written yet, whatever its size. */
  flush(): JsonObject | undefined {
    const text = this.serialize();
    if (text === this.#last) return undefined;
    this.#last = text;
    this.#lastAt = this.#now();
    return this.value();
  }

  value(): JsonObject {
    return { ...this.#extra, bookmarks: { ...this.#bookmarks } };
  }

  serialize(): string {
    return JSON.stringify(this.value());
  }
}

/** STATE values longer than this (characters) are written at most once per interval. */
export const BIG_STATE = 64 * 1024;
export const BIG_STATE_INTERVAL_MS = 1000;

/** Accepts the value of a STATE message or the whole message (`{"type":"STATE","value":…}`). */
function unwrap(initial: JsonObject | undefined): JsonObject {
  if (initial === undefined) return {};
  if (initial.type === "STATE" && isJsonObject(initial.value)) return initial.value;
  return initial;
}

function parseBookmark(raw: JsonObject | undefined): Bookmark {
  if (raw === undefined) return {};
  const out: { -readonly [K in keyof Bookmark]: Bookmark[K] } = {};
  if (typeof raw.replication_key === "string") out.replication_key = raw.replication_key;
  const value = raw.replication_key_value;
  if (typeof value === "string" && instantKey(value) !== undefined) {
    out.replication_key_value = value;
  }
  const progress = parseProgress(raw.progress);
  if (progress !== undefined) out.progress = progress;
  const sweep = raw.deletion_sweep;
  if (isJsonObject(sweep) && typeof sweep.known_ids === "string") {
    const at = sweep.swept_at;
    out.deletion_sweep = {
      ...(typeof at === "string" && instantKey(at) !== undefined ? { swept_at: at } : {}),
      known_ids: sweep.known_ids,
    };
  }
  return out;
}

function parseProgress(raw: unknown): Progress | undefined {
  if (!isJsonObject(raw)) return undefined;
  const { done, partition, page, max_seen: maxSeen, version, count } = raw;
  const hasCursor =
    typeof partition === "string" && typeof page === "number" && Number.isInteger(page);
  return {
    done: Array.isArray(done) ? done.filter((key): key is string => typeof key === "string") : [],
    ...(hasCursor ? { partition, page: Math.max(1, page) } : {}),
    ...(hasCursor && typeof count === "number" && Number.isInteger(count) ? { count } : {}),
    ...(typeof maxSeen === "string" && instantKey(maxSeen) !== undefined
      ? { max_seen: maxSeen }
      : {}),
    ...(typeof version === "number" && Number.isInteger(version) ? { version } : {}),
  };
}
