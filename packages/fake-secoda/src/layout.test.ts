import { describe, expect, it } from "vitest";
import { CATALOG_KINDS, countsFor, type Kind } from "./kinds.js";
import { childIndices, PARENT_KIND, parentIndex } from "./layout.js";

describe("countsFor", () => {
  it.each([100, 1000, 12_345, 1_000_000])(
    "the catalog kinds add up to exactly scale=%i",
    (scale) => {
      const counts = countsFor(scale);
      const catalog = CATALOG_KINDS.reduce((sum, kind) => sum + counts[kind], 0);
      expect(catalog).toBe(scale);
      expect(counts.column).toBeGreaterThan(0);
    },
  );

  it("gives the documented counts for scale 1000", () => {
    expect(countsFor(1000)).toMatchObject({
      database: 2,
      schema: 8,
      table: 120,
      column: 687,
      dashboard: 10,
      chart: 40,
      event_category: 3,
      event: 30,
      collection: 10,
      document: 20,
      glossary: 20,
      question: 10,
      question_reply: 20,
      query: 20,
      integration: 8,
      user: 20,
      group: 4,
      team: 5,
      tag: 12,
      custom_property: 6,
      lineage: 180,
      monitor: 6,
      incident: 7,
      audit_log: 60,
    });
  });

  it.each([99, 0, 1.5])("rejects scale %s", (scale) => {
    expect(() => countsFor(scale)).toThrow("scale must be an integer >= 100");
  });
});

describe("parent arithmetic", () => {
  const counts = countsFor(1000);
  const nested = Object.keys(PARENT_KIND) as Kind[];

  it.each(nested)("childIndices is the inverse of parentIndex for %s", (kind) => {
    const parentKind = PARENT_KIND[kind] ?? kind;
    const size = counts[kind];
    for (let parent = 0; parent < counts[parentKind]; parent += 1) {
      const expected = Array.from({ length: size }, (_, k) => k).filter(
        (k) => parentIndex(counts, kind, k) === parent,
      );
      expect([...childIndices(counts, kind, parent, size)]).toEqual(expected);
    }
  });

  it("self-nesting kinds only nest under roots", () => {
    expect(parentIndex(counts, "collection", 0)).toBeUndefined();
    expect(parentIndex(counts, "collection", 1)).toBeUndefined(); // 10 collections → 2 roots
    expect(parentIndex(counts, "collection", 2)).toBe(0); // block floor(2/2) = 1 is odd: nested
    expect(parentIndex(counts, "collection", 3)).toBe(1);
    expect(parentIndex(counts, "collection", 4)).toBeUndefined(); // block 2 is even: top level
  });
});
