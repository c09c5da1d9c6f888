import { describe, expect, it } from "vitest";
import { instantKey, laterOf } from "./instant.js";

describe("instantKey", () => {
  it.each([
    ["2023-08-16T23:12:53.245493Z", "2023-08-16T23:12:53.245493000Z"],
    ["2023-08-16T23:12:53Z", "2023-08-16T23:12:53.000000000Z"],
    ["2023-08-16 23:12:53.1+00:00", "2023-08-16T23:12:53.100000000Z"],
    ["2023-08-17T01:12:53.245493+02:00", "2023-08-16T23:12:53.245493000Z"],
    ["2023-08-16T18:42:53.5-0430", "2023-08-16T23:12:53.500000000Z"],
    ["2023-08-16T23:12Z", "2023-08-16T23:12:00.000000000Z"],
  ])("%s → %s", (text, key) => {
    expect(instantKey(text)).toBe(key);
  });

  it.each(["", "2023-08-16", "2023-08-16T23:12:53", "yesterday", "2023-13-45T99:00:00+05:00"])(
    "rejects %j",
    (text) => {
      expect(instantKey(text)).toBeUndefined();
    },
  );

  it("orders microsecond timestamps where string comparison would not", () => {
    const whole = "2024-01-01T00:00:00Z";
    const micro = "2024-01-01T00:00:00.000001Z";
    expect(whole > micro).toBe(true); // the trap
    expect((instantKey(whole) ?? "") < (instantKey(micro) ?? "")).toBe(true);
  });
});

describe("laterOf", () => {
  it.each([
    [undefined, "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"],
    ["2024-01-01T00:00:00Z", undefined, "2024-01-01T00:00:00Z"],
    ["2024-01-01T00:00:00Z", "2024-01-01T00:00:00.000001Z", "2024-01-01T00:00:00.000001Z"],
    ["2024-01-02T00:00:00+05:00", "2024-01-01T20:00:00Z", "2024-01-01T20:00:00Z"],
    ["garbage", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"],
  ])("laterOf(%s, %s) = %s", (a, b, expected) => {
    expect(laterOf(a, b)).toBe(expected);
  });
});
