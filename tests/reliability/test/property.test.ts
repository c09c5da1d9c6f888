/**
 * Property: for random JSON Schemas and random records, what PostgreSQL holds after a load by
 * the real target-postgres bin equals the input, value by value (NUL → U+FFFD and date-times
 * compared as instants to the microsecond, as documented). Bounded: 30 runs.
 */
import { freshSchema, pgUrl, postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTarget, tempDir } from "../support/run.js";
import { byKey, differences, tableRows } from "../support/warehouse.js";

const unavailable = await postgresUnavailable();

type Kind = "integer" | "number" | "string" | "boolean" | "date-time" | "date" | "json";

const jsonSchemaOf: Record<Kind, object> = {
  integer: { type: ["integer", "null"] },
  number: { type: ["number", "null"] },
  string: { type: ["string", "null"] },
  boolean: { type: ["boolean", "null"] },
  "date-time": { type: ["string", "null"], format: "date-time" },
  date: { type: ["string", "null"], format: "date" },
  json: {},
};

const day = (d: Date) => d.toISOString().slice(0, 10);
const dates = fc.date({
  min: new Date("1900-01-01T00:00:00Z"),
  max: new Date("2200-12-31T23:59:59Z"),
  noInvalidDate: true,
});

const arbitraryOf: Record<Kind, fc.Arbitrary<unknown>> = {
  integer: fc.oneof(fc.integer(), fc.maxSafeInteger()),
  number: fc
    .double({ noNaN: true, noDefaultInfinity: true })
    .map((x) => (Object.is(x, -0) ? 0 : x)),
  string: fc.string({ unit: "binary", maxLength: 40 }),
  boolean: fc.boolean(),
  "date-time": dates.map((d) => d.toISOString()),
  date: dates.map(day),
  json: fc.jsonValue({ maxDepth: 3 }),
};

const kinds = fc.constantFrom<Kind>(...(Object.keys(jsonSchemaOf) as Kind[]));
const names = fc.uniqueArray(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_ -]{0,15}$/), {
  minLength: 1,
  maxLength: 8,
  selector: (name) => name,
});

const scenario = names
  .filter((list) => !list.includes("id"))
  .chain((columns) =>
    fc.tuple(
      fc.constant(columns),
      fc.array(kinds, { minLength: columns.length, maxLength: columns.length }),
    ),
  )
  .chain(([columns, types]) => {
    const record = fc.record(
      Object.fromEntries(
        columns.map((name, i) => [
          name,
          fc.option(arbitraryOf[types[i] ?? "json"], { nil: null, freq: 5 }),
        ]),
      ),
      { requiredKeys: [] },
    );
    return fc.record({
      columns: fc.constant(columns),
      types: fc.constant(types),
      records: fc.array(record, { minLength: 1, maxLength: 20 }),
      batchSizeRows: fc.integer({ min: 1, max: 25 }),
    });
  });

describe.skipIf(unavailable !== undefined)("property: PostgreSQL holds exactly the input", () => {
  const dir = tempDir("property");
  let schema: TestSchema;
  beforeAll(async () => {
    schema = await freshSchema("rel_prop");
  });
  afterAll(async () => {
    await schema?.drop();
  });

  it("random schemas and records load value by value", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ columns, types, records, batchSizeRows }) => {
        await schema.query(`drop schema if exists "${schema.name}" cascade`);
        await schema.query(`create schema "${schema.name}"`);
        const properties: Record<string, object> = { id: { type: "integer" } };
        columns.forEach((name, i) => {
          properties[name] = jsonSchemaOf[types[i] ?? "json"];
        });
        const withIds = records.map((record, i) => ({ id: i + 1, ...record }));
        const lines = [
          {
            type: "SCHEMA",
            stream: "Prop Stream",
            schema: { type: "object", properties },
            key_properties: ["id"],
          },
          ...withIds.map((record) => ({ type: "RECORD", stream: "Prop Stream", record })),
          { type: "STATE", value: { done: true } },
        ].map((message) => JSON.stringify(message));
        const result = await runTarget(
          dir,
          {
            connection_string: pgUrl(),
            default_target_schema: schema.name,
            batch_size_rows: batchSizeRows,
          },
          { text: `${lines.join("\n")}\n` },
        );
        expect({ status: result.status, fatal: result.stderr.match(/.*FATAL.*/)?.[0] }).toEqual({
          status: 0,
          fatal: undefined,
        });
        expect(result.stdout).toBe('{"done":true}\n');
        // A property the record left out is NULL in the table.
        const expected = new Map(
          withIds.map((record) => [
            JSON.stringify([record.id]),
            Object.fromEntries(
              ["id", ...columns].map((c) => [c, (record as Record<string, unknown>)[c] ?? null]),
            ),
          ]),
        );
        const actual = byKey(await tableRows(schema, "Prop Stream"), ["id"]);
        expect(differences("Prop Stream", expected, actual)).toEqual([]);
      }),
      { numRuns: 30, seed: Number(process.env.FC_SEED ?? 20261125), endOnFailure: true },
    );
  });
});
