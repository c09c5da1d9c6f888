import { describe, expect, it } from "vitest";
import { listItemTexts } from "./raw-json.js";

const tricky = [
  { id: "a", s: 'quote " and \\ backslash \\\\"', n: -1.5e3, t: true, f: false, z: null },
  { id: "b", nested: { list: [1, [2, { x: "]}" }]], "{": "[" }, empty: {}, none: [] },
  { id: "c", unicode: "é ✓ 🙂 \u0000 \u2028", key_with_escape: "\\" },
  { 'weird "key"': 1 },
  42,
  "just a string",
  null,
];

describe("listItemTexts", () => {
  it.each([
    [
      "a v1 wrapper with results last",
      (r: unknown[]) => ({ links: { next: null }, meta: { page: 1 }, count: r.length, results: r }),
    ],
    [
      "results first (newer endpoints)",
      (r: unknown[]) => ({ results: r, count: r.length, meta: { a: [1, "]"] } }),
    ],
    ["a bare array", (r: unknown[]) => r],
  ])("finds each item's exact text in %s", (_name, wrap) => {
    const text = JSON.stringify(wrap(tricky));
    const items = listItemTexts(text);
    expect(items).toHaveLength(tricky.length);
    expect(items?.map((item) => JSON.parse(item))).toEqual(tricky);
  });

  it("accepts spaces between tokens (Python's json.dumps style)", () => {
    const text = '{"count": 2, "results": [{"id": "a", "x": [1, 2]} , {"id": "b"}], "next": null}';
    expect(listItemTexts(text)).toEqual(['{"id": "a", "x": [1, 2]}', '{"id": "b"}']);
  });

  it.each([
    ["pretty-printed (line breaks)", JSON.stringify({ results: [{ id: "a" }] }, null, 2)],
    ["no results", '{"detail":"ok"}'],
    ["results not an array", '{"results":{"id":"a"}}'],
    ["not JSON", "<html>"],
    ["cut short", '{"results":[{"id":"a"},{"id":'],
  ])("refuses %s", (_name, text) => {
    expect(listItemTexts(text)).toBeUndefined();
  });

  it("returns an empty list for empty results", () => {
    expect(listItemTexts('{"results":[],"count":0}')).toEqual([]);
  });
});
