import { describe, expect, it } from "vitest";
import { memoryLogger } from "../test/support/memory.js";
import { ReplicationWindow } from "./replication-window.js";

const at = (s: number) => `2025-01-01T00:00:${String(s).padStart(2, "0")}.000001Z`;
const rows = (...seconds: (number | null)[]) =>
  seconds.map((s, i) => ({ id: `r${i}`, updated_at: s === null ? null : at(s) }));

function window(
  options: {
    since?: string;
    newestFirst?: boolean;
    full?: boolean;
    alsoServes?: (string | undefined)[];
  } = {},
) {
  const { log, lines } = memoryLogger();
  const w = new ReplicationWindow({
    field: options.full === true ? undefined : "updated_at",
    since: options.since,
    maxSeen: undefined,
    newestFirst: options.newestFirst ?? true,
    stream: "tables",
    log,
    ...(options.alsoServes === undefined ? {} : { alsoServes: options.alsoServes }),
  });
  return { w, lines };
}

describe("ReplicationWindow", () => {
  it("lets rows at or after the bookmark through (at-least-once) and rows without a key too", () => {
    const { w } = window({ since: at(5) });
    const keys = w.scan(rows(9, 5, 4, null), undefined);
    expect(keys.map((key) => w.isDue(key))).toEqual([true, true, false, true]);
  });

  it("reaches the bookmark on the first newest-first page holding an older row", () => {
    const { w } = window({ since: at(5) });
    expect(w.reachedBookmark(w.scan(rows(9, 8, 7), undefined))).toBe(false);
    expect(w.reachedBookmark(w.scan(rows(6, 5, 4), at(7)))).toBe(true);
  });

  it("stops trusting the order (and stopping early) when a page is not newest first", () => {
    const { w, lines } = window({ since: at(5) });
    w.scan(rows(9, 8), undefined);
    w.scan(rows(9, 1), at(8)); // 9 after 8: not newest first
    expect(w.canStopEarly()).toBe(false);
    expect(w.reachedBookmark(w.scan(rows(1), at(1)))).toBe(false);
    expect(lines.join("\n")).toContain("did not return updated_at newest first");
  });

  it("tracks the greatest value seen, as the server wrote it, and bookmarks the later of it and since", () => {
    const { w } = window({ since: at(3), newestFirst: false });
    w.scan(rows(4, 7, 2), undefined);
    w.scan(rows(6), undefined);
    expect(w.maxSeen).toBe(at(7));
    expect(w.finalBookmark()).toBe(at(7));
    const { w: empty } = window({ since: at(3) });
    expect(empty.finalBookmark()).toBe(at(3));
  });

  it("does nothing for FULL_TABLE reads", () => {
    const { w } = window({ since: at(5), full: true });
    expect(w.scan(rows(1, 2), undefined)).toEqual([]);
    expect([w.filters, w.canStopEarly(), w.isDue(undefined), w.since]).toEqual([
      false,
      false,
      true,
      undefined,
    ]);
  });

  it("serving other streams' bookmarks, stops only below the oldest, and never without one", () => {
    const { w } = window({ since: at(7), alsoServes: [at(5), at(8)] });
    const keys = w.scan(rows(9, 7, 6), undefined);
    expect(keys.map((key) => w.isDue(key))).toEqual([true, true, false]); // its own bookmark
    expect(w.reachedBookmark(keys)).toBe(false);
    expect(w.reachedBookmark(w.scan(rows(5, 4), at(6)))).toBe(true);
    const { w: open } = window({ since: at(7), alsoServes: [undefined] });
    expect(open.canStopEarly()).toBe(false);
    expect(open.reachedBookmark(open.scan(rows(6, 1), undefined))).toBe(false);
  });
});
