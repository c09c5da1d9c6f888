import { postgresUnavailable } from "@repo/pg-testing";
import { describe, expect, it } from "vitest";
import {
  configFor,
  freshSchemas,
  ndjson,
  recordMessage,
  rowsOf,
  runTarget,
  schemaMessage,
} from "./support.js";

const long = "a_very_long_property_name_that_goes_on_and_on";
const orders = schemaMessage(
  "orders",
  {
    id: { type: "integer" },
    customer: {
      type: ["object", "null"],
      properties: {
        name: { type: "string" },
        address: { type: "object", properties: { city: { type: "string" } } },
        [long]: { type: "object", properties: { [long]: { type: "integer" } } },
      },
    },
    tags: { type: "array", items: { type: "string" } },
    extra: { type: "object" },
  },
  ["id"],
);
const rows = [
  recordMessage("orders", {
    id: 1,
    customer: { name: "Ada", address: { city: "Paris" }, [long]: { [long]: 7 } },
    tags: ["x"],
    extra: { k: 1 },
  }),
  recordMessage("orders", { id: 2, customer: null, tags: [], extra: {} }),
];

describe.skipIf((await postgresUnavailable()) !== undefined)("flattening", () => {
  const fresh = freshSchemas("tp_flat");

  it("flattening_max_depth 1: parent__child columns, deeper objects and arrays stay jsonb", async () => {
    const db = await fresh();
    const config = configFor(db, { flattening_enabled: true });
    expect((await runTarget(config, ndjson([orders, ...rows]))).code).toBe(0);
    expect(await rowsOf(db, "orders", "id")).toEqual([
      {
        id: 1,
        customer__name: "Ada",
        customer__address: { city: "Paris" },
        [`customer__${long}`]: { [long]: 7 },
        tags: ["x"],
        extra: { k: 1 },
      },
      {
        id: 2,
        customer__name: null,
        customer__address: null,
        [`customer__${long}`]: null,
        tags: [],
        extra: {},
      },
    ]);
  });

  it("flattening_max_depth 2: names past 63 bytes get the identifier rule's hash, original in COMMENT", async () => {
    const db = await fresh();
    const config = configFor(db, { flattening_enabled: true, flattening_max_depth: 2 });
    expect((await runTarget(config, ndjson([orders, ...rows]))).code).toBe(0);
    const columns = await db.query<{ name: string; comment: string | null }>(
      `select a.attname as name, col_description(a.attrelid, a.attnum) as comment
         from pg_attribute a where a.attrelid = '"${db.name}".orders'::regclass and a.attnum > 0
        order by a.attnum`,
    );
    const names = columns.map((c) => c.name);
    expect(names).toContain("customer__address__city");
    const longColumn = columns.find((c) => c.comment?.includes(`customer__${long}__${long}`));
    expect(longColumn).toBeDefined();
    expect(Buffer.byteLength(longColumn?.name ?? "")).toBeLessThanOrEqual(63);
    const [row] = await db.query<{ v: string }>(
      `select "${longColumn?.name}" as v from "${db.name}".orders where id = 1`,
    );
    expect(Number(row?.v)).toBe(7);
  });
});
