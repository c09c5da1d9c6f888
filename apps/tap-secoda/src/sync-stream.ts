import {
  type JsonObject,
  type Logger,
  type MessageWriter,
  type MetricCounter,
  message,
  SourceError,
} from "@repo/singer";
import type { ListCursor, Page, SecodaClient } from "./client.js";
import { instantKey, laterOf } from "./instant.js";
import { mapLimit } from "./limit.js";
import {
  bisect,
  dimensionValues,
  type Part,
  type Position,
  queryParams,
  START,
  splitByValues,
  WHOLE,
} from "./partitions.js";
import type { StreamPlan } from "./plan.js";
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
  readonly records: MetricCounter;
  /** Ids of another stream's records, for `valuesFromStream` partitions (cached per run). */
  readonly lookupIds: (stream: string) => Promise<string[]>;
  /** --test: stop each stream after this many records and write no STATE. */
  readonly recordLimit?: number;
}

/** Syncs one stream; resolves with the number of records written. */
export async function syncStream(plan: StreamPlan, ctx: SyncContext): Promise<number> {
  return new StreamSync(plan, ctx).run();
}

/**
 * One stream's sync: pages → records → STATE after every page. Newest-first streams stop paging
 * at the first page older than the bookmark; capped queries are split (partitions.ts); the
 * bookmark moves to the greatest value seen only once the whole stream is read.
 */
class StreamSync {
  readonly #plan: StreamPlan;
  readonly #ctx: SyncContext;
  readonly #name: string;
  readonly #since: string | undefined;
  readonly #sinceKey: string | undefined;
  readonly #done: Set<string>;
  readonly #resume: Progress | undefined;
  readonly #version: number | undefined;
  readonly #sortedNewestFirst: boolean;
  #maxSeen: string | undefined;
  #maxSeenKey: string | undefined;
  #started = false;
  #written = 0;
  #orderTrusted = true;

  constructor(plan: StreamPlan, ctx: SyncContext) {
    const { def } = plan;
    this.#plan = plan;
    this.#ctx = ctx;
    this.#name = def.name;
    const bookmark = ctx.state.get(def.name);
    this.#since = plan.incremental ? (bookmark.replication_key_value ?? ctx.startDate) : undefined;
    this.#sinceKey = this.#since === undefined ? undefined : instantKey(this.#since);
    const resume = ctx.recordLimit === undefined ? bookmark.progress : undefined;
    this.#resume = resume;
    this.#done = new Set(resume?.done ?? []);
    this.#maxSeen = resume?.max_seen;
    this.#maxSeenKey = this.#maxSeen === undefined ? undefined : instantKey(this.#maxSeen);
    const fullTableVersions = !plan.incremental && ctx.activateVersions;
    this.#version = fullTableVersions ? (resume?.version ?? ctx.now().getTime()) : undefined;
    this.#sortedNewestFirst =
      plan.incremental && def.sort?.field === def.replicationKey && def.sort?.order === "desc";
  }

