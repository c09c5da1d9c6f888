import { describe, expect, it } from "vitest";
import { formatMicros, IdCodec, parseMicros } from "./ids.js";

describe("IdCodec", () => {
  const codec = new IdCodec(1);

  it.each([
    [0, 0],
    [3, 17],
    [23, 999_999],
    [255, 0],
    [13, 4294967295],
  ])("round-trips kind %i, index %i through a v4 UUID", (kindIndex, index) => {
    const id = codec.encode(kindIndex, index);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(codec.decode(id)).toEqual({ kindIndex, index });
    expect(codec.decode(id.toUpperCase())).toEqual({ kindIndex, index });
  });

  it("is deterministic per seed and differs across seeds", () => {
    expect(new IdCodec(1).encode(2, 5)).toBe(codec.encode(2, 5));
    expect(new IdCodec(2).encode(2, 5)).not.toBe(codec.encode(2, 5));
    expect(new IdCodec(2).decode(codec.encode(2, 5))).toBeUndefined();
  });

  it.each([
    "not-a-uuid",
    "123e4567-e89b-12d3-a456-426614174000",
    "00000000-0000-4000-8000-000000000000",
  ])("rejects ids it never issued: %s", (id) => {
    expect(codec.decode(id)).toBeUndefined();
  });
});

describe("timestamps", () => {
  it.each([
    [1772366400000000, "2026-03-01T12:00:00.000000Z"],
    [1772366400123456, "2026-03-01T12:00:00.123456Z"],
    [1772366400000001, "2026-03-01T12:00:00.000001Z"],
  ])("formats %i as %s and parses it back", (micros, text) => {
    expect(formatMicros(micros)).toBe(text);
    expect(parseMicros(text)).toBe(micros);
  });

  it.each([
    ["2026-03-01T12:00:00Z", 1772366400000000],
    ["2026-03-01T12:00:00.5Z", 1772366400500000],
    ["2026-03-01T13:00:00.000001+01:00", 1772366400000001],
    ["yesterday", undefined],
  ])("parses %s", (text, micros) => {
    expect(parseMicros(text)).toBe(micros);
  });
});
