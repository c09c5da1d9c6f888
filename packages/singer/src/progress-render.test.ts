import { describe, expect, it } from "vitest";
import { formatElapsed, formatRate, renderStatus } from "./progress-render.js";

describe("renderStatus", () => {
  it("never draws wider than the terminal, even at a tiny width", () => {
    const report = {
      streams: [{ name: "users", count: 5, committed: 0, total: 10 }],
      rates: [1],
      elapsedMs: 1_000,
      hasCommitted: false,
    };
    for (const columns of [1, 5, 20, 33, 200]) {
      expect(renderStatus(report, columns).length).toBeLessThanOrEqual(Math.max(1, columns - 1));
    }
  });
});

describe("formats", () => {
  it.each([
    [0, "0:00"],
    [9_999, "0:09"],
    [61_000, "1:01"],
    [3_723_000, "1:02:03"],
  ])("formatElapsed(%i) is %s", (ms, expected) => {
    expect(formatElapsed(ms)).toBe(expected);
  });

  it.each([
    [0, "0"],
    [0.04, "0.0"],
    [2.5, "2.5"],
    [10.4, "10"],
    [1234.5, "1,235"],
  ])("formatRate(%d) is %s", (rate, expected) => {
    expect(formatRate(rate)).toBe(expected);
  });
});
