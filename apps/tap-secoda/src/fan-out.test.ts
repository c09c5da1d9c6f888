import type { JsonObject } from "@singerkit/singer";
import { describe, expect, it } from "vitest";
import { catalogSelecting } from "../test/support/catalog.js";
import { memoryApi } from "../test/support/memory-api.js";
import { lastState, recordsOf, runSync } from "../test/support/run.js";
import { shareOf } from "./partitions.js";
import { STREAMS } from "./streams.js";

const CATALOG = "/api/v1/resource/catalog";
const INTEGRATIONS = "/api/v1/integration/integrations";
const TYPES = ["table", "column", "schema", "dashboard", "mystery", null];

/** 60 catalog rows of six types (one unknown, one null), updated a minute apart. */
const rows: JsonObject[] = Array.from({ length: 60 }, (_, i) => ({
  id: `r${String(i).padStart(2, "0")}`,
  entity_type: TYPES[i % TYPES.length] ?? null,
  title: `row_${i}`,
  integration: null,
  updated_at: `2025-01-01T00:${String(i).padStart(2, "0")}:00.000001Z`,
}));
const sorted = (records: readonly JsonObject[]) => records.map((r) => String(r.id)).sort();

function def(name: string) {
  const found = STREAMS.find((stream) => stream.name === name);
  if (found === undefined) throw new Error(`no stream ${name}`);
  return found;
}

describe("--partition K/N (decisions-tap.md Fan-out)", () => {
  it("deals the resources stream's type parts out so every part is in exactly one partition", () => {
    const all = shareOf(def("resources"), { index: 1, count: 1 })?.map((part) => part.key) ?? [];
    for (const count of [2, 3, 4, 8]) {
      const keys = Array.from({ length: count }, (_, k) =>
        (shareOf(def("resources"), { index: k + 1, count }) ?? []).map((part) => part.key),
      );
      expect(keys.flat().sort()).toEqual([...all].sort());
      expect(keys.every((share) => share.length > 0)).toBe(true);
    }
  });

  it("leaves a stream that cannot be split server-side to partition 1", () => {
    expect(shareOf(def("tables"), { index: 1, count: 4 })).toBeUndefined();
    expect(shareOf(def("tables"), { index: 2, count: 4 })).toEqual([]);
  });

  it("4 partitions of resources read exactly what one run reads, each with its own STATE", async () => {
    const api = memoryApi({ [CATALOG]: rows, [INTEGRATIONS]: [] });
    const catalog = catalogSelecting(["resources"]);
    const whole = await runSync(api.fetch, { catalog });
    expect(whole.error).toBeUndefined();
    const runs = await Promise.all(
      [1, 2, 3, 4].map((index) => runSync(api.fetch, { catalog, partition: { index, count: 4 } })),
    );
    const union = runs.flatMap((run) => {
      expect(run.error).toBeUndefined();
      return recordsOf(run.messages, "resources");
    });
    expect(sorted(union)).toEqual(sorted(recordsOf(whole.messages, "resources")));
    expect(new Set(sorted(union)).size).toBe(rows.length);
    expect(runs.map((run) => lastState(run.messages)?.partition)).toEqual([
      "1/4",
      "2/4",
      "3/4",
      "4/4",
    ]);
  });

  it("refuses to resume one partition's STATE as another partition or as a whole run", async () => {
    const api = memoryApi({ [CATALOG]: rows, [INTEGRATIONS]: [] });
    const catalog = catalogSelecting(["resources"]);
    const first = await runSync(api.fetch, { catalog, partition: { index: 2, count: 4 } });
    const state = lastState(first.messages) ?? {};
    const other = await runSync(api.fetch, { catalog, state, partition: { index: 3, count: 4 } });
    expect(String(other.error)).toContain('written by partition "2/4", but this is partition 3/4');
    const whole = await runSync(api.fetch, { catalog, state });
    expect(String(whole.error)).toContain("but this is a whole run (no --partition)");
    const same = await runSync(api.fetch, { catalog, state, partition: { index: 2, count: 4 } });
    expect(same.error).toBeUndefined();
    expect(recordsOf(same.messages, "resources")).toHaveLength(1); // the bookmark's own record
  });
});

describe("--partition with FULL_TABLE and table versions", () => {
  it("emits no ACTIVATE_VERSION for the split stream (one partition would delete the others' rows)", async () => {
    const api = memoryApi({ [CATALOG]: rows, [INTEGRATIONS]: [] });
    const catalog = catalogSelecting(["resources", "integrations"], {
      replication: { resources: "FULL_TABLE", integrations: "FULL_TABLE" },
    });
    const config = { emit_activate_version_messages: true };
    const activated = (index: number) =>
      runSync(api.fetch, { catalog, config, partition: { index, count: 2 } }).then((run) =>
        run.messages.flatMap((m) => (m.type === "ACTIVATE_VERSION" ? [m.stream] : [])),
      );
    // integrations is read whole by partition 1, so its version is still activated there.
    expect(new Set(await activated(1))).toEqual(new Set(["integrations"]));
    expect(await activated(2)).toEqual([]);
  });
});
