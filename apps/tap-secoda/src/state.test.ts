import { describe, expect, it } from "vitest";
import { memoryLogger } from "../test/support/memory.js";
import { BIG_STATE, BIG_STATE_INTERVAL_MS, StateTracker } from "./state.js";

describe("StateTracker", () => {
  it("reads bookmarks from a STATE value or a whole STATE message, keeping unknown streams", () => {
    const value = {
      bookmarks: {
        tables: { replication_key: "updated_at", replication_key_value: "2024-01-01T00:00:00Z" },
        retired_stream: { anything: 1 },
      },
      currently_syncing: null,
    };
    for (const input of [value, { type: "STATE", value }]) {
      const state = new StateTracker(input, memoryLogger().log);
      expect(state.get("tables")).toEqual(value.bookmarks.tables);
      expect(state.value()).toEqual(value);
    }
  });

  it("drops malformed parts of a bookmark with no crash", () => {
    const { log, lines } = memoryLogger();
    const state = new StateTracker(
      {
        bookmarks: {
          a: { replication_key_value: "not a date", progress: { page: "3" } },
          b: "nonsense",
          c: { progress: { done: ["x", 1], partition: "", page: 0, version: 17 } },
        },
      },
      log,
    );
    expect(state.get("a")).toEqual({ progress: { done: [] } });
    expect(state.get("b")).toEqual({});
    expect(state.get("c")).toEqual({
      progress: { done: ["x"], partition: "", page: 1, version: 17 },
    });
    expect(lines.join("\n")).toContain("bookmark of stream b is not an object");
  });

  it("checkpoint() returns a value only when the state changed", () => {
    const state = new StateTracker(undefined, memoryLogger().log);
    expect(state.checkpoint()).toBeUndefined();
    state.set("users", {});
    expect(state.checkpoint()).toEqual({ bookmarks: { users: {} } });
    state.set("users", {});
    expect(state.checkpoint()).toBeUndefined();
  });
  it("writes a big STATE at most once a second, and the latest one at the end", () => {
    let now = 0;
    const state = new StateTracker(undefined, memoryLogger().log, undefined, () => now);
    const big = (page: number) => ({
      replication_key: "updated_at",
      deletion_sweep: { known_ids: "x".repeat(BIG_STATE) },
      progress: { done: [], partition: "", page },
    });
    state.set("tags", big(2));
    expect(state.checkpoint()).toBeDefined();
    state.set("tags", big(3));
    now = BIG_STATE_INTERVAL_MS - 1;
    expect(state.checkpoint()).toBeUndefined();
    now = BIG_STATE_INTERVAL_MS;
    state.set("tags", big(4));
    expect(state.checkpoint()).toBeDefined();
    state.set("tags", big(5));
    expect(state.checkpoint()).toBeUndefined();
    expect(state.flush()).toEqual({ bookmarks: { tags: big(5) } });
    expect(state.flush()).toBeUndefined();
    // Small STATEs are never held back.
    const small = new StateTracker(undefined, memoryLogger().log, undefined, () => 0);
    for (const page of [1, 2, 3]) {
      small.set("tags", { progress: { done: [], partition: "", page } });
      expect(small.checkpoint(), String(page)).toBeDefined();
    }
  });
});
