import type { JsonObject, JsonSchemaObject } from "@singerkit/singer";
import { decodeIds, encodeIds } from "./id-set.js";
import { instantKey } from "./instant.js";
import { mapLimit } from "./limit.js";
import type { StreamPlan } from "./plan.js";
import type { DeletionState } from "./state.js";
import type { StreamOutput } from "./stream-output.js";
import type { SyncContext } from "./sync-context.js";

/** The `deletion_sweep` setting (decisions-tap.md "Deletes"). */
export type SweepCadence = "every_run" | "daily" | "never";

/** `daily`: a sweep at least this old is due (23 h: a daily schedule never slips a day). */
export const DAILY_MS = 23 * 3600 * 1000;

/** The column a tombstone sets (Singer's convention for deletes). */
export const DELETED_AT = "_sdc_deleted_at";

/**
 * Streams whose deletions the tap tracks: INCREMENTAL (FULL_TABLE has ACTIVATE_VERSION), keyed
 * by `id` alone, not append-only (audit logs expire; their rows must stay).
 */
export function tracksDeletes(plan: StreamPlan, cadence: SweepCadence): boolean {
  const { def } = plan;
  const byId = def.keyProperties.length === 1 && def.keyProperties[0] === "id";
  return cadence !== "never" && plan.incremental && byId && def.appendOnly !== true;
}

/** Whether this run sweeps a tracked stream last swept at `sweptAt`. */
export function sweepDue(cadence: SweepCadence, sweptAt: string | undefined, now: Date): boolean {
  if (cadence === "never") return false;
  if (cadence === "every_run" || sweptAt === undefined) return true;
  const last = Date.parse(sweptAt);
  return Number.isNaN(last) || now.getTime() - last >= DAILY_MS;
}

/**
 * Whether a stream's read is a deletion sweep: the sweep is due for it or for a stream served from
 * its pages (then they all sweep: one whole read lists them all). Never in --test or a resumed
 * read (its listing starts mid-list).
 */
export function sweepsThisRun(
  group: readonly StreamPlan[],
  ctx: SyncContext,
  resuming: boolean,
): boolean {
  if (ctx.recordLimit !== undefined || resuming) return false;
  const cadence = ctx.deletionSweep;
  const now = ctx.now();
  return group.some(
    (plan) =>
      tracksDeletes(plan, cadence) &&
      sweepDue(cadence, ctx.state.get(plan.def.name).deletion_sweep?.swept_at, now),
  );
}

/** A tracked stream's plan: its SCHEMA declares `_sdc_deleted_at`, a nullable date-time. */
export function withDeletedAt(plan: StreamPlan): StreamPlan {
  const deletedAt = { type: ["null", "string"], format: "date-time" } as const;
  const properties = { ...plan.schema.properties, [DELETED_AT]: deletedAt };
  const schema: JsonSchemaObject = { ...plan.schema, properties };
  return { ...plan, schema };
}

/**
 * The ids that are gone: known before (in the warehouse) and neither listed by a complete sweep
 * nor written in this run (a record added while the sweep read is written, never tombstoned).
 */
export function goneIds(
  known: Iterable<string>,
  listed: ReadonlySet<string>,
  written: ReadonlySet<string>,
): string[] {
  const gone: string[] = [];
  for (const id of known) if (!listed.has(id) && !written.has(id)) gone.push(id);
  return gone;
}

/**
 * One stream's deletion tracking in one run. Every run adds the ids it wrote to the stream's
 * known ids (in STATE, id-set.ts). A sweep run reads the whole list (no early stop) and records
 * every id it lists; when that listing is complete, each known id it did not list and the run did
 * not write is asked for by its own URL (`recordPath`): a 404 makes it a tombstone (a RECORD with
 * the key and `_sdc_deleted_at`), an answer keeps it (it moved while the list was read). An
 * incomplete listing emits nothing and warns; the sweep is then due again next run.
 */
export class DeletionTracker {
  readonly sweeping: boolean;
  readonly #plan: StreamPlan;
  readonly #ctx: SyncContext;
  readonly #output: StreamOutput;
  readonly #previous: DeletionState | undefined;
  readonly #written: Set<string>;
  readonly #listed = new Set<string>();
  /** Rows older than start_date never reach the warehouse: not known, not listed. */
  readonly #fromKey: string | undefined;
  #short: string | undefined;

