import { describe, expect, it } from "vitest";
import { memoryLogger } from "../test/support/memory.js";
import { StateTracker } from "./state.js";

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
});
