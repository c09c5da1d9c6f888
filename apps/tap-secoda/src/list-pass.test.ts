import { describe, expect, it } from "vitest";
import { judgePass, type PassObservations, reachesCap } from "./list-pass.js";

const full: PassObservations = {
  counts: [30, 30, 30],
  count: 30,
  delivered: 30,
  pages: 3,
  startPage: 1,
  capLimit: 10_000,
  overCap: false,
  reachedBookmark: false,
  limitReached: false,
  canSplit: true,
  ordered: false,
};

describe("judgePass", () => {
  it("trusts a listing that holds still and delivers its count", () => {
    expect(judgePass(full)).toEqual({
      capped: false,
      count: 30,
      delivered: 30,
      pages: 3,
      firstCount: 30,
      lastCount: 30,
      drifted: false,
    });
  });

  it("splits a listing cut short of a stable count, and one as long as the cap", () => {
    expect(judgePass({ ...full, delivered: 20 }).capped).toBe(true);
    expect(judgePass({ ...full, counts: [], count: undefined, delivered: 10_000 }).capped).toBe(
      true,
    );
  });

  it("does not split a resumed, bookmarked, --test or unsplittable pass", () => {
    for (const change of [
      { startPage: 2 },
      { reachedBookmark: true },
      { limitReached: true },
      { canSplit: false },
    ]) {
      expect(judgePass({ ...full, delivered: 20, ...change }).capped).toBe(false);
    }
  });

  it("calls any count change drift, but only a falling count on a trusted newest-first list", () => {
    expect(judgePass({ ...full, counts: [30, 31, 31] }).drifted).toBe(true);
    expect(judgePass({ ...full, counts: [30, 31, 31], ordered: true }).drifted).toBe(false);
    expect(judgePass({ ...full, counts: [30, 29, 29], ordered: true }).drifted).toBe(true);
  });
});

describe("reachesCap", () => {
  it.each([
    [undefined, 20_000, 100, false],
    [10_000, 9_999, 100, false],
    [10_000, 10_000, 100, true],
    [10_000, undefined, 10_000, true],
  ])("cap %s, count %s, %i delivered: %s", (cap, count, delivered, expected) => {
    expect(reachesCap(cap, count, delivered)).toBe(expected);
  });
});