  constructor(plan: StreamPlan, ctx: SyncContext, output: StreamOutput, sweeping: boolean) {
    this.#plan = plan;
    this.#ctx = ctx;
    this.#output = output;
    this.sweeping = sweeping;
    this.#previous = ctx.state.get(plan.def.name).deletion_sweep;
    this.#written = output.trackIds();
    this.#fromKey = ctx.startDate === undefined ? undefined : instantKey(ctx.startDate);
  }

  /** Rows of the sweep's listing (every row of every page, due or not). */
  listed(rows: readonly JsonObject[]): void {
    if (!this.sweeping) return;
    const field = this.#plan.def.replicationKey;
    for (const row of rows) {
      if (typeof row.id !== "string") continue;
      const value = field === undefined ? undefined : row[field];
      const key = typeof value === "string" ? instantKey(value) : undefined;
      if (this.#fromKey !== undefined && key !== undefined && key < this.#fromKey) continue;
      this.#listed.add(row.id);
    }
  }

  /** The listing missed rows (a cap nobody declared, …): no tombstones this run. */
  incomplete(reason: string): void {
    this.#short ??= reason;
  }

  /**
   * The end of the stream's read, before its final bookmark: tombstones (a complete sweep), then
   * the new known ids and sweep time into the bookmark.
   */
  async finish(complete: boolean): Promise<void> {
    const name = this.#plan.def.name;
    const log = this.#ctx.log;
    const known = this.#knownIds();
    if (!this.sweeping || !complete || this.#short !== undefined) {
      if (this.sweeping) {
        const why = this.#short ?? "the list kept changing while it was read";
        log.warn(
          `stream ${name}: deletion sweep skipped (${why}); no tombstones this run, the sweep is due again next run`,
        );
      }
      if (this.#written.size === 0 && this.#previous !== undefined) return;
      this.#save(this.#previous?.swept_at, [...(known ?? []), ...this.#written]);
      return;
    }
    const now = this.#ctx.now();
    const candidates = known === undefined ? [] : goneIds(known, this.#listed, this.#written);
    const alive = await this.#stillThere(candidates);
    const gone = candidates.filter((id) => !alive.has(id));
    await this.#output.writeTombstones(gone, now.toISOString());
    this.#save(now.toISOString(), [...this.#listed, ...this.#written, ...alive]);
    log.info(
      `stream ${name}: deletion sweep listed ${this.#listed.size} records; ${gone.length} gone (tombstones), ${alive.size} missing from the list but still there`,
    );
  }

  /** The known ids from STATE; undefined on a first run (or unreadable: a fresh start). */
  #knownIds(): string[] | undefined {
    const text = this.#previous?.known_ids;
    if (text === undefined) return undefined;
    try {
      return decodeIds(text);
    } catch (error) {
      this.#ctx.log.warn(
        `state: known_ids of stream ${this.#plan.def.name} is unreadable (${(error as Error).message}); deletions start over from this run`,
      );
      return undefined;
    }
  }

  /** Candidates that their own URL still answers (not deleted: missed by the listing). */
  async #stillThere(candidates: readonly string[]): Promise<Set<string>> {
    const { def } = this.#plan;
    const path = def.recordPath ?? def.detailPath;
    if (path === undefined || candidates.length === 0) return new Set();
    const found = await mapLimit(candidates, this.#ctx.detailConcurrency, async (id) =>
      (await this.#ctx.client.detail(def.name, path, id)) === undefined ? undefined : id,
    );
    return new Set(found.filter((id) => id !== undefined));
  }

  #save(sweptAt: string | undefined, ids: readonly string[]): void {
    const { text, skipped } = encodeIds(ids);
    if (skipped > 0) {
      this.#ctx.log.warn(
        `stream ${this.#plan.def.name}: ${skipped} ids are not UUIDs; their deletions are not tracked`,
      );
    }
    this.#output.setDeletions({
      ...(sweptAt === undefined ? {} : { swept_at: sweptAt }),
      known_ids: text,
    });
  }
}