  async run(): Promise<number> {
    try {
      await this.#readPart(WHOLE, START);
    } catch (error) {
      if (
        !(error instanceof SourceError) ||
        error.status !== 403 ||
        this.#plan.def.access !== "admin"
      )
        throw error;
      if (this.#plan.explicitlySelected) {
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
   * Reads one part page by page. A part over the result cap is split (see #splitPart), except
   * when it is read newest first from a bookmark: then the early stop usually comes long before
   * the cap, and the split happens only if the listing ends at the cap without reaching the
   * bookmark (records already written are written again: at-least-once).
   */
  async #readPart(
    part: Part,
    position: Position,
    cursor = this.#open(part),
    beforeLastPage?: () => void,
  ): Promise<void> {
    if (cursor === undefined) return;
    const { def } = this.#plan;
    let count: number | undefined;
    let delivered = 0;
    let overCap = false;
    let reachedBookmark = false;
    let previousKey: string | undefined;
    try {
      for (let page = await cursor.next(); page !== undefined; page = await cursor.next()) {
        count = page.count;
        delivered += page.rows.length;
        if (this.#isOverCap(page)) {
          overCap = true;
          if (!this.#canOutrunCap()) break;
        }
        const keys = this.#keysOf(page, previousKey);
        previousKey = keys.at(-1) ?? previousKey;
        reachedBookmark = this.#olderThanBookmark(keys);
        const more = page.nextPage !== undefined && !reachedBookmark;
        if (more && !this.#limitReached()) cursor.prefetch();
        else if (!overCap) beforeLastPage?.();
        await this.#writePage(page, keys);
        if (!more || this.#limitReached()) break;
        await this.#checkpoint({ partition: part.key, page: page.nextPage ?? 1 });
      }
    } finally {
      cursor.close();
    }
    // A listing that ends short of its count was cut off by a cap (declared or not).
    const cut = cursor.startPage === 1 && count !== undefined && delivered < count;
    if (!reachedBookmark && !this.#limitReached() && count !== undefined && (overCap || cut)) {
      if (def.resultCap !== undefined) {
        await this.#splitPart(part, position, count);
        return;
      }
      this.#ctx.log.warn(
        `stream ${def.name}: Secoda counted ${count} results but listed ${delivered}; it may cap this endpoint`,
      );
    }
    this.#done.add(part.key);
    if (part.key !== "") await this.#checkpoint({});
  }

  /** A cursor on the part's pages (from the resume point), or undefined when it is done. */
  #open(part: Part): ListCursor | undefined {
    if (this.#done.has(part.key) || this.#limitReached()) return undefined;
    const { def } = this.#plan;
    const startPage = this.#resume?.partition === part.key ? (this.#resume.page ?? 1) : 1;
    const query = {
      stream: def.name,
      path: def.path,
      list: def.list,
      params: queryParams(def, part),
    };
    return this.#ctx.client.list(query, startPage);
  }

  /**
   * Reads partitions one after the other, but asks for the next one's first page while the
   * current one's last page is being written: a first page is the server's costliest (it filters
   * and sorts), and this hides it behind our own work (decisions-tap.md "Prefetch").
   */
  async #readParts(children: readonly Part[], position: Position): Promise<void> {
    let cursor = children[0] === undefined ? undefined : this.#open(children[0]);
    for (const [index, child] of children.entries()) {
      const following = children[index + 1];
      const next = following === undefined ? undefined : this.#open(following);
      try {
        await this.#readPart(child, position, cursor, () => next?.prefetch());
      } catch (error) {
        next?.close();
        throw error;
      }
      cursor = next;
    }
  }

  #isOverCap(page: Page): boolean {
    const cap = this.#plan.def.resultCap;
    return (
      cap !== undefined && this.#ctx.recordLimit === undefined && (page.count ?? 0) > cap.limit
    );
  }

  /** Newest first from a bookmark: the records we need may all be before the cap. */
  #canOutrunCap(): boolean {
    return this.#sortedNewestFirst && this.#orderTrusted && this.#sinceKey !== undefined;
  }

  /** A part over the cap: read it as partitions along the next dimension that can split it. */
  async #splitPart(part: Part, position: Position, count: number): Promise<void> {
    const { def } = this.#plan;
    const dimensions = def.resultCap?.partitionBy ?? [];
    const where = part.key === "" ? "the query" : part.key;
    for (let level = position.level, step = position.step; level < dimensions.length; level += 1) {
      const dimension = dimensions[level];
      if (dimension === undefined) break;
      let children: readonly Part[];
      let next: Position;
      if ("substrings" in dimension) {
        const text = dimension.substrings[step];
        step = 0;
        if (text === undefined) continue;
        children = bisect(part, dimension.field, text);
        next = { level, step: position.level === level ? position.step + 1 : 1 };
      } else {
        const values = await dimensionValues(dimension, this.#ctx.lookupIds);
        children = splitByValues(part, dimension.field, values);
        next = { level: level + 1, step: 0 };
        if (children.length === 0) continue;
      }
      this.#ctx.log.info(
        `stream ${def.name}: ${where} has ${count} results, over Secoda's cap of ${def.resultCap?.limit}; reading it as ${children.length} partitions by ${dimension.field}`,
      );
      await this.#readParts(children, next);
      return;
    }
    throw new SourceError(
      `${def.path} has ${count} results for ${where}, over Secoda's cap of ${def.resultCap?.limit}, and no partition is left to split it; records would be lost, so the run stops`,
      { endpoint: def.path, retryable: false },
      { stream: def.name },
    );
  }

  /**
   * Replication key of every row (undefined when absent or unparseable), checking on the way
   * that a newest-first stream really is newest first; if not, early stop is off for the run.
   */
  #keysOf(page: Page, previous: string | undefined): (string | undefined)[] {
    const field = this.#plan.def.replicationKey;
    if (!this.#plan.incremental || field === undefined) return [];
    let last = previous;
    const keys = page.rows.map((row) => {
      const value = row[field];
      const key = typeof value === "string" ? instantKey(value) : undefined;
      if (key !== undefined) {
        if (this.#sortedNewestFirst && this.#orderTrusted && last !== undefined && key > last) {
          this.#orderTrusted = false;
          this.#ctx.log.warn(
            `stream ${this.#name}: Secoda did not return ${field} newest first; reading every page this run`,
          );
        }
        last = key;
      }
      return key;
    });
    return keys;
  }

