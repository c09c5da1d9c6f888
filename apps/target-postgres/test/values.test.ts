import { createHash } from "node:crypto";
import { freshSchema, postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configFor, ndjson, recordMessage, rowsOf, runTarget, schemaMessage } from "./support.js";

/** Values that break other targets: huge text, exact numbers, lenient dates, JSON strings, NUL. */
describe.skipIf((await postgresUnavailable()) !== undefined)("values", () => {
  let schema: TestSchema;
  beforeAll(async () => {
    schema = await freshSchema("tp_val");
  });
  afterAll(async () => {
    await schema.drop();
  });

  it("keys equal in Postgres but written differently in one batch: the last row wins", async () => {
    const input = ndjson([
      schemaMessage(
        "ts_key",
        { at: { type: "string", format: "date-time" }, v: { type: "string" } },
        ["at"],
      ),
      recordMessage("ts_key", { at: "2024-01-01T00:00:00Z", v: "first" }),
      recordMessage("ts_key", { at: "2024-01-01T01:00:00+01:00", v: "second" }),
      recordMessage("ts_key", { at: "2024-01-01 00:00:00", v: "third" }),
      recordMessage("ts_key", { at: "2024-01-02T00:00:00Z", v: "other" }),
    ]);
    const result = await runTarget(configFor(schema), input);
    expect(result.fatal).toBeUndefined();
    expect(await rowsOf(schema, "ts_key", "at")).toEqual([
      { at: "2024-01-01T00:00:00+00:00", v: "third" },
      { at: "2024-01-02T00:00:00+00:00", v: "other" },
    ]);
  });

  it("a property missing from the SCHEMA is not loaded, with one warning per stream", async () => {
    const input = ndjson([
      schemaMessage("extra", { id: { type: "integer" } }, ["id"]),
      recordMessage("extra", { id: 1, surprise: "x" }),
      recordMessage("extra", { id: 2, surprise: "y" }),
    ]);
    const result = await runTarget(configFor(schema), input);
    expect(result.code).toBe(0);
    expect(result.stderr.match(/property "surprise" is not in the stream's SCHEMA/g)).toHaveLength(
      1,
    );
    expect(await rowsOf(schema, "extra", "id")).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it("huge text (3 MB with escapes and unicode) and a 1 MB string inside jsonb load byte-exact", async () => {
    const piece = "line\twith\\tabs and\nnewlines \r\n unicode ✓ 简单 \u{1F600} ";
    const big = piece.repeat(Math.ceil((3 * 1024 * 1024) / piece.length));
    const inner = 'j\\"'.repeat(350_000);
    const input = ndjson([
      schemaMessage(
        "big",
        { id: { type: "integer" }, body: { type: "string" }, doc: { type: "object" } },
        ["id"],
      ),
      recordMessage("big", { id: 1, body: big, doc: { inner, n: 1 } }),
    ]);
    const result = await runTarget(configFor(schema), input);
    expect(result.code).toBe(0);
    const [row] = await schema.query<{ md5: string; bytes: number; inner: string }>(
      `select md5(body) as md5, octet_length(body) as bytes, doc->>'inner' as inner from "${schema.name}".big`,
    );
    expect(row?.bytes).toBe(Buffer.byteLength(big));
    expect(row?.md5).toBe(createHash("md5").update(big, "utf8").digest("hex"));
    expect(row?.inner).toBe(inner);
  });

  it("numbers a double cannot hold (1e400, -1e999, 1e-400, 4.9e-324) load exactly into numeric, jsonb and text, never as Infinity or 0", async () => {
    const values = ["1e400", "-1e999", "1e-400", "4.9e-324"];
    const input = [
      JSON.stringify(
        schemaMessage(
          "huge",
          {
            id: { type: "integer" },
            num: { type: "number" },
            doc: {},
            text: { type: ["string", "number"] },
          },
          ["id"],
        ),
      ),
      ...values.map(
        (v, i) =>
          `{"type":"RECORD","stream":"huge","record":{"id":${i + 1},"num":${v},"doc":{"n":[${v}]},"text":${v}}}`,
      ),
    ].join("\n");
    const result = await runTarget(configFor(schema), input);
    expect(result.fatal).toBeUndefined();
    expect(result.code).toBe(0);
    // Compared in SQL: numeric and jsonb hold these values exactly (and print them expanded).
    const rows = await schema.query<{ id: string; num: boolean; doc: boolean; text: string }>(
      `select h.id, h.text, h.num = v.n::numeric as num, h.doc = jsonb_build_object('n', jsonb_build_array(v.n::numeric)) as doc
         from "${schema.name}".huge h join unnest($1::text[]) with ordinality v(n, id) on v.id = h.id order by h.id`,
      [values],
    );
    // A text column (a string-or-number field) gets the number as written.
    expect(rows).toEqual(
      values.map((text, i) => ({ id: String(i + 1), num: true, doc: true, text })),
    );
  });

  it("big integers and long decimals round-trip exactly (columns, widening, nested jsonb)", async () => {
    const input = [
      JSON.stringify(
        schemaMessage(
          "exact",
          { id: { type: "integer" }, num: { type: "number" }, int: { type: "integer" }, doc: {} },
          ["id"],
        ),
      ),
      // Written by hand: JSON.stringify would already have rounded these numbers.
      '{"type":"RECORD","stream":"exact","record":{"id":1,"num":123456789012345678901234567890,"int":12,"doc":{"big":123456789012345678901234567890,"dec":0.1000000000000000055511151231257827}}}',
      '{"type":"RECORD","stream":"exact","record":{"id":2,"num":0.1000000000000000055511151231257827,"int":9007199254740993,"doc":[-98765432109876543210.0123456789]}}',
      '{"type":"RECORD","stream":"exact","record":{"id":3,"num":-98765432109876543210.0123456789,"int":123456789012345678901234567890}}',
      '{"type":"RECORD","stream":"exact","record":{"id":4,"num":1e-30,"int":-42}}',
    ].join("\n");
    const result = await runTarget(configFor(schema), input);
    expect(result.fatal).toBeUndefined();
    expect(result.stderr).toContain("widened column int to numeric");
    expect(await schema.columns("exact")).toMatchObject({
      id: "bigint",
      num: "numeric",
      int: "numeric",
      doc: "jsonb",
    });
    const rows = await schema.query<{ id: string; num: string; int: string; doc: string | null }>(
      `select id, num::text as num, int::text as int, doc::text as doc from "${schema.name}".exact order by id`,
    );
    expect(rows).toEqual([
      {
        id: "1",
        num: "123456789012345678901234567890",
        int: "12",
        doc: '{"big": 123456789012345678901234567890, "dec": 0.1000000000000000055511151231257827}',
      },
      {
        id: "2",
        num: "0.1000000000000000055511151231257827",
        int: "9007199254740993",
        doc: "[-98765432109876543210.0123456789]",
      },
      {
        id: "3",
        num: "-98765432109876543210.0123456789",
        int: "123456789012345678901234567890",
        doc: null,
      },
      { id: "4", num: "0.000000000000000000000000000001", int: "-42", doc: null },
    ]);
  });

  it("times without zone validate and load into a time column", async () => {
    const input = ndjson([
      schemaMessage("clock", { id: { type: "integer" }, at: { type: "string", format: "time" } }, [
        "id",
      ]),
      recordMessage("clock", { id: 1, at: "10:00:00" }),
      recordMessage("clock", { id: 2, at: "23:59:59.123456Z" }),
    ]);
    const result = await runTarget(configFor(schema), input);
    expect(result.fatal).toBeUndefined();
    expect(await schema.columns("clock")).toEqual({ id: "bigint", at: "time without time zone" });
    expect(await rowsOf(schema, "clock", "id")).toEqual([
      { id: 1, at: "10:00:00" },
      { id: 2, at: "23:59:59.123456" },
    ]);
  });

  it("date-times without zone (as UTC) or with a space, and with offsets, validate and load", async () => {
    const input = ndjson([
      schemaMessage(
        "times",
        { id: { type: "integer" }, at: { type: "string", format: "date-time" } },
        ["id"],
      ),
      recordMessage("times", { id: 1, at: "2024-01-02 03:04:05" }),
      recordMessage("times", { id: 2, at: "2024-01-02T03:04:05" }),
      recordMessage("times", { id: 3, at: "2024-01-02T05:04:05.123456+02:00" }),
      recordMessage("times", { id: 4, at: "2024-01-02T03:04:05Z" }),
    ]);
    const result = await runTarget(configFor(schema), input);
    expect(result.fatal).toBeUndefined();
    const rows = await schema.query<{ at: string }>(
      `select to_char(at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') as at from "${schema.name}".times order by id`,
    );
    expect(rows.map((r) => r.at)).toEqual([
      "2024-01-02 03:04:05.000000",
      "2024-01-02 03:04:05.000000",
      "2024-01-02 03:04:05.123456",
      "2024-01-02 03:04:05.000000",
    ]);
  });

  it("an object or array sent as a JSON string loads as JSON; when strings are allowed it stays a string", async () => {
    const input = ndjson([
      schemaMessage(
        "js",
        {
          id: { type: "integer" },
          obj: { type: "object" },
          arr: { type: ["array", "null"] },
          any: { type: ["object", "string"] },
        },
        ["id"],
      ),
      recordMessage("js", { id: 1, obj: '{"a": 1, "b": [true]}', arr: '["x", 2]', any: '{"a":1}' }),
      recordMessage("js", { id: 2, obj: { a: 2 }, arr: ["y"], any: "plain" }),
    ]);
    const result = await runTarget(configFor(schema), input);
    expect(result.fatal).toBeUndefined();
    expect(await rowsOf(schema, "js", "id")).toEqual([
      { id: 1, obj: { a: 1, b: [true] }, arr: ["x", 2], any: '{"a":1}' },
      { id: 2, obj: { a: 2 }, arr: ["y"], any: "plain" },
    ]);
  });

  it("NUL nested in objects, arrays and keys is replaced; the escaped text \\u0000 stays", async () => {
    const input = ndjson([
      schemaMessage(
        "nul",
        { id: { type: "integer" }, doc: {}, list: { type: "array" }, s: { type: "string" } },
        ["id"],
      ),
      recordMessage("nul", {
        id: 1,
        doc: { "k\u0000": ["a\u0000b", { x: "\u0000", lit: "\\u0000" }] },
        list: [["\u0000"]],
        s: "x\u0000y",
      }),
    ]);
    const result = await runTarget(configFor(schema), input);
    expect(result.fatal).toBeUndefined();
    expect(await rowsOf(schema, "nul")).toEqual([
      {
        id: 1,
        doc: { "k\uFFFD": ["a\uFFFDb", { x: "\uFFFD", lit: "\\u0000" }] },
        list: [["\uFFFD"]],
        s: "x\uFFFDy",
      },
    ]);
  });

  it("reserved, quoted, unicode, colliding and over-long property names all get valid columns", async () => {
    const long = "a_very_long_property_name_that_goes_on_and_on_past_sixty_three_bytes_";
    const properties = [
      "order",
      "user",
      "Select",
      'quo"ted',
      "Ünïcödé Náme",
      "Id",
      "id",
      `${long}1`,
      `${long}2`,
    ];
    const input = ndjson([
      schemaMessage("names", Object.fromEntries(properties.map((p) => [p, { type: "string" }])), [
        "id",
      ]),
      recordMessage("names", Object.fromEntries(properties.map((p) => [p, `v:${p}`]))),
    ]);
    const result = await runTarget(configFor(schema), input);
    expect(result.fatal).toBeUndefined();
    const comments = await schema.query<{ name: string; original: string }>(
      `select attname as name, col_description(attrelid, attnum)::jsonb->>'singer_name' as original
         from pg_attribute where attrelid = '"${schema.name}".names'::regclass and attnum > 0`,
    );
    const byOriginal = Object.fromEntries(comments.map((c) => [c.original, c.name]));
    expect(byOriginal).toMatchObject({
      order: "order",
      user: "user",
      Select: "select",
      'quo"ted': "quo_ted",
      "Ünïcödé Náme": "ünïcödé_náme",
      id: "id",
    });
    expect(byOriginal.Id).toMatch(/^id_[0-9a-f]{8}$/);
    for (const name of Object.values(byOriginal))
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
    expect(byOriginal[`${long}1`]).not.toBe(byOriginal[`${long}2`]);
    const [row] = (await rowsOf(schema, "names")) as Record<string, string>[];
    for (const property of properties)
      expect(row?.[byOriginal[property] ?? ""]).toBe(`v:${property}`);
  });
});
