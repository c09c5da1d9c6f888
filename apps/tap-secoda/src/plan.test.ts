import { describe, expect, it } from "vitest";
import { catalogSelecting } from "../test/support/catalog.js";
import { memoryLogger } from "../test/support/memory.js";
import { planStreams } from "./plan.js";
import { STREAM_DEFS } from "./streams.js";

describe("planStreams", () => {
  it("without a catalog syncs every stream selected by default, in table order", () => {
    const plans = planStreams(STREAM_DEFS, undefined, memoryLogger().log);
    expect(plans.map((p) => p.def.name)).toEqual(STREAM_DEFS.map((d) => d.name));
    expect(plans.every((p) => !p.explicitlySelected)).toBe(true);
  });

  it("with a catalog syncs only selected streams and ignores unknown ones with a warning", () => {
    const { log, lines } = memoryLogger();
    const catalog = catalogSelecting(["users", "tags"]);
    const withUnknown = {
      streams: [...catalog.streams, { ...catalog.streams[0], tap_stream_id: "gone" }],
    };
    const plans = planStreams(STREAM_DEFS, withUnknown as typeof catalog, log);
    expect(plans.map((p) => p.def.name)).toEqual(["users", "tags"]);
    expect(plans.every((p) => p.explicitlySelected)).toBe(true);
    expect(lines.join("\n")).toContain("stream gone is unknown to this tap");
  });

  it("passes a row through untouched when every field is declared and selected", () => {
    const [plan] = planStreams(STREAM_DEFS, catalogSelecting(["tags"]), memoryLogger().log);
    const row = { id: "x", name: "Finance" };
    expect(plan?.project(row)).toBe(row);
  });

  it("drops undeclared fields, warning once per field", () => {
    const { log, lines } = memoryLogger();
    const [plan] = planStreams(STREAM_DEFS, catalogSelecting(["tags"]), log);
    expect(plan?.project({ id: "x", surprise: 1 })).toEqual({ id: "x" });
    expect(plan?.project({ id: "y", surprise: 2 })).toEqual({ id: "y" });
    expect(
      lines.filter((line) => line.includes("field surprise is not in the schema")),
    ).toHaveLength(1);
  });

  it("keeps key and replication key even when the catalog deselects them", () => {
    const catalog = catalogSelecting(["tags"], { fields: { tags: ["id", "updated_at", "name"] } });
    const [plan] = planStreams(STREAM_DEFS, catalog, memoryLogger().log);
    expect(plan?.project({ id: "x", updated_at: "2025-01-01T00:00:00Z", name: "n" })).toEqual({
      id: "x",
      updated_at: "2025-01-01T00:00:00Z",
    });
    expect(Object.keys(plan?.schema.properties ?? {})).not.toContain("name");
  });
});
