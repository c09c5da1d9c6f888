import { freshSchema, postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import { afterEach, describe, expect, it } from "vitest";
import {
  configFor,
  ndjson,
  recordMessage,
  runTarget,
  schemaMessage,
  stateMessage,
} from "./support.js";

/**
 * A tap syncing two streams at once: records of a and b alternate, with a STATE after every
 * pair. A full batch of one stream must also flush the other stream's rows that hold back the
 * newest STATE, so states keep flowing during the run (not only one at the end), and each
 * printed STATE is written only after every record before it is committed.
 */
const PAIRS = 60;
const messages: unknown[] = [
  schemaMessage("a", { id: { type: "integer" } }, ["id"]),
  schemaMessage("b", { id: { type: "integer" } }, ["id"]),
];
for (let i = 1; i <= PAIRS; i += 1)
  messages.push(recordMessage("a", { id: i }), recordMessage("b", { id: i }), stateMessage({ i }));

describe.skipIf((await postgresUnavailable()) !== undefined)("interleaved streams", () => {
  const schemas: TestSchema[] = [];
  afterEach(async () => {
    await Promise.all(schemas.splice(0).map((schema) => schema.drop()));
  });

  it("batch_size_rows=5, a and b alternating: a state after every few pairs, each after its commit", async () => {
    const schema = await freshSchema("tp_inter");
    schemas.push(schema);
    const violations: string[] = [];
    const lines = ndjson(messages).trimEnd().split("\n");
    const result = await runTarget(configFor(schema, { batch_size_rows: 5 }), lines, {
      onLine: async (line) => {
        const { i } = JSON.parse(line) as { i: number };
        for (const table of ["a", "b"]) {
          const [row] = await schema.query<{ n: string }>(
            `select count(*) as n from "${schema.name}"."${table}" where id <= $1`,
            [i],
          );
          if (Number(row?.n) !== i) violations.push(`state ${i} printed before ${table} 1..${i}`);
        }
      },
    });
    expect(result.code).toBe(0);
    expect(violations).toEqual([]);
    const printed = result.states.map((state) => (state as { i: number }).i);
    // A flush every 5 pairs: states 5, 10, …, 60 (at least one per full batch).
    expect(printed.length).toBeGreaterThanOrEqual(PAIRS / 5);
    expect(printed.every((i, k) => k === 0 || i > (printed[k - 1] ?? 0))).toBe(true);
    expect(printed.at(-1)).toBe(PAIRS);
    expect(await schema.count("a")).toBe(PAIRS);
    expect(await schema.count("b")).toBe(PAIRS);
  });
});
