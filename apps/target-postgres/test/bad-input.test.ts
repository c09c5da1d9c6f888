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

const users = schemaMessage(
  "users",
  {
    id: { type: "integer" },
    name: { type: "string" },
    seen: { type: ["null", "string"], format: "date-time" },
  },
  ["id"],
);

/**
 * Bad input fails with one FATAL line naming line, stream and field, exit 1, and no partial
 * commit of the failing batch; what was committed before stays, and its STATE was printed.
 */
describe.skipIf((await postgresUnavailable()) !== undefined)("bad input", () => {
  const schemas: TestSchema[] = [];
  afterEach(async () => {
    await Promise.all(schemas.splice(0).map((schema) => schema.drop()));
  });
  const fresh = async () => {
    const schema = await freshSchema("tp_bad");
    schemas.push(schema);
    return schema;
  };

  it("invalid JSON: earlier commits and their STATE stay, the failing batch is not committed", async () => {
    const schema = await fresh();
    const input = `${ndjson([
      users,
      recordMessage("users", { id: 1, name: "a" }),
      recordMessage("users", { id: 2, name: "b" }),
      stateMessage({ n: 2 }),
      recordMessage("users", { id: 3, name: "c" }),
      stateMessage({ n: 3 }),
    ])}{"type":"RECORD","stream":"users",\n`;
    const result = await runTarget(configFor(schema, { batch_size_rows: 2 }), input);
    expect(result.code).toBe(1);
    expect(result.fatal).toMatch(
      /FATAL .* line 7: invalid JSON \(.*\): \{"type":"RECORD","stream":"users",$/,
    );
    expect(result.states).toEqual([{ n: 2 }]);
    expect(await rowsOf(schema, "users", "id")).toEqual([
      { id: 1, name: "a", seen: null },
      { id: 2, name: "b", seen: null },
    ]);
  });

  it('validate_records "strict": a record failing validation names line, stream, field and value', async () => {
    const schema = await fresh();
    const input = ndjson([
      users,
      recordMessage("users", { id: 1, name: "a" }),
      stateMessage({ n: 1 }),
      recordMessage("users", { id: 2, name: 42 }),
    ]);
    const config = configFor(schema, { batch_size_rows: 1, validate_records: "strict" });
    const result = await runTarget(config, input);
    expect(result.code).toBe(1);
    expect(result.fatal).toContain(
      "line 4, stream users, field /name: must be string, got 42 (number)",
    );
    expect(result.states).toEqual([{ n: 1 }]);
    expect(await schema.count("users")).toBe(1);
  });

  it("a RECORD for a stream without SCHEMA, after other data, fails naming it", async () => {
    const schema = await fresh();
    const input = ndjson([
      users,
      recordMessage("users", { id: 1 }),
      recordMessage("orders", { id: 1 }),
    ]);
    const result = await runTarget(configFor(schema), input);
    expect(result.code).toBe(1);
    expect(result.fatal).toContain("line 3, stream orders: record for stream orders before SCHEMA");
    expect(await schema.count("users")).toBe(0);
  });

  it("a key property missing from the schema's properties fails at the SCHEMA", async () => {
    const schema = await fresh();
    const input = ndjson([schemaMessage("users", { name: { type: "string" } }, ["id"])]);
    const result = await runTarget(configFor(schema), input);
    expect(result.code).toBe(1);
    expect(result.fatal).toContain(
      "line 1, stream users: key property id is not one of the schema's properties",
    );
  });

  it("a record with a NULL key fails like a missing one", async () => {
    const schema = await fresh();
    const result = await runTarget(
      configFor(schema, { validate_records: false }),
      ndjson([users, recordMessage("users", { id: null, name: "x" })]),
    );
    expect(result.code).toBe(1);
    expect(result.fatal).toContain(
      "line 2, stream users, field /id: record is missing key property id",
    );
  });

  it("unknown message types are skipped with a warning", async () => {
    const schema = await fresh();
    const input = ndjson([
      users,
      { type: "FOO", stream: "users" },
      recordMessage("users", { id: 1, name: "a" }),
      stateMessage({ n: 1 }),
    ]);
    const result = await runTarget(configFor(schema), input);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('line 2: unknown message type "FOO", skipped');
    expect(result.states).toEqual([{ n: 1 }]);
    expect(await schema.count("users")).toBe(1);
  });

  it("a BATCH message naming a file that does not exist fails clearly, naming it", async () => {
    const schema = await fresh();
    const missing = "file:///nonexistent/target-postgres-test/users-1.jsonl";
    const input = ndjson([
      users,
      { type: "BATCH", stream: "users", encoding: { format: "jsonl" }, manifest: [missing] },
    ]);
    const result = await runTarget(configFor(schema), input);
    expect(result.code).toBe(1);
    expect(result.fatal).toContain(`line 2, stream users: BATCH file ${missing} does not exist`);
  });

  it("a value Postgres rejects (validation off) names table, line and column; batch rolled back", async () => {
    const schema = await fresh();
    const input = ndjson([
      users,
      recordMessage("users", { id: 1, name: "a" }),
      stateMessage({ n: 1 }),
      recordMessage("users", { id: 2, name: "b", seen: "2024-01-01T00:00:00Z" }),
      // Past timestamptz's last instant once the offset is applied: only PostgreSQL can tell.
      recordMessage("users", { id: 3, name: "c", seen: "294276-12-31T23:59:59-01:00" }),
      stateMessage({ n: 3 }),
    ]);
    const result = await runTarget(
      configFor(schema, { validate_records: false, batch_size_rows: 2 }),
      input,
    );
    expect(result.code).toBe(1);
    expect(result.fatal).toMatch(
      new RegExp(
        `table ${schema.name}\\.users: line 5, stream users: timestamp out of range: "294276-12-31T23:59:59-01:00".*column seen.*nothing of this batch was committed`,
      ),
    );
    // One FATAL line, not an ERROR line with the same error before it.
    expect(result.stderr.split("\n").filter((l) => / (ERROR|FATAL) /.test(l))).toHaveLength(1);
    expect(result.states).toEqual([{ n: 1 }]);
    expect(await rowsOf(schema, "users", "id")).toEqual([
      { id: 1, name: "a", seen: null },
      { id: 2, name: "b", seen: "2024-01-01T00:00:00+00:00" },
    ]);
  });

  it("an invalid setting exits 2 before reading input", async () => {
    const schema = await fresh();
    const result = await runTarget(
      configFor(schema, { batch_size_rows: 0, nul_handling: "drop" }),
      "",
    );
    expect(result.code).toBe(2);
    expect(result.fatal).toContain('"batch_size_rows" must be >= 1');
    expect(result.fatal).toContain('"nul_handling" must be one of "replace", "fail" (got "drop")');
  });

  for (const [name, nested] of [
    ["arrays", `${"[".repeat(10_000)}${"]".repeat(10_000)}`],
    ["objects", `${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`],
  ] as const) {
    it(`a value nested 10k levels deep (${name}): exit 1, an InputError naming line, stream and field; committed data stays`, async () => {
      const schema = await fresh();
      for (const invalid of ["fail", "dead_letter"] as const) {
        const head = ndjson([
          schemaMessage("s", { id: { type: "integer" }, j: {} }, ["id"]),
          recordMessage("s", { id: 1, j: { ok: true } }),
          stateMessage({ committed: 1 }),
        ]);
        const input = `${head}{"type":"RECORD","stream":"s","record":{"id":2,"j":${nested}}}\n`;
        const result = await runTarget(
          configFor(schema, { batch_size_rows: 1, invalid_records: invalid }),
          input,
        );
        expect(result.stderr).not.toMatch(/internal error/);
        expect(result.code).toBe(1);
        expect(result.fatal).toMatch(
          /FATAL target-postgres {2}line 4, stream s, field \/j: value nested \d+ levels deep; the target accepts at most 1000 levels/,
        );
        expect(result.states).toEqual([{ committed: 1 }]);
        expect(await rowsOf(schema, "s")).toEqual([{ id: 1, j: { ok: true } }]);
      }
    });
  }

  it("a SCHEMA with more than 1600 properties fails naming line, stream and table, before the table is touched", async () => {
    const schema = await fresh();
    const properties: Record<string, unknown> = { id: { type: "integer" } };
    for (let i = 0; i < 10_000; i += 1) properties[`p${i}`] = { type: "integer" };
    const input = ndjson([
      schemaMessage("s", { id: { type: "integer" } }, ["id"]),
      recordMessage("s", { id: 1 }),
      stateMessage({ committed: 1 }),
      schemaMessage("s", properties, ["id"]),
      schemaMessage("wide", properties, ["id"]),
    ]);
    const result = await runTarget(configFor(schema, { batch_size_rows: 1 }), input);
    expect(result.code).toBe(1);
    expect(result.fatal).toMatch(
      new RegExp(
        `FATAL target-postgres {2}line 4, stream s: SCHEMA for table ${schema.name}\\.s has 10001 properties; PostgreSQL tables hold at most 1600 columns \\(deselect fields in the tap's catalog\\)$`,
      ),
    );
    expect(result.states).toEqual([{ committed: 1 }]);
    expect(await rowsOf(schema, "s")).toEqual([{ id: 1 }]);
    const wide = await runTarget(
      configFor(schema),
      ndjson([schemaMessage("wide", properties, ["id"])]),
    );
    expect(wide.fatal).toMatch(
      /line 1, stream wide: SCHEMA for table \S+\.wide has 10001 properties/,
    );
    expect((await schema.tables()).filter((t) => t === "wide")).toEqual([]);
  });
});
