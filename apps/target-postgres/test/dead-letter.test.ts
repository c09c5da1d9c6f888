import { freshSchema, postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import { afterEach, describe, expect, it } from "vitest";
import {
  configFor,
  ndjson,
  recordMessage,
  rowsOf,
  runTarget,
  schemaMessage,
  stateMessage,
} from "./support.js";

const users = schemaMessage("users", { id: { type: "integer" }, age: { type: "integer" } }, ["id"]);

describe.skipIf((await postgresUnavailable()) !== undefined)("invalid_records", () => {
  const schemas: TestSchema[] = [];
  afterEach(async () => {
    await Promise.all(schemas.splice(0).map((s) => s.drop()));
  });

  it("dead_letter: invalid records go to _sdc_rejected with stream, record, error, line; the rest loads", async () => {
    const db = await freshSchema("tp_dl");
    schemas.push(db);
    const messages = [
      users,
      recordMessage("users", { id: 1, age: 30 }),
      recordMessage("users", { id: 2, age: "old\u0000" }),
      recordMessage("users", { age: 5 }),
      stateMessage({ n: 1 }),
      recordMessage("users", { id: 3, age: 40 }),
    ];
    const config = configFor(db, { invalid_records: "dead_letter" });
    const result = await runTarget(config, ndjson(messages));
    expect(result.code).toBe(0);
    expect(result.states).toEqual([{ n: 1 }]);
    expect(result.stderr).toMatch(/2 invalid record\(s\) written to _sdc_rejected/);
    expect(await rowsOf(db, "users", "id")).toEqual([
      { id: 1, age: 30 },
      { id: 3, age: 40 },
    ]);
    const rejected = await db.query<{
      stream: string;
      record: unknown;
      error: string;
      line: string;
    }>(`select stream, record, error, line from "${db.name}"._sdc_rejected order by line`);
    expect(rejected.map((r) => [r.stream, r.record, Number(r.line)])).toEqual([
      ["users", { id: 2, age: "old\ufffd" }, 3],
      ["users", { age: 5 }, 4],
    ]);
    expect(rejected[0]?.error).toMatch(/line 3, stream users, field \/age: must be integer/);
    expect(rejected[1]?.error).toMatch(/missing key property id/);
  });

  it('fail (default) with validate_records "strict": the first invalid record fails the run', async () => {
    const db = await freshSchema("tp_dl");
    schemas.push(db);
    const messages = [users, recordMessage("users", { id: 1, age: "x" })];
    const result = await runTarget(configFor(db, { validate_records: "strict" }), ndjson(messages));
    expect(result.code).toBe(1);
    expect(await db.tables()).not.toContain("_sdc_rejected");
  });
});
