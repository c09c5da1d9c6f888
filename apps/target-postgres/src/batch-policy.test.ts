import { describe, expect, it } from "vitest";
import {
  type BuffersNow,
  bytesLimit,
  dueStreams,
  dueWhenIdle,
  FIRST_FLUSH_BYTES,
} from "./batch-policy.js";

const MiB = 1024 * 1024;
const limits = { rows: 3, bytes: 16 * MiB, maxAgeMs: 60_000 };
const quiet: BuffersNow = { bufferedBytes: 100, oldestAt: 1_000, flushes: 5, now: 2_000 };

describe("dueStreams", () => {
  it.each([
    ["nothing reached", quiet, { stream: "a", pendingRows: 1 }, [], { kind: "none" }],
    ["no record (a STATE)", quiet, undefined, ["b"], { kind: "none" }],
    [
      "a full stream alone",
      quiet,
      { stream: "a", pendingRows: 3 },
      [],
      { kind: "streams", streams: ["a"] },
    ],
    [
      "a full stream takes the streams blocking the newest STATE, once each",
      quiet,
      { stream: "a", pendingRows: 3 },
      ["b", "a", "c"],
      { kind: "streams", streams: ["a", "b", "c"] },
    ],
    [
      "the byte limit takes every stream",
      { ...quiet, bufferedBytes: 16 * MiB },
      { stream: "a", pendingRows: 1 },
      [],
      { kind: "all" },
    ],
    [
      "the first flush ramps: 1 MiB is enough",
      { ...quiet, bufferedBytes: MiB, flushes: 0 },
      undefined,
      [],
      { kind: "all" },
    ],
    [
      "the age limit takes every stream",
      { ...quiet, now: 61_000 },
      { stream: "a", pendingRows: 3 },
      ["b"],
      { kind: "all" },
    ],
    [
      "nothing buffered is never stale",
      { ...quiet, oldestAt: undefined, now: 1e12 },
      undefined,
      [],
      { kind: "none" },
    ],
  ] as const)("%s", (_, buffers, added, blockers, expected) => {
    expect(dueStreams(limits, buffers, added, () => blockers)).toEqual(expected);
  });

  it("asks for the blockers only when a stream is full", () => {
    let asked = 0;
    dueStreams(limits, quiet, { stream: "a", pendingRows: 2 }, () => {
      asked += 1;
      return [];
    });
    expect(asked).toBe(0);
  });
});

describe("dueWhenIdle", () => {
  it.each([
    [59_999, { kind: "none" }],
    [60_000, { kind: "all" }],
  ] as const)("%i ms after the oldest record: %o", (age, expected) => {
    expect(dueWhenIdle(limits, { ...quiet, now: 1_000 + age })).toEqual(expected);
  });
});

describe("bytesLimit", () => {
  it.each([
    [0, FIRST_FLUSH_BYTES],
    [1, 2 * MiB],
    [4, 16 * MiB],
    [30, 16 * MiB],
  ])("after %i flushes: %i bytes", (flushes, expected) => {
    expect(bytesLimit(limits, flushes)).toBe(expected);
  });
});
