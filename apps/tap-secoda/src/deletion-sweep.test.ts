import type { JsonObject, SingerMessage } from "@singerkit/singer";
import { describe, expect, it } from "vitest";
import { catalogSelecting } from "../test/support/catalog.js";
import { memoryApi } from "../test/support/memory-api.js";
import { lastState as maybeLastState, recordsOf, runSync } from "../test/support/run.js";
import { goneIds, sweepDue } from "./deletion-sweep.js";
import { decodeIds } from "./id-set.js";

const CATALOG = "/api/v1/resource/catalog";
/** Where the memory API answers `/api/v1/resource/all/{id}` (tables' recordPath). */
const RESOURCE_ALL = "/api/v1/resource/all";
const TAGS = "/api/v1/tag";

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const at = (minute: number) => `2025-01-01T00:${String(minute).padStart(2, "0")}:00.000001Z`;

function tables(n: number): JsonObject[] {
  return Array.from({ length: n }, (_, i) => ({
    id: uuid(i),
    entity_type: "table",
    updated_at: at(i),
  }));
}

function tags(n: number): JsonObject[] {
  return Array.from({ length: n }, (_, i) => ({ id: uuid(100 + i), updated_at: at(i) }));
}

function lastState(messages: readonly SingerMessage[]): JsonObject {
  const state = maybeLastState(messages);
  if (state === undefined) throw new Error("no STATE");
  return state;
}

function sweepOf(messages: readonly SingerMessage[], stream: string): JsonObject {
  const bookmarks = lastState(messages).bookmarks as { [stream: string]: JsonObject };
  return bookmarks[stream]?.deletion_sweep as JsonObject;
}

const knownOf = (messages: readonly SingerMessage[], stream: string) =>
  decodeIds(String(sweepOf(messages, stream).known_ids));

const tombstones = (messages: readonly SingerMessage[], stream: string) =>
  recordsOf(messages, stream).filter((record) => record._sdc_deleted_at !== undefined);

describe("sweepDue and goneIds", () => {
  const now = new Date("2025-06-02T00:00:00Z");
  it("every_run always, never never, daily once the last sweep is 23 hours old", () => {
    expect(sweepDue("every_run", now.toISOString(), now)).toBe(true);
    expect(sweepDue("never", undefined, now)).toBe(false);
    expect(sweepDue("daily", undefined, now)).toBe(true);
    expect(sweepDue("daily", "2025-06-01T01:00:01Z", now)).toBe(false);
    expect(sweepDue("daily", "2025-06-01T01:00:00Z", now)).toBe(true);
    expect(sweepDue("daily", "yesterday", now)).toBe(true);
  });

  it("an id is gone when known, not listed and not written in this run", () => {
    expect(goneIds(["a", "b", "c", "d"], new Set(["a"]), new Set(["c"]))).toEqual(["b", "d"]);
    expect(goneIds([], new Set(["a"]), new Set())).toEqual([]);
  });
});

