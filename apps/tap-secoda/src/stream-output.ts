import { type JsonObject, message } from "@singerkit/singer";
import type { Page } from "./client.js";
import { tracksDeletes } from "./deletion-sweep.js";
import { fetchDetails } from "./details.js";
import { laterOf } from "./instant.js";
import type { StreamPlan } from "./plan.js";
import type { ReplicationWindow } from "./replication-window.js";
import type { Bookmark, DeletionState, Progress } from "./state.js";
import type { SyncContext } from "./sync-context.js";
import { seenBefore, type WrittenIds } from "./written-ids.js";

/**
 * What one stream writes, in order: SCHEMA (and the opening ACTIVATE_VERSION of a new table
 * version) before its first record, RECORD lines, a STATE after every page, and at the end the
 * bookmark, the closing ACTIVATE_VERSION and the last STATE. The engine (sync-stream.ts) decides
 * what to read; this decides which rows of a page are due and how they are written.
 */
export class StreamOutput {
  readonly #plan: StreamPlan;
  readonly #ctx: SyncContext;
  readonly #window: ReplicationWindow;
  readonly #resume: Progress | undefined;
  readonly #version: number | undefined;
  #started = false;
  #written = 0;
  /** The stream's deletion sweep entry, carried in every bookmark this stream writes. */
  #deletions: DeletionState | undefined;
  /** Ids of the records written, when deletions are tracked (trackIds). */
  #ids: Set<string> | undefined;

  constructor(
    plan: StreamPlan,
    ctx: SyncContext,
    window: ReplicationWindow,
    resume: Progress | undefined,
    version: number | undefined,
  ) {
    this.#plan = plan;
    this.#ctx = ctx;
    this.#window = window;
    this.#resume = resume;
    this.#version = version;
    // Not tracked (deletion_sweep never, FULL_TABLE): the ids of an earlier run are dropped.
    this.#deletions = tracksDeletes(plan, ctx.deletionSweep)
      ? ctx.state.get(plan.def.name).deletion_sweep
      : undefined;
  }

  /** From now on, collects the ids of the records written (deletion-sweep.ts). */
  trackIds(): Set<string> {
    this.#ids ??= new Set();
    return this.#ids;
  }

  /** The deletion sweep entry of the final bookmark. */
  setDeletions(deletions: DeletionState): void {
    this.#deletions = deletions;
  }

  /**
   * One RECORD per deleted id: the key and `_sdc_deleted_at` (deletion-sweep.ts). A target with
   * hard deletes removes the row; others keep it marked.
   */
  async writeTombstones(ids: readonly string[], deletedAt: string): Promise<void> {
    if (ids.length === 0) return;
    await this.start();
    const { def } = this.#plan;
    const suffix = `,"time_extracted":${JSON.stringify(deletedAt)}}`;
    for (const id of ids) {
      const text = JSON.stringify({ id, _sdc_deleted_at: deletedAt });
      const wait = this.#ctx.output.writeRecord(def.name, text, suffix);
      if (wait !== undefined) await wait;
    }
    this.#ctx.records.increment({ stream: def.name }, ids.length);
  }

  /** Records written so far. */
  get written(): number {
    return this.#written;
  }

  /** --test: the stream has written its records. */
  limitReached(): boolean {
    const limit = this.#ctx.recordLimit;
    return limit !== undefined && this.#written >= limit;
  }

  /**
   * Writes the page's records that are due: at or after the bookmark, within the --test limit,
   * replaced by their detail where the stream has one. A row emitted as is goes out as the
   * server's own JSON text (page.raw); only projected or detailed rows are serialised again.
   */
  async writePage(
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
        rows = await fetchDetails(ctx, def.name, def.detailPath, rows);
        raw = undefined;
      }
    }
    await this.start();
    const version = this.#version === undefined ? "" : `,"version":${this.#version}`;
    const suffix = `${version},"time_extracted":"${page.receivedAt.toISOString()}"}`;
    for (let index = 0; index < rows.length; index += 1) {
      const row = rows[index] as JsonObject; // index < rows.length
      const projected = project(row);
      const text =
        projected === row ? (raw?.[index] ?? JSON.stringify(row)) : JSON.stringify(projected);
      const wait = ctx.output.writeRecord(def.name, text, suffix);
      if (wait !== undefined) await wait;
    }
    for (const row of rows) {
      if (typeof row.id !== "string") continue;
      written.add(row.id);
      this.#ids?.add(row.id);
    }
    this.#written += rows.length;
    if (rows.length > 0) ctx.records.increment({ stream: def.name }, rows.length);
    ctx.progress.count(def.name, rows.length);
  }

  /** SCHEMA (and the opening ACTIVATE_VERSION of a new table version) before the first record. */
  async start(): Promise<void> {
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

  /**
   * The end of the stream. An incomplete read keeps the old bookmark (its records are read again
   * next time) and does not activate its table version (that would delete the rows it may have
   * missed). `readThrough`: the list read is known complete up to this replication key value
   * (a stream served from another's pages: that stream's final bookmark); the bookmark is then
   * at least that.
   */
  async finish(complete: boolean, readThrough?: string): Promise<void> {
    await this.start(); // an empty stream still gets its SCHEMA
    if (this.#ctx.recordLimit !== undefined) return;
    const { def } = this.#plan;
    const final = laterOf(this.#window.finalBookmark(), readThrough);
    const bookmark = complete ? final : this.#window.since;
    this.#ctx.state.set(def.name, this.#bookmark(bookmark));
    if (this.#version !== undefined && complete) {
      await this.#ctx.output.write(message.activateVersion(def.name, this.#version));
    }
    await this.#writeState();
    this.#ctx.log.info(`stream ${def.name}: ${this.#written} records`);
  }

  /** Records the resume point (old bookmark + cursor) and writes a STATE if it changed. */
  async checkpoint(
    done: Iterable<string>,
    cursor: { partition?: string; page?: number; count?: number },
  ): Promise<void> {
    if (this.#ctx.recordLimit !== undefined) return;
    const maxSeen = this.#window.maxSeen;
    const progress: Progress = {
      done: [...done],
      ...cursor,
      ...(maxSeen === undefined ? {} : { max_seen: maxSeen }),
      ...(this.#version === undefined ? {} : { version: this.#version }),
    };
    this.#ctx.state.set(this.#plan.def.name, {
      ...this.#bookmark(this.#window.since),
      progress,
    });
    await this.#writeState();
  }

  /** The stream's bookmark with this value (FULL_TABLE streams keep none). */
  #bookmark(value: string | undefined): Bookmark {
    const { def, incremental } = this.#plan;
    if (!incremental || def.replicationKey === undefined) return {};
    const key = def.replicationKey;
    const sweep = this.#deletions === undefined ? {} : { deletion_sweep: this.#deletions };
    return value === undefined
      ? { replication_key: key, ...sweep }
      : { replication_key: key, replication_key_value: value, ...sweep };
  }

  async #writeState(): Promise<void> {
    const value = this.#ctx.state.checkpoint();
    if (value !== undefined) await this.#ctx.output.write(message.state(value));
  }
}
