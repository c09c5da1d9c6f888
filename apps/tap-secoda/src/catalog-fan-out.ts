import type { JsonObject } from "@singerkit/singer";
import type { Page } from "./client.js";
import { DeletionTracker, tracksDeletes } from "./deletion-sweep.js";
import type { StreamPlan } from "./plan.js";
import { type ReplicationWindow, streamWindow } from "./replication-window.js";
import { StreamOutput } from "./stream-output.js";
import type { SyncContext } from "./sync-context.js";
import { seenBefore, WrittenIds } from "./written-ids.js";

/** Which selected streams read their own list, and which are served from another's pages. */
export interface FanOutPlan {
  /** Streams that read their own list, in the plans' order. */
  readonly readers: readonly StreamPlan[];
  /** Reader stream name → the streams served from its pages. */
  readonly followers: ReadonlyMap<string, readonly StreamPlan[]>;
}

/**
 * One catalog pass (decisions-tap.md): a selected stream that is a slice of another selected
 * stream (`subsetOf`, the catalog's per-type streams of `resources`) takes its rows from that
 * stream's pages instead of reading the list again. Off for --partition (each process reads its
 * own share of every stream, and the shares of the two streams differ) and --test, and for any
 * stream resuming an interrupted read (its resume cursor is its own list's).
 */
export function planFanOut(
  plans: readonly StreamPlan[],
  options: {
    readonly partitioned: boolean;
    readonly test: boolean;
    readonly resuming: (stream: string) => boolean;
  },
): FanOutPlan {
  const followers = new Map<string, StreamPlan[]>();
  if (options.partitioned || options.test) return { readers: plans, followers };
  const names = new Set(plans.map((plan) => plan.def.name));
  const served = new Set<string>();
  for (const plan of plans) {
    const leader = plan.def.subsetOf?.stream;
    if (leader === undefined || !names.has(leader)) continue;
    if (options.resuming(leader) || options.resuming(plan.def.name)) continue;
    followers.set(leader, [...(followers.get(leader) ?? []), plan]);
    served.add(plan.def.name);
  }
  return { readers: plans.filter((plan) => !served.has(plan.def.name)), followers };
}

/** A reader's final bookmark: its replication key and the value. */
export interface ReaderBookmark {
  readonly key: string;
  readonly value: string;
}

/**
 * A stream served from another stream's pages: its rows of each page (`subsetOf.field` equal to
 * `subsetOf.value`), filtered by its own bookmark and written as its own RECORDs, exactly as a
 * read of its own list would write them. Its bookmark moves only when the whole read is done.
 */
export class Follower {
  readonly window: ReplicationWindow;
  readonly #output: StreamOutput;
  readonly #field: string;
  readonly #value: string;
  /** The replication key when INCREMENTAL. */
  readonly #key: string | undefined;
  /** Ids written in this run: a re-read (paging drift, a split) writes none twice. */
  readonly #written = new WrittenIds();
  readonly #deletions: DeletionTracker | undefined;
  #previousKey: string | undefined;

  /** `sweeping`: the reader reads its whole list, a deletion sweep for this stream too. */
  constructor(plan: StreamPlan, ctx: SyncContext, sweeping = false) {
    const { def } = plan;
    if (def.subsetOf === undefined) throw new Error(`stream ${def.name} is no other's subset`);
    this.#field = def.subsetOf.field;
    this.#value = def.subsetOf.value;
    this.#key = plan.incremental ? def.replicationKey : undefined;
    this.window = streamWindow(plan, ctx);
    const version = !plan.incremental && ctx.activateVersions ? ctx.now().getTime() : undefined;
    this.#output = new StreamOutput(plan, ctx, this.window, undefined, version);
    this.#deletions = tracksDeletes(plan, ctx.deletionSweep)
      ? new DeletionTracker(plan, ctx, this.#output, sweeping)
      : undefined;
  }

  /** Writes this stream's rows of one of the reader's pages. */
  async take(page: Page): Promise<void> {
    const mine = (row: JsonObject) => row[this.#field] === this.#value;
    const rows = page.rows.filter(mine);
    if (rows.length === 0) return;
    this.#deletions?.listed(rows);
    const texts = page.raw?.filter((_, index) => {
      const row = page.rows[index];
      return row !== undefined && mine(row);
    });
    const raw = texts?.length === rows.length ? texts : undefined; // the server's text, as is
    // Each pass over a part starts at page 1 and is newest first on its own (the reader's order
    // check is per pass too): the order is checked from there, not across parts.
    if (page.page === 1) this.#previousKey = undefined;
    const keys = this.window.scan(rows, this.#previousKey, (row) => seenBefore(this.#written, row));
    this.#previousKey = keys.at(-1) ?? this.#previousKey;
    const own: Page = { ...page, rows, ...(raw === undefined ? {} : { raw }) };
    await this.#output.writePage(own, keys, this.#written);
  }

  /**
   * The end of the reader's read. Complete, it read every row down to this stream's bookmark, so
   * the bookmark moves to the reader's own (`readerBookmark`, when both replicate on the same key
   * and this one is INCREMENTAL): no row of this stream changed between its newest and that one
   * unseen. Next time the shared read then stops where the reader's own would.
   */
  async finish(complete: boolean, readerBookmark: ReaderBookmark | undefined): Promise<void> {
    const sameKey = this.#key !== undefined && this.#key === readerBookmark?.key;
    await this.#deletions?.finish(complete);
    await this.#output.finish(complete, sameKey ? readerBookmark?.value : undefined);
  }
}

/** Ends the streams served from a reader's pages, once the reader's read is over. */
export async function finishFollowers(
  followers: readonly Follower[],
  complete: boolean,
  reader: StreamPlan,
  window: ReplicationWindow,
): Promise<void> {
  const key = reader.incremental ? reader.def.replicationKey : undefined;
  const value = window.finalBookmark();
  const through = key === undefined || value === undefined ? undefined : { key, value };
  for (const follower of followers) await follower.finish(complete, through);
}