describe("deletion sweep (in memory)", () => {
  const every = { deletion_sweep: "every_run" as const };

  it("tombstones exactly the deleted ids of an unsorted list, and forgets them", async () => {
    const rows = tags(8);
    const api = memoryApi({ [TAGS]: rows });
    const first = await runSync(api.fetch, { config: every, catalog: catalogSelecting(["tags"]) });
    expect(first.error).toBeUndefined();
    expect(tombstones(first.messages, "tags")).toEqual([]);
    expect(knownOf(first.messages, "tags")).toEqual(rows.map((r) => r.id));
    const schema = first.messages.find((m) => m.type === "SCHEMA" && m.stream === "tags");
    expect(schema?.type === "SCHEMA" && schema.schema.properties?._sdc_deleted_at).toEqual({
      type: ["null", "string"],
      format: "date-time",
    });

    const gone = [rows[2], rows[5]].map((r) => String(r?.id));
    const next = memoryApi({ [TAGS]: rows.filter((r) => !gone.includes(String(r.id))) });
    const second = await runSync(next.fetch, {
      config: every,
      catalog: catalogSelecting(["tags"]),
      state: lastState(first.messages),
      now: "2025-06-01T01:00:00Z",
    });
    expect(second.error).toBeUndefined();
    expect(tombstones(second.messages, "tags")).toEqual(
      gone.map((id) => ({ id, _sdc_deleted_at: "2025-06-01T01:00:00.000Z" })),
    );
    expect(knownOf(second.messages, "tags")).toEqual(
      rows.map((r) => String(r.id)).filter((id) => !gone.includes(id)),
    );
    expect(sweepOf(second.messages, "tags").swept_at).toBe("2025-06-01T01:00:00.000Z");
  });

  it("a sweep reads a newest-first list whole; a run between daily sweeps stops early", async () => {
    const rows = tables(12);
    const data = { [CATALOG]: rows, [RESOURCE_ALL]: rows };
    const api = memoryApi(data);
    const catalog = catalogSelecting(["tables"]);
    const daily = { deletion_sweep: "daily" as const };
    const first = await runSync(api.fetch, { config: daily, catalog });
    const firstPages = api.requests.length;
    expect(firstPages).toBe(4); // 12 rows, 3 a page

    // An hour later, one table deleted: not due (daily), early stop, no tombstone.
    const remaining = { [CATALOG]: rows.slice(1), [RESOURCE_ALL]: rows.slice(1) };
    const hourly = memoryApi(remaining);
    const state = lastState(first.messages);
    const later = await runSync(hourly.fetch, {
      config: daily,
      catalog,
      state,
      now: "2025-06-01T01:00:00Z",
    });
    expect(later.error).toBeUndefined();
    expect(hourly.requests.length).toBe(1);
    expect(tombstones(later.messages, "tables")).toEqual([]);
    // Nothing new to remember: no STATE differs from the one it started from.
    expect(later.messages.some((m) => m.type === "STATE")).toBe(false);

    // A day later the sweep is due: every page, the deleted table as a tombstone.
    const nextDay = memoryApi(remaining);
    const swept = await runSync(nextDay.fetch, {
      config: daily,
      catalog,
      state,
      now: "2025-06-02T00:00:00Z",
    });
    expect(swept.error).toBeUndefined();
    const pages = nextDay.requests.filter((u) => u.pathname === CATALOG).length;
    expect(pages).toBe(4); // 11 rows: pages 1–4, no early stop
    expect(tombstones(swept.messages, "tables").map((r) => r.id)).toEqual([rows[0]?.id]);
    // Only the records due by the bookmark are written, as in any incremental run.
    expect(recordsOf(swept.messages, "tables").length).toBeLessThan(3);
  });

  it("keeps an id the list no longer has while its own URL still answers", async () => {
    const rows = tables(6);
    const api = memoryApi({ [CATALOG]: rows, [RESOURCE_ALL]: rows });
    const catalog = catalogSelecting(["tables"]);
    const first = await runSync(api.fetch, { config: every, catalog });
    // Row 1 is missing from the listing (as if it moved while the list was read); row 2 is gone.
    const listed = rows.filter((_, i) => i !== 1 && i !== 2);
    const next = memoryApi({ [CATALOG]: listed, [RESOURCE_ALL]: rows.filter((_, i) => i !== 2) });
    const second = await runSync(next.fetch, {
      config: every,
      catalog,
      state: lastState(first.messages),
    });
    expect(second.error).toBeUndefined();
    expect(tombstones(second.messages, "tables").map((r) => r.id)).toEqual([rows[2]?.id]);
    expect(knownOf(second.messages, "tables")).toContain(rows[1]?.id);
    expect(knownOf(second.messages, "tables")).not.toContain(rows[2]?.id);
    const asked = next.requests.filter((u) => u.pathname.startsWith(`${RESOURCE_ALL}/`));
    expect(asked.map((u) => u.pathname).sort()).toEqual(
      [rows[1]?.id, rows[2]?.id].map((id) => `${RESOURCE_ALL}/${id}`).sort(),
    );
  });

  it("an incomplete listing sends no tombstone, warns, and keeps the sweep due", async () => {
    const rows = tags(9);
    const api = memoryApi({ [TAGS]: rows });
    const catalog = catalogSelecting(["tags"]);
    const first = await runSync(api.fetch, { config: every, catalog });
    // Secoda counts 8 but lists only 6: an undeclared cap, so the listing proves nothing.
    const next = memoryApi({ [TAGS]: rows.slice(1) }, { caps: { [TAGS]: 6 } });
    const second = await runSync(next.fetch, {
      config: every,
      catalog,
      state: lastState(first.messages),
      now: "2025-06-03T00:00:00Z",
    });
    expect(second.error).toBeUndefined();
    expect(tombstones(second.messages, "tags")).toEqual([]);
    expect(second.logs.some((line) => /WARN .*tags: deletion sweep skipped/.test(line))).toBe(true);
    expect(sweepOf(second.messages, "tags").swept_at).toBe(
      sweepOf(first.messages, "tags").swept_at,
    );
    expect(knownOf(second.messages, "tags")).toEqual(rows.map((r) => r.id));
  });

  it("a resumed read does not sweep (it starts mid-list) but remembers what it wrote", async () => {
    const rows = tags(9);
    const catalog = catalogSelecting(["tags"]);
    const first = await runSync(memoryApi({ [TAGS]: rows }).fetch, { config: every, catalog });
    const state = lastState(first.messages);
    const bookmarks = state.bookmarks as { [stream: string]: JsonObject };
    const interrupted = {
      bookmarks: {
        tags: { ...bookmarks.tags, progress: { done: [], partition: "", page: 2 } },
      },
    };
    const added = { id: uuid(999), updated_at: at(59) };
    const next = memoryApi({ [TAGS]: [...rows.slice(1), added] });
    const resumed = await runSync(next.fetch, { config: every, catalog, state: interrupted });
    expect(resumed.error).toBeUndefined();
    expect(tombstones(resumed.messages, "tags")).toEqual([]);
    expect(resumed.logs.some((line) => line.includes("deletion sweep"))).toBe(false);
    expect(knownOf(resumed.messages, "tags")).toContain(added.id);
    expect(sweepOf(resumed.messages, "tags").swept_at).toBe(
      sweepOf(first.messages, "tags").swept_at,
    );
    // The next run sweeps and finds the tag deleted meanwhile.
    const swept = await runSync(next.fetch, {
      config: every,
      catalog,
      state: lastState(resumed.messages),
    });
    expect(tombstones(swept.messages, "tags").map((r) => r.id)).toEqual([rows[0]?.id]);
  });

  it("never: no _sdc_deleted_at in the schema, no deletion state", async () => {
    const api = memoryApi({ [TAGS]: tags(3) });
    const run = await runSync(api.fetch, {
      config: { deletion_sweep: "never" },
      catalog: catalogSelecting(["tags"]),
    });
    const schema = run.messages.find((m) => m.type === "SCHEMA" && m.stream === "tags");
    expect(schema?.type === "SCHEMA" && schema.schema.properties?._sdc_deleted_at).toBe(undefined);
    expect(sweepOf(run.messages, "tags")).toBeUndefined();
  });
});
