import { describe, expect, it } from "vitest";
import { Dataset } from "./dataset.js";
import { parseFilter } from "./filter.js";
import { CATALOG_KINDS } from "./kinds.js";
import { pruneKinds, QueryEngine } from "./query.js";
import { unref } from "./refs.js";

const dataset = new Dataset({ seed: 1, scale: 1000, startMicros: 1772366400000000 });
const engine = new QueryEngine(dataset);

describe("pruneKinds", () => {
  it.each([
    ['{"operator":"exact","field":"entity_type","value":"table"}', ["table"]],
    [
      '{"operator":"in","field":"entity_type","value":["column","category"]}',
      ["column", "event_category"],
    ],
    [
      '{"operator":"and","operands":[{"operator":"exact","field":"entity_type","value":"glossary"},{"operator":"contains","field":"title","value":"a"}]}',
      ["glossary"],
    ],
    [
      '{"operator":"or","operands":[{"operator":"exact","field":"entity_type","value":"table"}]}',
      CATALOG_KINDS,
    ],
    ['{"operator":"exact","field":"title","value":"x"}', CATALOG_KINDS],
  ])("%s → %j", (filter, kinds) => {
    expect(pruneKinds(CATALOG_KINDS, parseFilter(filter))).toEqual(kinds);
  });
});

describe("QueryEngine", () => {
  it("creation order when unsorted, counts everything", () => {
    const result = engine.run({ kinds: ["tag"], sort: [] });
    expect(result.count).toBe(12);
    expect(result.refs.map((ref) => unref(ref).k)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it("sorts, breaks ties by creation order, and caps without changing the count", () => {
    const result = engine.run({
      kinds: CATALOG_KINDS,
      sort: [{ field: "entity_type", order: "asc" }],
      cap: 5,
    });
    expect(result.count).toBe(1000);
    // "category" (3 event categories) sorts before "chart"
    expect(result.refs.map((ref) => unref(ref))).toEqual([
      { kind: "event_category", k: 0 },
      { kind: "event_category", k: 1 },
      { kind: "event_category", k: 2 },
      { kind: "chart", k: 0 },
      { kind: "chart", k: 1 },
    ]);
  });

  it("sorts timestamps numerically, newest first", () => {
    const result = engine.run({ kinds: ["table"], sort: [{ field: "updated_at", order: "desc" }] });
    const stamps = result.refs.map((ref) => String(dataset.recordByRef(ref).updated_at));
    expect(stamps).toEqual([...stamps].sort().reverse());
  });

  it("caches per dataset version", () => {
    const query = { kinds: ["tag"] as const, sort: [] };
    const first = engine.run(query);
    expect(engine.run(query)).toBe(first);
    dataset.advanceClock(1);
    expect(engine.run(query)).not.toBe(first);
  });
});
