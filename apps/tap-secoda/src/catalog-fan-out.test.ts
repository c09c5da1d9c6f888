import { describe, expect, it } from "vitest";
import { catalogSelecting } from "../test/support/catalog.js";
import { memoryLogger } from "../test/support/memory.js";
import { memoryApi } from "../test/support/memory-api.js";
import { lastState, recordsOf, runSync } from "../test/support/run.js";
import { planFanOut } from "./catalog-fan-out.js";
import { planStreams } from "./plan.js";
import { STREAM_DEFS } from "./streams.js";

const CATALOG = "/api/v1/resource/catalog";
const at = (minute: number) => `2025-01-01T00:${String(minute).padStart(2, "0")}:00.000001Z`;
/** Tables and columns, newest first by minute: t0 (minute 0) … alternating kinds. */
const rows = Array.from({ length: 12 }, (_, i) => ({
  id: `${i % 2 === 0 ? "t" : "c"}${String(i).padStart(2, "0")}`,
  entity_type: i % 2 === 0 ? "table" : "column",
  title: `r${i}`,
  updated_at: at(i),
}));

function plans(streams: readonly string[]) {
  return planStreams(STREAM_DEFS, catalogSelecting(streams), memoryLogger().log);
}

const names = (list: readonly { def: { name: string } }[] | undefined) =>
  (list ?? []).map((plan) => plan.def.name);

describe("planFanOut", () => {
  const off = { partitioned: false, test: false, resuming: () => false };

  it("serves the selected per-type streams from resources' pages", () => {
    const { readers, followers } = planFanOut(plans(["resources", "tables", "tags"]), off);
    expect(names(readers)).toEqual(["resources", "tags"]);
    expect(names(followers.get("resources"))).toEqual(["tables"]);
  });

  it("lets each stream read its own list without resources, under --partition or --test", () => {
    expect(planFanOut(plans(["tables", "columns"]), off).followers.size).toBe(0);
    const both = plans(["resources", "tables"]);
    expect(planFanOut(both, { ...off, partitioned: true }).followers.size).toBe(0);
    expect(planFanOut(both, { ...off, test: true }).followers.size).toBe(0);
  });

  it("lets a stream resuming an interrupted read (or its reader resuming) read its own list", () => {
    const both = plans(["resources", "tables", "columns"]);
    const tables = planFanOut(both, { ...off, resuming: (s) => s === "tables" });
    expect(names(tables.readers)).toEqual(["resources", "tables"]);
    const reader = planFanOut(both, { ...off, resuming: (s) => s === "resources" });
    expect(names(reader.readers)).toEqual(["resources", "tables", "columns"]);
  });
});

describe("a stream served from resources' pages", () => {
  it("gets exactly its rows from one read, and the read's bookmark", async () => {
    const api = memoryApi({ [CATALOG]: rows }, { pageSize: 5 });
    const run = await runSync(api.fetch, { catalog: catalogSelecting(["resources", "tables"]) });
    expect(run.error).toBeUndefined();
    expect(api.requests.every((url) => !url.searchParams.has("filter"))).toBe(true);
    expect(api.requests).toHaveLength(3);
    const tables = recordsOf(run.messages, "tables").map((r) => r.id);
    expect(tables.sort()).toEqual(["t00", "t02", "t04", "t06", "t08", "t10"]);
    expect(recordsOf(run.messages, "resources")).toHaveLength(12);
    const bookmarks = lastState(run.messages)?.bookmarks as Record<string, Record<string, string>>;
    expect(bookmarks.tables?.replication_key_value).toBe(at(11)); // resources' newest: a column
    expect(bookmarks.resources?.replication_key_value).toBe(at(11));
  });

  it("reads down to the oldest bookmark it serves, each stream writing from its own", async () => {
    const api = memoryApi({ [CATALOG]: rows }, { pageSize: 2 });
    const state = {
      bookmarks: {
        resources: { replication_key: "updated_at", replication_key_value: at(9) },
        tables: { replication_key: "updated_at", replication_key_value: at(6) },
      },
    };
    const run = await runSync(api.fetch, {
      catalog: catalogSelecting(["resources", "tables"]),
      state,
    });
    expect(run.error).toBeUndefined();
    expect(recordsOf(run.messages, "resources").map((r) => r.id)).toEqual(["c11", "t10", "c09"]);
    expect(recordsOf(run.messages, "tables").map((r) => r.id)).toEqual(["t10", "t08", "t06"]);
    // Pages of 2, newest first: minutes 11-10, 9-8, 7-6, 5-4 (the first older than 6).
    expect(api.requests.map((url) => url.searchParams.get("page"))).toEqual(["1", "2", "3", "4"]);
  });

  it("FULL_TABLE on either side: the read cannot stop early", async () => {
    const api = memoryApi({ [CATALOG]: rows }, { pageSize: 2 });
    const state = {
      bookmarks: { resources: { replication_key: "updated_at", replication_key_value: at(9) } },
    };
    const catalog = catalogSelecting(["resources", "tables"], {
      replication: { tables: "FULL_TABLE" },
    });
    const run = await runSync(api.fetch, { catalog, state });
    expect(run.error).toBeUndefined();
    expect(recordsOf(run.messages, "tables")).toHaveLength(6);
    expect(recordsOf(run.messages, "resources")).toHaveLength(3);
    expect(api.requests).toHaveLength(6);
  });
});