  /** True when a newest-first page reaches below the bookmark: later pages are all older. */
  #olderThanBookmark(keys: readonly (string | undefined)[]): boolean {
    if (!this.#sortedNewestFirst || !this.#orderTrusted || this.#sinceKey === undefined)
      return false;
    const since = this.#sinceKey;
    return keys.some((key) => key !== undefined && key < since);
  }

  /**
   * Writes the page's records that are due: at or after the bookmark, within the --test limit,
   * replaced by their detail where the stream has one. A row emitted as is goes out as the
   * server's own JSON text (page.raw); only projected or detailed rows are serialised again.
   */
  async #writePage(page: Page, keys: readonly (string | undefined)[]): Promise<void> {
    const { def, project } = this.#plan;
    const ctx = this.#ctx;
    this.#trackMaxSeen(page.rows, keys);
    let rows: readonly JsonObject[] = page.rows;
    let raw: readonly (string | undefined)[] | undefined = page.raw;
    const since = this.#sinceKey;
    const limit = ctx.recordLimit;
    if (since !== undefined || limit !== undefined || def.detailPath !== undefined) {
      let picked = rows.flatMap((_, index) => {
        const key = keys[index];
        // at-least-once: a record exactly at the bookmark is sent again
        return since === undefined || key === undefined || key >= since ? [index] : [];
      });
      if (limit !== undefined) picked = picked.slice(0, Math.max(0, limit - this.#written));
      const all = rows;
      const texts = raw;
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
    this.#written += rows.length;
    if (rows.length > 0) ctx.records.increment({ stream: def.name }, rows.length);
  }

  #trackMaxSeen(rows: readonly JsonObject[], keys: readonly (string | undefined)[]): void {
    for (const key of keys) {
      if (key !== undefined && (this.#maxSeenKey === undefined || key > this.#maxSeenKey)) {
        this.#maxSeenKey = key;
      }
    }
    this.#maxSeen = this.#maxSeenFrom(rows, keys) ?? this.#maxSeen;
  }

  /** The original text of the greatest key on the page, if it beats the current maximum. */
  #maxSeenFrom(
    rows: readonly JsonObject[],
    keys: readonly (string | undefined)[],
  ): string | undefined {
    const field = this.#plan.def.replicationKey;
    if (field === undefined || this.#maxSeenKey === undefined) return undefined;
    const index = keys.indexOf(this.#maxSeenKey);
    const value = index === -1 ? undefined : rows[index]?.[field];
    return typeof value === "string" ? value : undefined;
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
    await this.#ctx.output.write(
      message.schema(def.name, schema, def.keyProperties, bookmarkProperties),
    );
    const fresh = this.#resume?.version === undefined;
    if (this.#version !== undefined && fresh && this.#ctx.recordLimit === undefined) {
      await this.#ctx.output.write(message.activateVersion(def.name, this.#version));
    }
  }

  async #finish(): Promise<void> {
    await this.#start(); // an empty stream still gets its SCHEMA
    const { def, incremental } = this.#plan;
    if (this.#ctx.recordLimit !== undefined) return;
    const bookmark: Bookmark =
      incremental && def.replicationKey !== undefined
        ? withValue(def.replicationKey, laterOf(this.#since, this.#maxSeen))
        : {};
    this.#ctx.state.set(def.name, bookmark);
    if (this.#version !== undefined) {
      await this.#ctx.output.write(message.activateVersion(def.name, this.#version));
    }
    await this.#writeState();
    this.#ctx.log.info(`stream ${def.name}: ${this.#written} records`);
  }

  /** Records the resume point (old bookmark + cursor) and writes a STATE if it changed. */
  async #checkpoint(cursor: { partition?: string; page?: number }): Promise<void> {
    if (this.#ctx.recordLimit !== undefined) return;
    const { def, incremental } = this.#plan;
    const progress: Progress = {
      done: [...this.#done],
      ...cursor,
      ...(this.#maxSeen === undefined ? {} : { max_seen: this.#maxSeen }),
      ...(this.#version === undefined ? {} : { version: this.#version }),
    };
    const base =
      incremental && def.replicationKey !== undefined
        ? withValue(def.replicationKey, this.#since)
        : {};
    this.#ctx.state.set(def.name, { ...base, progress });
    await this.#writeState();
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

function withValue(key: string, value: string | undefined): Bookmark {
  return value === undefined
    ? { replication_key: key }
    : { replication_key: key, replication_key_value: value };
}
