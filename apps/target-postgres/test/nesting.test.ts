import { freshSchema, postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import { SingerError } from "@singerkit/singer";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_NESTING } from "../src/nesting.js";
import { runInProcess } from "./in-process.js";
import { configFor } from "./support.js";

/**
 * No exit 70 from input (issue #19 item 6): values nested deep and wide in a field of every
 * schema type, with long and out-of-range numbers at the leaves, run through the target in
 * this process. Whatever the value, the run either loads it or fails with a SingerError (a
 * bad-input or load error: exit 1 from the CLI), never an internal error; deeper than
 * MAX_NESTING it fails naming line, stream and field.
 */
const types: Record<string, object> = {
  integer: { type: "integer" },
  number: { type: "number" },
  string: { type: "string" },
  boolean: { type: "boolean" },
  object: { type: "object" },
  array: { type: "array" },
  "nullable object": { type: ["null", "object"] },
  "date-time": { type: "string", format: "date-time" },
  untyped: {},
};

const leaves = fc.constantFrom(
  "1",
  "12345678901234567890",
  "0.1000000000000000055511151231257827",
  "1e400",
  '"x"',
  "null",
  "true",
  '{"k":[]}',
);

const cases = fc.record({
  type: fc.constantFrom(...Object.keys(types)),
  depth: fc.oneof(
    fc.integer({ min: 0, max: 5 }),
    fc.constantFrom(MAX_NESTING - 2, MAX_NESTING - 1, MAX_NESTING, MAX_NESTING + 5),
    fc.integer({ min: 2000, max: 12_000 }),
  ),
  objects: fc.boolean(),
  leaves: fc.array(leaves, { minLength: 1, maxLength: 40 }),
  invalid: fc.constantFrom("fail", "dead_letter"),
});

describe.skipIf((await postgresUnavailable()) !== undefined)("deep and wide values", () => {
  let schema: TestSchema;
  beforeAll(async () => {
    schema = await freshSchema("tp_deep");
  });
  afterAll(async () => {
    await schema.drop();
  });

  it("every schema type: loaded, or a SingerError naming the field; deeper than MAX_NESTING always refused (property)", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        run += 1;
        const stream = `s${run}`;
        const open = c.objects ? '{"a":' : "[";
        const close = c.objects ? "}" : "]";
        // The leaves sit in one more array (depth + 1 levels); a `{"k":[]}` leaf adds two.
        const value = `${open.repeat(c.depth)}[${c.leaves.join(",")}]${close.repeat(c.depth)}`;
        const levels = c.depth + 1 + (c.leaves.includes(`{"k":[]}`) ? 2 : 0);
        const lines = [
          JSON.stringify({
            type: "SCHEMA",
            stream,
            schema: { type: "object", properties: { id: { type: "integer" }, f: types[c.type] } },
            key_properties: ["id"],
          }),
          `{"type":"RECORD","stream":"${stream}","record":{"id":1,"f":${value}}}`,
        ];
        const target = await runInProcess(
          configFor(schema, { invalid_records: c.invalid }),
          { now: () => 0, sleep: async () => undefined },
          () => undefined,
        );
        target.input.end(`${lines.join("\n")}\n`);
        const error = await target.done.then(
          () => undefined,
          (e: unknown) => e,
        );
        if (error !== undefined) {
          expect(error, String(error)).toBeInstanceOf(SingerError);
          expect((error as SingerError).describe()).toMatch(new RegExp(`line 2, stream ${stream}`));
        }
        if (levels > MAX_NESTING) {
          expect((error as SingerError | undefined)?.describe()).toBe(
            `line 2, stream ${stream}, field /f: value nested ${levels} levels deep; the target accepts at most ${MAX_NESTING} levels of arrays and objects`,
          );
        }
      }),
      { numRuns: 40, seed: Number(process.env.FC_SEED ?? 19) },
    );
  });
});
