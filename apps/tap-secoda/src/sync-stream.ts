import {
  type JsonObject,
  type Logger,
  type MessageWriter,
  type MetricCounter,
  message,
  type PartitionSpec,
  type ProgressReporter,
  SourceError,
} from "@singerkit/singer";
import type { ListCursor, Page, SecodaClient } from "./client.js";
import { mapLimit } from "./limit.js";
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
import { ReplicationWindow } from "./replication-window.js";
import type { Bookmark, Progress, StateTracker } from "./state.js";

/** What the engine needs from the run; one per run, shared by every stream. */
export interface SyncContext {
  readonly client: SecodaClient;
  readonly output: MessageWriter;
  readonly state: StateTracker;
  readonly log: Logger;
  readonly now: () => Date;
  readonly startDate: string | undefined;
  readonly activateVersions: boolean;
  /** Detail requests of one page run this many at a time. */
  readonly detailConcurrency: number;
  /** Pages of one list requested ahead of the one being written. */
  readonly readAhead: number;
  readonly records: MetricCounter;
  /** Records per stream on stderr at a steady interval (and the total, when Secoda counts it). */
  readonly progress: ProgressReporter;
  /** Ids of another stream's records, for `valuesFromStream` partitions (cached per run). */
  readonly lookupIds: (stream: string) => Promise<string[]>;
  /** --test: stop each stream after this many records and write no STATE. */
  readonly recordLimit?: number;
  /** --partition K/N (N > 1): read only this process's share of each stream (shareOf). */
  readonly partition?: PartitionSpec;
}

/** Passes over a part before a list that keeps changing is reported instead of read again. */
const MAX_PASSES = 3;

/** What one pass over a part saw. */
interface Pass {
  /** The part must be split: over the cap, cut short of its count, or as long as the cap. */
  readonly capped: boolean;
  /** The last page's count. */
  readonly count: number | undefined;
  readonly delivered: number;
  readonly pages: number;
  readonly firstCount: number | undefined;
  readonly lastCount: number | undefined;
  /**
   * A record may have been skipped: on a trusted newest-first list, the count went down between
   * two pages in page order (inserts land in front of the cursor and can only push records to
   * pages not read yet); on any other list, the count changed at all.
   */
  readonly drifted: boolean;
}

/**
 * Ids written in one part, plus (read-only) those its parent wrote before it was split. A part
 * frees its own ids when it is done; siblings never share a set (they are disjoint anyway), so
 * memory stays at one part's worth plus what was read before each split.
 */
class WrittenIds {
  readonly #own = new Set<string>();
  readonly #parent: WrittenIds | undefined;

  constructor(parent?: WrittenIds) {
    this.#parent = parent;
  }

  get size(): number {
    return this.#own.size + (this.#parent?.size ?? 0);
  }

  has(id: string): boolean {
    return this.#own.has(id) || (this.#parent?.has(id) ?? false);
  }

  add(id: string): void {
    this.#own.add(id);
  }
}

/** Whether a row was written earlier in this part (rows without a string id never are). */
function seenBefore(written: WrittenIds, row: JsonObject): boolean {
  return typeof row.id === "string" && written.has(row.id);
}

