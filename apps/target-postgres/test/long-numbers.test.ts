import { freshSchema, postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configFor, ndjson, rowsOf, runTarget, schemaMessage } from "./support.js";

/**
 * A huge jsonb value full of numbers a double cannot hold (issue #19): loaded from its source text
 * (exact-json.ts RawJson), not from one object per number. The heap limit is one the previous code
 * (a tree of ExactNumbers, the row joined and copied twice) ran out of on this input: it crashed
 * with exit 134 below about 160 MB; this code loads it in 40 MB.
 */
const HEAP_MB = 96;
const COUNT = 1_000_000; // 19-digit numbers: a 20 MB line

/** The n-th number: 19 digits, sign alternating, all different. */
function longNumber(n: number): string {
  const magnitude = 1234567890123456789n + BigInt(n) * 7919n;
  return `${n % 2 === 0 ? "" : "-"}${magnitude}`;
}

/** Small values whose text a jsonb load must treat with care, inside a slice kept as source. */
const TRICKY =
  '[12345678901234567890, "tab\\there", "back\\\\slash \\"quoted\\"", "nul\\u0000", "lone\\ud800", "pair\\ud83d\\ude00",\t{"k": 1, "k": 98765432109876543210}]';
/** The same as jsonb stores it: NUL and the lone surrogate become U+FFFD (nul_handling replace). */
const TRICKY_STORED =
  '[12345678901234567890, "tab\\there", "back\\\\slash \\"quoted\\"", "nul\\ufffd", "lone\\ufffd", "pair😀", {"k": 98765432109876543210}]';

describe.skipIf((await postgresUnavailable()) !== undefined)("long numbers in jsonb", () => {
  let schema: TestSchema;
  beforeAll(async () => {
    schema = await freshSchema("tp_long");
  });
  afterAll(async () => {
    await schema.drop();
  });

  it(`a 20 MB array of 19-digit numbers loads exactly with a ${HEAP_MB} MB heap`, async () => {
    const numbers: string[] = [];
    for (let n = 0; n < COUNT; n += 1) numbers.push(longNumber(n));
    const array = `[${numbers.join(",")}]`;
    const head = ndjson([
      schemaMessage("s", { id: { type: "integer" }, j: {}, t: { type: "array" } }, ["id"]),
    ]);
    const record = `{"type":"RECORD","stream":"s","record":{"id":1,"j":${array},"t":${TRICKY}}}\n`;
    const tail = '{"type":"STATE","value":{"done":true}}\n';
    const result = await runTarget(
      configFor(schema),
      async (stdin) => {
        stdin.write(head);
        stdin.write(record);
        stdin.end(tail);
      },
      { nodeArgs: [`--max-old-space-size=${HEAP_MB}`] },
    );
    expect(result.fatal).toBeUndefined();
    expect(result.code).toBe(0);
    expect(result.states).toEqual([{ done: true }]);
    const [row] = await schema.query<{ same: boolean; first: string; last: string; t: boolean }>(
      `select j = $1::jsonb as same, j->>0 as first, j->>${COUNT - 1} as last, t = $2::jsonb as t
       from "${schema.name}".s`,
      [array, TRICKY_STORED],
    );
    expect(row).toEqual({
      same: true,
      first: longNumber(0),
      last: longNumber(COUNT - 1),
      t: true,
    });
  });

  it("flattening and a text column read a value kept as source text as a tree", async () => {
    const input = [
      ndjson([
        schemaMessage(
          "flat",
          {
            id: { type: "integer" },
            o: {
              type: "object",
              properties: {
                a: { type: "number" },
                b: { type: "object", properties: { c: { type: "array" } } },
              },
            },
            s: { type: "string" },
          },
          ["id"],
        ),
      ]),
      '{"type":"RECORD","stream":"flat","record":{"id":1,"o":{"a":12345678901234567890.5,"b":{"c":[ 98765432109876543210 ]}},"s":[ 1234567890123456789 , {"x": 2} ]}}\n',
    ].join("");
    const result = await runTarget(
      configFor(schema, { flattening_enabled: true, flattening_max_depth: 2 }),
      input,
    );
    expect(result.fatal).toBeUndefined();
    const [row] = await schema.query<Record<string, string>>(
      `select o__a::text as a, o__b__c::text as c, s from "${schema.name}".flat`,
    );
    expect(row).toEqual({
      a: "12345678901234567890.5",
      c: "[98765432109876543210]",
      s: '[1234567890123456789,{"x":2}]', // a text column keeps the compact JSON, as before
    });
    expect(await rowsOf(schema, "flat")).toHaveLength(1);
  });
});
