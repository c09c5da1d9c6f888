import { freshSchema, postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import { afterEach, describe, expect, it } from "vitest";
import { configFor, ndjson, recordMessage, runTarget, schemaMessage } from "./support.js";

/** Issue #19 item 8: the smaller findings, one test each. */
describe.skipIf((await postgresUnavailable()) !== undefined)("issue #19 smaller items", () => {
  const schemas: TestSchema[] = [];
  afterEach(async () => {
    await Promise.all(schemas.splice(0).map((s) => s.drop()));
  });

  it("a NUL in a stream name and in a STATE value: the load is recorded as succeeded, not interrupted", async () => {
    const schema = await freshSchema("tp_small");
    schemas.push(schema);
    const input = ndjson([
      schemaMessage("n\u0000ul", { id: { type: "integer" } }, ["id"]),
      recordMessage("n\u0000ul", { id: 1 }),
      { type: "STATE", value: { cursor: "a\u0000b", escaped: "c\\u0000d" } },
    ]);
    const result = await runTarget(configFor(schema), input);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/could not record the load/);
    expect(result.states).toEqual([{ cursor: "a\u0000b", escaped: "c\\u0000d" }]);
    const [row] = await schema.query<{ outcome: string; streams: unknown; last_state: unknown }>(
      `select outcome, streams, last_state from "${schema.name}"._sdc_loads`,
    );
    expect(row).toEqual({
      outcome: "succeeded",
      streams: { "n\ufffdul": { rows: 1, inserted: 1, updated: 0, deleted: 0 } },
      last_state: { cursor: "a\ufffdb", escaped: "c\\u0000d" },
    });
  });

  it("a connection_string whose password holds / ? # is a config error saying to percent-encode it, without echoing it", async () => {
    const password = "pa/ss?wo#rd";
    const result = await runTarget(
      {
        connection_string: `postgres://postgres:${password}@127.0.0.1:5432/test`,
        default_target_schema: "unused",
      },
      ndjson([schemaMessage("s", { id: { type: "integer" } }, ["id"])]),
    );
    expect(result.code).toBe(2);
    expect(result.fatal).toMatch(
      /connection_string is not a valid URL: percent-encode reserved characters .* in the user name and password/,
    );
    expect(result.stderr).not.toContain("wo#rd");
  });
});