/** Syncs one stream; resolves with the number of records written. */
export async function syncStream(plan: StreamPlan, ctx: SyncContext): Promise<number> {
  return new StreamSync(plan, ctx).run();
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
  readonly #version: number | undefined;
  /** --partition: the parts this process reads (none: not its stream); undefined: whole stream. */
  readonly #share: readonly Part[] | undefined;
  /** Parts whose list never held still (paging drift): the bookmark must not move. */
  readonly #incomplete: string[] = [];
  #started = false;
  #written = 0;

  constructor(plan: StreamPlan, ctx: SyncContext) {
    const { def } = plan;
    this.#plan = plan;
    this.#ctx = ctx;
    this.#name = def.name;
    const bookmark = ctx.state.get(def.name);
    const resume = ctx.recordLimit === undefined ? bookmark.progress : undefined;
    this.#resume = resume;
    this.#done = new Set(resume?.done ?? []);
    this.#window = new ReplicationWindow({
      field: plan.incremental ? def.replicationKey : undefined,
      since: bookmark.replication_key_value ?? ctx.startDate,
      maxSeen: resume?.max_seen,
      newestFirst: def.sort?.field === def.replicationKey && def.sort?.order === "desc",
      stream: def.name,
      log: ctx.log,
    });
    this.#share = ctx.partition === undefined ? undefined : shareOf(def, ctx.partition);
    // A table version activated by one partition would delete the rows of the others.
    const split = this.#share !== undefined && this.#share.length > 0;
    const versioned = !plan.incremental && ctx.activateVersions && !split;
    this.#version = versioned ? (resume?.version ?? ctx.now().getTime()) : undefined;
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
      const { def, explicitlySelected } = this.#plan;
      if (!(error instanceof SourceError) || error.status !== 403 || def.access !== "admin") {
        throw error;
      }
      if (explicitlySelected) {
        throw new SourceError(
          `${error.message}. The catalog selects this admin-only stream explicitly, so the run fails; deselect it or use an admin's key`,
          { status: 403, endpoint: error.endpoint, retryable: false },
          { stream: this.#name, cause: error },
        );
      }
      this.#ctx.log.warn(`stream ${this.#name}: ${error.message}; stream skipped`);
      return 0;
    }
    await this.#finish();
    return this.#written;
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
    let pass: Pass | undefined;
    for (let number = 1; ; number += 1) {
      const current: ListCursor | undefined = number === 1 ? cursor : this.#open(part, 1);
      if (current === undefined) return;
      pass = await this.#readPass(
        part,
        current,
        written,
        number === 1 ? beforeLastPage : undefined,
      );
      if (pass.capped) {
        // Children skip what this part already wrote (a cap found only at the 10,000th row).
        await this.#split(part, position, pass.count ?? pass.delivered, pass.delivered, written);
        return;
      }
      if (!pass.drifted || this.#limitReached()) break;
      const where = part.key === "" ? "" : ` (${part.key})`;
      const change = `Secoda's count went from ${pass.firstCount} to ${pass.lastCount} while ${pass.pages} pages were read`;
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
    if (part.key !== "") await this.#checkpoint({});
  }

  /** One pass over a part's pages; rows whose id is in `written` are not written again. */
  async #readPass(
    part: Part,
    cursor: ListCursor,
    written: WrittenIds,
    beforeLastPage: (() => void) | undefined,
  ): Promise<Pass> {
    const window = this.#window;
    const cap = this.#plan.def.resultCap;
    const counts: number[] = [];
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
        if (page.page === 1 && part === WHOLE) this.#announceTotal(count);
        if (this.#isOverCap(page, delivered)) {
          overCap = true;
          if (!window.canStopEarly()) break;
        }
        const keys = window.scan(page.rows, previousKey, (row) => seenBefore(written, row));
        previousKey = keys.at(-1) ?? previousKey;
        reachedBookmark = window.reachedBookmark(keys);
        const more = page.nextPage !== undefined && !reachedBookmark && !this.#limitReached();
        if (more) cursor.prefetch(window.canStopEarly() ? 1 : this.#readAhead());
        else if (!overCap && !this.#limitReached()) beforeLastPage?.();
        await this.#writePage(page, keys, written);
        if (!more || this.#limitReached()) break;
        await this.#checkpoint({ partition: part.key, page: page.nextPage ?? 1 });
      }
    } finally {
      cursor.close();
    }
    // A listing that ends short of its count was cut off by a cap (declared or not); one that
    // holds as many rows as the cap may have been cut at it (a count saturated at the cap, or
    // none at all). Both are split, never trusted.
    const stable = counts.length === 0 || Math.min(...counts) === Math.max(...counts);
    const cut = cursor.startPage === 1 && count !== undefined && delivered < count && stable;
    const atCap = cap !== undefined && cursor.startPage === 1 && delivered >= cap.limit;
    const capped =
      !reachedBookmark && !this.#limitReached() && (overCap || cut || atCap) && this.#canSplit();
    return {
      capped,
      count,
      delivered,
      pages,
      firstCount: counts[0],
      lastCount: counts.at(-1),
      drifted: window.ordered
        ? counts.some((value, index) => index > 0 && value < (counts[index - 1] ?? value))
        : !stable,
    };
  }

  /** Splitting is possible unless this is a --test run. A stream without a cap only warns. */
  #canSplit(): boolean {
    return this.#ctx.recordLimit === undefined;
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

  /**
   * The query could hold more than the cap lets through: its count reaches the cap (a count
   * saturated at the cap looks exactly like that), or the rows read so far do.
   */
  #isOverCap(page: Page, delivered: number): boolean {
    const cap = this.#plan.def.resultCap;
    if (cap === undefined || this.#ctx.recordLimit !== undefined) return false;
    return (page.count ?? 0) >= cap.limit || delivered >= cap.limit;
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

  /**
   * Writes the page's records that are due: at or after the bookmark, within the --test limit,
   * replaced by their detail where the stream has one. A row emitted as is goes out as the
   * server's own JSON text (page.raw); only projected or detailed rows are serialised again.
   */
  async #writePage(
    page: Page,
    keys: readonly (string | undefined)[],
    written: WrittenIds,
  ): Promise<void> {
    const { def, project } = this.#plan;
    const ctx = this.#ctx;
    let rows: readonly JsonObject[] = page.rows;
    let raw: readonly (string | undefined)[] | undefined = page.raw;
    const limit = ctx.recordLimit;
    const again = written.size > 0 && rows.some((row) => seenBefore(written, row));
    if (this.#window.filters || limit !== undefined || def.detailPath !== undefined || again) {
      const due = (row: JsonObject | undefined, index: number) =>
        this.#window.isDue(keys[index]) && (row === undefined || !seenBefore(written, row));
      let picked = rows.flatMap((row, index) => (due(row, index) ? [index] : []));
      if (limit !== undefined) picked = picked.slice(0, Math.max(0, limit - this.#written));
      const [all, texts] = [rows, raw];
      rows = picked.flatMap((index) => {
        const row = all[index];
        return row === undefined ? [] : [row];
      });
      raw = texts === undefined ? undefined : picked.map((index) => texts[index]);
      if (def.detailPath !== undefined) {
        rows = await this.#details(def.detailPath, rows);
        raw = undefined;
      }
    }
    await this.#start();
    const version = this.#version === undefined ? "" : `,"version":${this.#version}`;
    const prefix = `{"type":"RECORD","stream":${JSON.stringify(def.name)},"record":`;
    const suffix = `${version},"time_extracted":"${page.receivedAt.toISOString()}"}`;
    for (let index = 0; index < rows.length; index += 1) {
      const row = rows[index] as JsonObject; // index < rows.length
      const projected = project(row);
      const text =
        projected === row ? (raw?.[index] ?? JSON.stringify(row)) : JSON.stringify(projected);
      const wait = ctx.output.writeLine(prefix + text + suffix);
      if (wait !== undefined) await wait;
    }
    for (const row of rows) if (typeof row.id === "string") written.add(row.id);
    this.#written += rows.length;
    if (rows.length > 0) ctx.records.increment({ stream: def.name }, rows.length);
    ctx.progress.count(def.name, rows.length);
  }

  async #details(template: string, rows: readonly JsonObject[]): Promise<JsonObject[]> {
    const ctx = this.#ctx;
    const details = await mapLimit(rows, ctx.detailConcurrency, async (row) => {
      const id = row.id;
      if (typeof id !== "string") return row;
      const detail = await ctx.client.detail(this.#name, template, id);
      if (detail === undefined) {
        ctx.log.warn(`stream ${this.#name}: ${template} returned 404 for ${id}; record skipped`);
      }
      return detail;
    });
    return details.filter((detail) => detail !== undefined);
  }

  /** SCHEMA (and the opening ACTIVATE_VERSION of a new table version) before the first record. */
  async #start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const { def, schema, incremental } = this.#plan;
    const bookmarkProperties =
      incremental && def.replicationKey !== undefined ? [def.replicationKey] : undefined;
    const output = this.#ctx.output;
    await output.write(message.schema(def.name, schema, def.keyProperties, bookmarkProperties));
    const fresh = this.#resume?.version === undefined;
    if (this.#version !== undefined && fresh && this.#ctx.recordLimit === undefined) {
      await output.write(message.activateVersion(def.name, this.#version));
    }
  }

  async #finish(): Promise<void> {
    await this.#start(); // an empty stream still gets its SCHEMA
    if (this.#ctx.recordLimit !== undefined) return;
    const { def } = this.#plan;
    const complete = this.#incomplete.length === 0;
    // An incomplete read keeps the old bookmark (its records are read again next time) and does
    // not activate its table version (that would delete the rows it may have missed).
    const bookmark = complete ? this.#window.finalBookmark() : this.#window.since;
    this.#ctx.state.set(def.name, this.#bookmark(bookmark));
    if (this.#version !== undefined && complete) {
      await this.#ctx.output.write(message.activateVersion(def.name, this.#version));
    }
    await this.#writeState();
    this.#ctx.log.info(`stream ${def.name}: ${this.#written} records`);
  }

  /** Records the resume point (old bookmark + cursor) and writes a STATE if it changed. */
  async #checkpoint(cursor: { partition?: string; page?: number }): Promise<void> {
    if (this.#ctx.recordLimit !== undefined) return;
    const maxSeen = this.#window.maxSeen;
    const progress: Progress = {
      done: [...this.#done],
      ...cursor,
      ...(maxSeen === undefined ? {} : { max_seen: maxSeen }),
      ...(this.#version === undefined ? {} : { version: this.#version }),
    };
    this.#ctx.state.set(this.#name, { ...this.#bookmark(this.#window.since), progress });
    await this.#writeState();
  }

  /** The stream's bookmark with this value (FULL_TABLE streams keep none). */
  #bookmark(value: string | undefined): Bookmark {
    const { def, incremental } = this.#plan;
    if (!incremental || def.replicationKey === undefined) return {};
    const key = def.replicationKey;
    return value === undefined
      ? { replication_key: key }
      : { replication_key: key, replication_key_value: value };
  }

  async #writeState(): Promise<void> {
    const value = this.#ctx.state.checkpoint();
    if (value !== undefined) await this.#ctx.output.write(message.state(value));
  }

  #limitReached(): boolean {
    const limit = this.#ctx.recordLimit;
    return limit !== undefined && this.#written >= limit;
  }
}
