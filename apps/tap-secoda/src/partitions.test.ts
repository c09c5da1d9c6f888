import { filterMatches } from "@repo/fake-secoda";
import { describe, expect, it } from "vitest";
import {
  bisect,
  type Part,
  planSplit,
  queryParams,
  START,
  splitByValues,
  WHOLE,
} from "./partitions.js";
import type { Filter } from "./stream-def.js";
import { STREAMS } from "./streams.js";

type Row = { readonly [field: string]: string | null };

/** The fake's evaluator of the documented filter grammar (secoda-api.md §2.1). */
function matches(filter: Filter, row: Row): boolean {
  return filterMatches(filter, row);
}

const rows: Row[] = Array.from({ length: 200 }, (_, i) => ({
  type: ["table", "column", "glossary", "mystery"][i % 4] ?? null,
  integration_id: i % 5 === 0 ? null : `int-${i % 3}`,
  title: i % 7 === 0 ? null : `t${i}_${"abcde"[i % 5]}`,
}));

function members(part: Part): Set<number> {
  return new Set(rows.flatMap((row, i) => (part.filters.every((f) => matches(f, row)) ? [i] : [])));
}

/** Every row of the parent is in exactly one child. */
function expectExactCover(parent: Part, children: readonly Part[]) {
  const seen = new Map<number, number>();
  for (const child of children) for (const i of members(child)) seen.set(i, (seen.get(i) ?? 0) + 1);
  expect([...seen.keys()].sort((a, b) => a - b)).toEqual([...members(parent)]);
  expect([...seen.values()].every((n) => n === 1)).toBe(true);
}

describe("partitions", () => {
  it("splitByValues covers unknown values and null through the remainder", () => {
    const children = splitByValues(WHOLE, "type", ["table", "column", "table"]);
    expect(children.map((c) => c.key)).toEqual(["type=table", "type=column", "type=~other"]);
    expectExactCover(WHOLE, children);
  });

  it("nested splits and bisections stay exact covers", () => {
    const [, column] = splitByValues(WHOLE, "type", ["table", "column"]);
    if (column === undefined) throw new Error("no column part");
    const byIntegration = splitByValues(column, "integration_id", ["int-0", "int-1"]);
    expectExactCover(column, byIntegration);
    const [inner] = byIntegration;
    if (inner === undefined) throw new Error("no part");
    const halves = bisect(inner, "title", "a");
    expect(halves.map((h) => h.key)).toEqual([
      "type=column/integration_id=int-0/title~a",
      "type=column/integration_id=int-0/title!~a",
    ]);
    expectExactCover(inner, halves);
  });

  it("splitting by no values is no split", () => {
    expect(splitByValues(WHOLE, "integration_id", [])).toEqual([]);
  });

  it("queryParams sends the stream filter and the part's filters under one and, plus sort", () => {
    const tables = STREAMS.find((s) => s.name === "tables");
    if (tables === undefined) throw new Error("no tables stream");
    const [part] = splitByValues(WHOLE, "integration_id", ["i1"]);
    if (part === undefined) throw new Error("no part");
    expect(queryParams(tables, WHOLE)).toEqual({
      filter: '{"operator":"exact","field":"type","value":"table"}',
      sort: '{"field":"updated_at","order":"desc"}',
    });
    expect(JSON.parse(queryParams(tables, part).filter ?? "")).toEqual({
      operator: "and",
      operands: [
        { operator: "exact", field: "type", value: "table" },
        { operator: "exact", field: "integration_id", value: "i1" },
      ],
    });
  });

  it("planSplit walks the dimensions: values, then looked-up values, then substrings one by one", async () => {
    const dimensions = [
      { field: "type", values: ["table"] },
      { field: "integration_id", valuesFromStream: "integrations" },
      { field: "title", substrings: ["e", "a"] },
    ];
    const lookup = async () => ["i1"];
    const first = await planSplit(dimensions, WHOLE, START, lookup);
    expect(first?.children.map((c) => c.key)).toEqual(["type=table", "type=~other"]);
    expect(first?.next).toEqual({ level: 1, step: 0 });
    const second = await planSplit(dimensions, WHOLE, { level: 1, step: 0 }, lookup);
    expect(second?.children.map((c) => c.key)).toEqual([
      "integration_id=i1",
      "integration_id=~other",
    ]);
    const third = await planSplit(dimensions, WHOLE, { level: 2, step: 1 }, lookup);
    expect(third?.children.map((c) => c.key)).toEqual(["title~a", "title!~a"]);
    expect(third?.next).toEqual({ level: 2, step: 2 });
    expect(await planSplit(dimensions, WHOLE, { level: 2, step: 2 }, lookup)).toBeUndefined();
    expect(await planSplit(dimensions, WHOLE, { level: 1, step: 0 }, async () => [])).toMatchObject(
      {
        field: "title",
      },
    );
  });
});
