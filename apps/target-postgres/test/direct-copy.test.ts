import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CheckedSchema } from "./backends.js";
import { allBackends } from "./backends.js";
import { ndjson, recordMessage, schemaMessage, stateMessage } from "./support.js";

// Keyed batches whose keys are all new are COPYed straight into the table (direct-copy.ts);
// any existing key sends the batch, and the stream's later batches, through staging + merge.
// Either way the table ends as the merge alone would leave it.

const ITEMS = schemaMessage(
  "items",
  { id: { type: "integer" }, name: { type: ["string", "null"] } },
  ["id"],
);
const EVENTS = schemaMessage(
  "events",
  { at: { type: "string", format: "date-time" }, what: { type: "string" } },
  ["at"],
);
/** Items from `<id><name>` words: "1a 2b" is items 1 "a" and 2 "b". */
const items = (words: string) =>
  words
    .split(" ")
    .map((word) => recordMessage("items", { id: Number(word.slice(0, -1)), name: word.slice(-1) }));
const ITEM_BATCHES = { batch_size_rows: 2, log_level: "debug" };
const DIRECT = /stream items: 2 rows, every key new: COPY straight into/g;
const FELL_BACK = /a key of this batch is already in .*items/g;

for (const backend of await allBackends()) {
  describe(`new rows COPYed straight into the table (${backend.name})`, () => {
    afterAll(() => backend.dispose());
    let schema: CheckedSchema;
    beforeEach(async () => {
      schema = await backend.fresh("tp_direct");
    });
    afterEach(() => schema.drop());
    /** Loads `messages` into this test's schema (items in batches of 2, debug log). */
    const load = (messages: unknown[], settings: Record<string, unknown> = ITEM_BATCHES) =>
      backend.run(schema, settings, ndjson(messages));

    it("an initial load skips the merge batch after batch; an existing key merges (last wins, counted as updated) and later batches stay merged", async () => {
      const first = await load([ITEMS, ...items("1a 2b 3c 4d"), stateMessage({ n: 4 })]);
      expect(first.code).toBe(0);
      expect(first.stderr.match(DIRECT)).toHaveLength(2);
      expect(first.stderr).not.toMatch(FELL_BACK);
      expect(first.stderr).toContain("4 rows (4 inserted, 0 updated, 0 deleted)");

      // Batch 1 (5, 6) is new; batch 2 updates 2 and adds 7; batch 3 is new but merged.
      const second = await load([ITEMS, ...items("5e 6f 2B 7g 8h 9i"), stateMessage({ n: 9 })]);
      expect(second.code).toBe(0);
      expect(second.stderr.match(DIRECT)).toHaveLength(1);
      expect(second.stderr.match(FELL_BACK)).toHaveLength(1);
      expect(second.stderr).toContain("6 rows (5 inserted, 1 updated, 0 deleted)");
      expect(second.states).toEqual([{ n: 9 }]);
      const rows = await schema.query<{ id: number; name: string }>(
        `select id::int, name from "${schema.name}"."items" order by id`,
      );
      expect(rows.map((r) => `${r.id}${r.name}`)).toEqual("1a 2B 3c 4d 5e 6f 7g 8h 9i".split(" "));
    });

    it("keys equal in Postgres but written differently in one batch: the COPY's key check refuses them, the merge keeps the last", async () => {
      const result = await load(
        [
          EVENTS,
          recordMessage("events", { at: "2024-01-01T00:00:00Z", what: "first" }),
          recordMessage("events", { at: "2024-01-01T01:00:00+01:00", what: "last" }),
          recordMessage("events", { at: "2024-01-02T00:00:00Z", what: "other" }),
        ],
        {},
      );
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/a key of this batch is already in .*events/);
      expect(result.stderr).toContain("(2 inserted, 0 updated, 0 deleted)");
      const rows = await schema.query<{ what: string }>(
        `select what from "${schema.name}"."events" order by at`,
      );
      expect(rows.map((r) => r.what)).toEqual(["last", "other"]);
    });
  });
}
