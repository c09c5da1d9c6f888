import { describe, expect, it } from "vitest";
import { Dataset } from "./dataset.js";
import { parseMicros } from "./ids.js";
import { CATALOG_KINDS, KINDS, type Kind } from "./kinds.js";

const START = parseMicros("2026-03-01T12:00:00.000000Z") ?? 0;
const make = (seed = 1, scale = 1000) => new Dataset({ seed, scale, startMicros: START });
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

describe("determinism", () => {
  it.each(KINDS)("same seed and scale give the same %s records; another seed does not", (kind) => {
    const a = make();
    const b = make();
    const other = make(2);
    for (const k of [0, 1, a.counts[kind] - 1]) {
      expect(JSON.stringify(b.record(kind, k))).toBe(JSON.stringify(a.record(kind, k)));
      expect(other.record(kind, k).id).not.toBe(a.record(kind, k).id);
    }
  });

  it("mutations pick the same records for the same seed and sequence", () => {
    const run = () => {
      const dataset = make();
      dataset.advanceClock(60);
      return [
        dataset.mutate({ op: "update", kind: "catalog", share: 0.01 }),
        dataset.mutate({ op: "delete", kind: "tag", count: 2 }),
        dataset.mutate({ op: "add", kind: "table", count: 1 }),
      ];
    };
    const first = run();
    expect(run()).toEqual(first);
    expect(first.map((r) => r.ids.length)).toEqual([10, 2, 1]);
  });
});

describe("relations", () => {
  const dataset = make();
  const find = (id: unknown) => (typeof id === "string" ? dataset.find(id) : undefined);

  it.each([
    ["schema", "parent", "database"],
    ["table", "parent", "schema"],
    ["column", "parent", "table"],
    ["chart", "parent", "dashboard"],
    ["event", "parent", "event_category"],
    ["question_reply", "parent", "question"],
    ["table", "integration", "integration"],
    ["monitor", "target", "column"],
    ["incident", "monitor", "monitor"],
  ] as const)("every %s.%s names a live %s (or the kind's sibling)", (kind, field, target) => {
    for (let k = 0; k < dataset.counts[kind]; k += 1) {
      const found = find(dataset.record(kind, k)[field]);
      expect(found?.kind === target || (kind === "monitor" && found?.kind === "table")).toBe(true);
    }
  });

  it.each(CATALOG_KINDS)(
    "%s references only live users, tags, collections, groups and teams",
    (kind) => {
      const refs: [string, Kind][] = [
        ["owners", "user"],
        ["tags", "tag"],
        ["collections", "collection"],
        ["owners_groups", "group"],
        ["teams", "team"],
      ];
      for (let k = 0; k < Math.min(50, dataset.counts[kind]); k += 1) {
        const record = dataset.record(kind, k);
        for (const [field, target] of refs) {
          const ids = record[field];
          expect(Array.isArray(ids)).toBe(true);
          for (const id of Array.isArray(ids) ? ids : []) expect(find(id)?.kind).toBe(target);
        }
      }
    },
  );

  it("children_count counts live children", () => {
    const table = dataset.record("table", 0);
    expect(table.children_count).toBe(Math.ceil(dataset.counts.column / dataset.counts.table));
  });

  it("group.users and user.user_groups agree", () => {
    for (let g = 0; g < dataset.counts.group; g += 1) {
      const group = dataset.record("group", g);
      for (let u = 0; u < dataset.counts.user; u += 1) {
        const user = dataset.record("user", u);
        const inGroup = Array.isArray(group.users) && group.users.includes(user.id ?? "");
        const inUser = Array.isArray(user.user_groups) && user.user_groups.includes(group.id ?? "");
        expect(inGroup).toBe(inUser);
      }
    }
  });

  it("timestamps have microseconds and precede the start clock", () => {
    const record = dataset.record("column", 5);
    expect(record.created_at).toMatch(TIMESTAMP);
    expect(record.updated_at).toMatch(TIMESTAMP);
    expect(String(record.created_at) <= String(record.updated_at)).toBe(true);
    expect(String(record.updated_at) < "2026-03-01T12:00:00.000000Z").toBe(true);
  });

  it("exactly one record of the catalog carries a NUL: table 3's description", () => {
    expect(dataset.record("table", 3).description).toBe(
      "Raw export from the legacy CRM.\u0000Bytes after the NUL must survive.",
    );
    let withNul = 0;
    for (const kind of CATALOG_KINDS) {
      for (let k = 0; k < dataset.counts[kind]; k += 1) {
        if (JSON.stringify(dataset.record(kind, k)).includes("\\u0000")) withNul += 1;
      }
    }
    expect(withNul).toBe(1);
  });
});

describe("mutations", () => {
  it("an update moves updated_at to the clock and marks the description", () => {
    const dataset = make();
    dataset.advanceClock(3600);
    const id = dataset.id("table", 7);
    const before = dataset.record("table", 7);
    const result = dataset.mutate({ op: "update", ids: [id] });
    expect(result).toEqual({ op: "update", ids: [id], now: "2026-03-01T13:00:00.000000Z" });
    const after = dataset.record("table", 7);
    expect(after.updated_at).toBe("2026-03-01T13:00:00.000000Z");
    expect(after.created_at).toBe(before.created_at);
    expect(String(after.description)).toMatch(/\(edited, revision 1\)$/);
  });

  it("a delete cascades to children and to edges that touch it", () => {
    const dataset = make();
    const columns = dataset.counts.column;
    dataset.mutate({ op: "delete", ids: [dataset.id("table", 0)] });
    expect(dataset.find(dataset.id("table", 0))).toBeUndefined();
    expect(dataset.isLive("column", 0)).toBe(false);
    expect(dataset.isLive("column", dataset.counts.table)).toBe(false);
    expect(dataset.isLive("column", 1)).toBe(true);
    expect(dataset.record("schema", 0).children_count).toBe(
      Math.ceil(dataset.counts.table / dataset.counts.schema) - 1,
    );
    expect(columns).toBe(dataset.counts.column); // base counts never change
  });

  it("added records get the next index, the clock as created_at, and an audit entry", () => {
    const dataset = make();
    dataset.advanceClock(10);
    const [id] = dataset.mutate({ op: "add", kind: "column", count: 1 }).ids;
    expect(dataset.find(id ?? "")).toEqual({ kind: "column", k: dataset.counts.column });
    const column = dataset.record("column", dataset.counts.column);
    expect(column.created_at).toBe("2026-03-01T12:00:10.000000Z");
    const audit = dataset.record("audit_log", dataset.counts.audit_log);
    expect(audit).toMatchObject({
      activity_type: "resource_created",
      resource_id: id,
      resource_type: "column",
    });
  });

  it("rejects unknown ids", () => {
    expect(() => make().mutate({ op: "delete", ids: ["nope"] })).toThrow(
      "no live record has id nope",
    );
  });
});

describe("scale", () => {
  it("one million catalog resources are lazy: the last column is built on demand", () => {
    const dataset = make(1, 1_000_000);
    const last = dataset.counts.column - 1;
    const record = dataset.record("column", last);
    expect(dataset.find(String(record.id))).toEqual({ kind: "column", k: last });
    expect(dataset.find(String(record.parent))?.kind).toBe("table");
  });
});
