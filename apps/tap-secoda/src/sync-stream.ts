import { SourceError } from "@singerkit/singer";
import { skipIfAdminOnly } from "./admin-access.js";
import { Follower, finishFollowers } from "./catalog-fan-out.js";
import type { ListCursor } from "./client.js";
import { DeletionTracker, sweepsThisRun, tracksDeletes } from "./deletion-sweep.js";
import { instantKey } from "./instant.js";
import { describeDrift, judgePass, type Pass, reachesCap } from "./list-pass.js";
import {
  type Part,
  type Position,
  planSplit,
  queryParams,
  START,
  shareOf,
  WHOLE,
} from "./partitions.js";
import type { StreamPlan } from "./plan.js";
import { type ReplicationWindow, streamWindow } from "./replication-window.js";
import type { Progress } from "./state.js";
import { StreamOutput } from "./stream-output.js";
import type { SyncContext } from "./sync-context.js";
import { seenBefore, WrittenIds } from "./written-ids.js";

/**
 * A FULL_TABLE read of a list sorted on `updated_at` (the catalog, replicated FULL_TABLE by the
 * catalog's choice) does not resume at its saved page or skip its done partitions: an update since
 * the interrupted run moves a record to page 1, and without a replication key there is no
 * `max_seen` to read the head down to (see #readHead). Missing it would let the closing
 * ACTIVATE_VERSION delete its row. It starts over, keeping its table version.
 */
function startsOver(plan: StreamPlan): boolean {
  return !plan.incremental && plan.def.sort !== undefined;
}

function versionOnly(saved: Progress): Progress {
  return { done: [], ...(saved.version === undefined ? {} : { version: saved.version }) };
}

/** Passes over a part before a list that keeps changing is reported instead of read again. */
const MAX_PASSES = 3;

/** How one pass reads (the default: the part's pages, a STATE after each). */
interface PassMode {
  /** The list's count when the interrupted run saved its cursor: this pass's first count. */
  readonly countBefore?: number;
  /** Stop at the first page reaching below this instantKey (a trusted newest-first list). */
  readonly stopBelow?: string;
  /** Write a STATE with the resume cursor after each page (not while reading a resume's head). */
  readonly checkpoints?: boolean;
}

/**
 * Syncs one stream, and the `followers` served from its pages (catalog-fan-out.ts); resolves with
 * the number of records the stream itself wrote.
 */
export async function syncStream(
  plan: StreamPlan,
  ctx: SyncContext,
  followers: readonly StreamPlan[] = [],
): Promise<number> {
  return new StreamSync(plan, ctx, followers).run();
}

/**
 * One stream's sync: pages → records → STATE after every page. Newest-first streams stop paging
 * at the first page older than the bookmark; capped queries are split (partitions.ts); the
 * bookmark moves to the greatest value seen only once the whole stream is read (state.ts).
 */
class StreamSync {
  readonly #plan: StreamPlan;
  readonly #ctx: SyncContext;
  readonly #name: string;
  readonly #window: ReplicationWindow;
  readonly #done: Set<string>;
  readonly #resume: Progress | undefined;
  readonly #output: StreamOutput;
  /** --partition: the parts this process reads (none: not its stream); undefined: whole stream. */
  readonly #share: readonly Part[] | undefined;
  /** Parts whose list never held still (paging drift): the bookmark must not move. */
  readonly #incomplete: string[] = [];
  /** Streams served from this stream's pages. */
  readonly #followers: readonly Follower[];
  /** Known ids and this run's deletion sweep (deletion-sweep.ts); undefined: not tracked. */
  readonly #deletions: DeletionTracker | undefined;

