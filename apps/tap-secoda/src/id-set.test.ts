import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decodeIds, encodeIds } from "./id-set.js";

describe("encodeIds / decodeIds", () => {
  it("round-trips a set of UUIDs, ascending and without duplicates", () => {
    const ids = Array.from({ length: 500 }, () => randomUUID());
    const { text, skipped } = encodeIds([...ids, ...ids.slice(0, 10)]);
    expect(skipped).toBe(0);
    expect(decodeIds(text)).toEqual([...new Set(ids)].sort());
  });

  it("keeps the extremes: the zero and the all-ones UUID", () => {
    const ids = ["00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"];
    expect(decodeIds(encodeIds(ids).text)).toEqual(ids);
    expect(decodeIds(encodeIds([]).text)).toEqual([]);
  });

  it("leaves out ids that are not canonical lowercase UUIDs, and counts them", () => {
    const id = "7f0c2a4e-1b7d-4f55-9d3e-0a6f2f2d9b11";
    const { text, skipped } = encodeIds([id, id.toUpperCase(), "None", `{${id}}`]);
    expect(skipped).toBe(3);
    expect(decodeIds(text)).toEqual([id]);
  });

  it("takes about 23 characters an id at 25,000 ids (a JSON list: 39)", () => {
    const ids = Array.from({ length: 25_000 }, () => randomUUID());
    const { text } = encodeIds(ids);
    expect(text.length / ids.length).toBeLessThan(24);
    expect(text.length / ids.length).toBeGreaterThan(21);
    expect(JSON.stringify(ids).length / ids.length).toBeGreaterThan(38);
  });

  it("refuses text it cannot have written", () => {
    expect(() => decodeIds("not base64!")).toThrow(/base64url/);
    expect(() => decodeIds(Buffer.from([0x81]).toString("base64url"))).toThrow(/cut/);
    expect(() => decodeIds(Buffer.from([0x01, 0x00]).toString("base64url"))).toThrow(/zero/);
    const long = Buffer.from([...Array(20).fill(0xff), 0x01]).toString("base64url");
    expect(() => decodeIds(long)).toThrow(/128 bits/);
  });
});