  constructor(plan: StreamPlan, ctx: SyncContext, followers: readonly StreamPlan[]) {
    const { def } = plan;
    this.#plan = plan;
    this.#ctx = ctx;
    this.#name = def.name;
    const saved = ctx.recordLimit === undefined ? ctx.state.get(def.name).progress : undefined;
    const resume = saved !== undefined && startsOver(plan) ? versionOnly(saved) : saved;
    this.#resume = resume;
    this.#done = new Set(resume?.done ?? []);
    const sweeping = sweepsThisRun([plan, ...followers], ctx, resume !== undefined);
    this.#followers = followers.map((follower) => new Follower(follower, ctx, sweeping));
    this.#window = streamWindow(plan, ctx, {
      ...(resume?.max_seen === undefined ? {} : { maxSeen: resume.max_seen }),
      alsoServes: this.#followers.map((follower) => follower.window.since),
      readAll: sweeping,
    });
    this.#share = ctx.partition === undefined ? undefined : shareOf(def, ctx.partition);
    // A table version activated by one partition would delete the rows of the others.
    const split = this.#share !== undefined && this.#share.length > 0;
    const versioned = !plan.incremental && ctx.activateVersions && !split;
    const version = versioned ? (resume?.version ?? ctx.now().getTime()) : undefined;
    this.#output = new StreamOutput(plan, ctx, this.#window, resume, version);
    this.#deletions = tracksDeletes(plan, ctx.deletionSweep)
      ? new DeletionTracker(plan, ctx, this.#output, sweeping)
      : undefined;
  }

  async run(): Promise<number> {
    const share = this.#share;
    if (share !== undefined && share.length === 0) {
      this.#ctx.log.info(
        `stream ${this.#name}: cannot be split server-side; partition 1 reads it (decisions-tap.md "Fan-out")`,
      );
      return 0;
    }
    try {
      if (share === undefined) await this.#readPart(WHOLE, START);
      else await this.#readParts(share, { level: 1, step: 0 }, new WrittenIds());
    } catch (error) {
      skipIfAdminOnly(error, this.#plan, this.#ctx.log);
      return 0;
    }
    const complete = this.#incomplete.length === 0;
    await this.#deletions?.finish(complete);
    await this.#output.finish(complete);
    await finishFollowers(this.#followers, complete, this.#plan, this.#window);
    return this.#output.written;
  }

  /**
   * Reads one part, pass after pass, until a pass sees the list hold still (decisions-tap.md
   * "Paging drift"). Page-number paging shifts when records are deleted (or move) while the list
   * is read: a record pushed from page n+1 onto page n after n was read would be skipped. Every
   * response carries `count`, so a change between the pages of one pass is visible: the part is
   * then read again from page 1 and only records not yet written in this part are written. After
   * MAX_PASSES unstable passes the stream is reported as incomplete (WARN with the numbers) and
   * its bookmark does not move.
   *
   * A part over the result cap is split, except when it is read newest first from a bookmark:
   * then the early stop usually comes long before the cap, and the split happens only if the
   * listing ends at the cap without reaching the bookmark (records already written are written
   * again: at-least-once). `beforeLastPage` lets the caller start the next part's first request
   * while this part's last page is being written.
   */
  async #readPart(
    part: Part,
    position: Position,
    cursor = this.#open(part),
    beforeLastPage?: () => void,
    inherited?: WrittenIds,
  ): Promise<void> {
    if (cursor === undefined) return;
    const written = new WrittenIds(inherited);
    const resumed = cursor.startPage > 1;
    if (resumed) await this.#readHead(part, cursor.startPage, written);
    for (let number = 1; ; number += 1) {
      const current = number === 1 ? cursor : this.#open(part, 1);
      if (current === undefined) return;
      const first = number === 1 ? beforeLastPage : undefined;
      // A resumed pass starts from the count the interrupted run saw: a delete since then may
      // have shifted a record onto a page that run had read, which is drift like any other.
      const countBefore = number === 1 && resumed ? this.#resume?.count : undefined;
      const pass = await this.#readPass(
        part,
        current,
        written,
        first,
        countBefore === undefined ? {} : { countBefore },
      );
      if (pass.capped) {
        // Children skip what this part already wrote (a cap found only at the 10,000th row).
        await this.#split(part, position, pass.count ?? pass.delivered, pass.delivered, written);
        return;
      }
      if (!pass.drifted || this.#limitReached()) break;
      const where = part.key === "" ? "" : ` (${part.key})`;
      const change = describeDrift(pass);
      if (number >= MAX_PASSES) {
        this.#incomplete.push(`${change}${where}`);
        this.#ctx.log.warn(
          `stream ${this.#name}${where}: the list kept changing while it was read (${change}, ${number} passes, ${written.size} distinct records written); records deleted meanwhile may have hidden others; the bookmark stays where it was so the next run reads them`,
        );
        break;
      }
      this.#ctx.log.info(
        `stream ${this.#name}${where}: the list changed while it was read (${change}); reading it again, skipping the ${written.size} records already written`,
      );
    }
    this.#done.add(part.key);
    if (part.key !== "") await this.#output.checkpoint(this.#done, {});
  }

  /**
   * A resumed part starts at its saved page, but the list may have changed since the interrupted
   * run read the pages before it. On a newest-first list, records updated or added since then
   * moved to the front, where the resumed pass never looks, and their new `updated_at` is after
   * the interrupted run's `max_seen`. So such a part is first read from page 1 down to the first
   * page reaching below `max_seen` (usually page 1 alone), without STATEs, so that a run cut
   * during it resumes at the same saved page. Other lists keep a record's place when it is
   * updated; a delete or add shows in `count` (see `countBefore`).
   */
  async #readHead(part: Part, savedPage: number, written: WrittenIds): Promise<void> {
    const maxSeen = this.#resume?.max_seen;
    const stopBelow = maxSeen === undefined ? undefined : instantKey(maxSeen);
    if (stopBelow === undefined || !this.#window.ordered) return;
    const head = this.#open(part, 1);
    if (head === undefined) return;
    const pass = await this.#readPass(part, head, written, undefined, {
      stopBelow,
      checkpoints: false,
    });
    const where = part.key === "" ? "" : ` (${part.key})`;
    this.#ctx.log.info(
      `stream ${this.#name}${where}: resuming at page ${savedPage}; read ${pass.pages} page(s) from page 1 first, for records changed since the interrupted run (after ${maxSeen})`,
    );
  }

  /** One pass over a part's pages; rows whose id is in `written` are not written again. */
  async #readPass(
    part: Part,
    cursor: ListCursor,
    written: WrittenIds,
    beforeLastPage: (() => void) | undefined,
    mode: PassMode = {},
  ): Promise<Pass> {
    const window = this.#window;
    const counts: number[] = mode.countBefore === undefined ? [] : [mode.countBefore];
    const stopsEarly = window.canStopEarly() || mode.stopBelow !== undefined;
    let count: number | undefined;
    let delivered = 0;
    let pages = 0;
    let overCap = false;
    let reachedBookmark = false;
    let previousKey: string | undefined;
    try {
      for (let page = await cursor.next(); page !== undefined; page = await cursor.next()) {
        pages += 1;
        count = page.count;
        if (count !== undefined) counts.push(count);
        delivered += page.rows.length;
        this.#deletions?.listed(page.rows);
        if (page.page === 1 && part === WHOLE) this.#announceTotal(count);
        if (
          this.#ctx.recordLimit === undefined &&
          reachesCap(this.#plan.def.resultCap?.limit, count, delivered)
        ) {
          overCap = true;
          if (!window.canStopEarly()) break;
        }
        const keys = window.scan(page.rows, previousKey, (row) => seenBefore(written, row));
        previousKey = keys.at(-1) ?? previousKey;
        reachedBookmark =
          window.reachedBookmark(keys) ||
          (mode.stopBelow !== undefined && window.reachedBelow(keys, mode.stopBelow));
        const more = page.nextPage !== undefined && !reachedBookmark && !this.#limitReached();
        if (more) cursor.prefetch(stopsEarly ? 1 : this.#readAhead());
        else if (!overCap && !this.#limitReached()) beforeLastPage?.();
        await this.#output.writePage(page, keys, written);
        for (const follower of this.#followers) await follower.take(page);
        if (!more || this.#limitReached()) break;
        if (mode.checkpoints === false) continue;
        await this.#output.checkpoint(this.#done, {
          partition: part.key,
          page: page.nextPage ?? 1,
          ...(count === undefined ? {} : { count }),
        });
      }
    } finally {
      cursor.close();
    }
    return judgePass({
      counts,
      count,
      delivered,
      pages,
      startPage: cursor.startPage,
      capLimit: this.#plan.def.resultCap?.limit,
      overCap,
      reachedBookmark,
      limitReached: this.#limitReached(),
      canSplit: this.#ctx.recordLimit === undefined, // a --test run never splits
      ordered: window.ordered,
    });
  }

  /** A cursor on the part's pages (from the resume point), or undefined when it is done. */
  #open(part: Part, from?: number): ListCursor | undefined {
    if (this.#done.has(part.key) || this.#limitReached()) return undefined;
    const { def } = this.#plan;
    const resumed = this.#resume?.partition === part.key ? (this.#resume.page ?? 1) : 1;
    const startPage = from ?? resumed;
    const query = {
      stream: def.name,
      path: def.path,
      list: def.list,
      params: queryParams(def, part),
    };
    return this.#ctx.client.list(query, startPage);
  }

  /**
   * The whole query's count is the number of records this run will write, when every row is due
   * (no bookmark or start_date), the run starts from scratch and is not a --test run. Partitions
   * of a capped query add up to it too; a detail 404 or an undeclared cap leaves it short.
   */
  #announceTotal(count: number | undefined): void {
    if (count === undefined || this.#window.filters || this.#resume !== undefined) return;
    if (this.#ctx.recordLimit !== undefined) return;
    this.#ctx.progress.setTotal(this.#name, count);
  }

  #readAhead(): number {
    return this.#ctx.recordLimit === undefined ? this.#ctx.readAhead : 1;
  }

  /** A part over the cap: read it as partitions along the next dimension that can split it. */
  async #split(
    part: Part,
    position: Position,
    count: number,
    delivered: number,
    written: WrittenIds,
  ): Promise<void> {
    const { def } = this.#plan;
    const where = part.key === "" ? "the query" : part.key;
    const cap = def.resultCap;
    if (cap === undefined) {
      this.#ctx.log.warn(
        `stream ${def.name}: Secoda counted ${count} results but listed ${delivered}; it may cap this endpoint`,
      );
      this.#deletions?.incomplete(`Secoda counted ${count} results but listed ${delivered}`);
      this.#done.add(part.key);
      return;
    }
    const split = await planSplit(cap.partitionBy, part, position, this.#ctx.lookupIds);
    if (split === undefined) {
      throw new SourceError(
        `${def.path} has ${count} results for ${where}, over Secoda's cap of ${cap.limit}, and no partition is left to split it; records would be lost, so the run stops`,
        { endpoint: def.path, retryable: false },
        { stream: def.name },
      );
    }
    this.#ctx.log.info(
      `stream ${def.name}: ${where} has ${count} results, at or over Secoda's cap of ${cap.limit}; reading it as ${split.children.length} partitions by ${split.field}`,
    );
    await this.#readParts(split.children, split.next, written);
  }

  /**
   * Reads partitions one after the other, but asks for the next one's first page while the
   * current one's last page is being written: a first page is the server's costliest (it filters
   * and sorts), and this hides it behind our own work (decisions-tap.md "Prefetch").
   */
  async #readParts(
    children: readonly Part[],
    position: Position,
    written: WrittenIds,
  ): Promise<void> {
    let cursor = children[0] === undefined ? undefined : this.#open(children[0]);
    for (const [index, child] of children.entries()) {
      const following = children[index + 1];
      const next = following === undefined ? undefined : this.#open(following);
      try {
        await this.#readPart(child, position, cursor, () => next?.prefetch(), written);
      } catch (error) {
        next?.close();
        throw error;
      }
      cursor = next;
    }
  }

  #limitReached(): boolean {
    return this.#output.limitReached();
  }
}
