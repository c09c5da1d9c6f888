/**
 * Hostile Singer streams into the real target-postgres bin. Every input starts with a committed
 * record `{id: 1}` of stream `s` and a STATE (batch_size_rows: 1 commits it before the hostile
 * line is read); after the run that row must still be in PostgreSQL and that STATE on stdout.
 */
import { rmSync } from "node:fs";
import { freshSchema, pgUrl, postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Body, corpus, INJECTION, loadable, writeCase } from "../scripts/corpus.js";
import { fatals, runTarget, states, tempDir } from "../support/run.js";
import { normalize, tableRows } from "../support/warehouse.js";

const unavailable = await postgresUnavailable();

interface Rejected {
  /** The FATAL line must match this (it names line, stream and field where they exist). */
  readonly fatal: RegExp;
  readonly config?: object;
}

const rejected: Record<string, Rejected> = {
  "malformed-json": { fatal: /FATAL target-postgres {2}line 4: invalid JSON \(/ },
  "truncated-last-line": {
    fatal: /FATAL target-postgres {2}line 4: invalid JSON \(Unexpected end of JSON input\)/,
  },
  "huge-line-100mb": {
    fatal: /FATAL target-postgres {2}line 4: line is longer than the limit of 67108864 bytes/,
  },
  "record-array": { fatal: /line 4, stream s: RECORD needs an object "record", got an array$/ },
  "record-string": { fatal: /line 4, stream s: RECORD needs an object "record", got a string$/ },
  "record-null": { fatal: /line 4, stream s: RECORD needs an object "record", got null$/ },
  "message-not-object": { fatal: /line 4: expected a JSON object, got an array/ },
  // A broken schema or an unreadable date loads under the default policy (with a WARN, the
  // column jsonb or widened to text: decisions-target.md "Validation policy"); "strict" fails.
  "schema-ref-unresolvable": {
    config: { validate_records: "strict" },
    fatal: /line 4, stream s: invalid JSON Schema: can't resolve reference #\/definitions\/missing/,
  },
  "schema-invalid-type": {
    config: { validate_records: "strict" },
    fatal: /line 4, stream s: invalid JSON Schema: schema is invalid: data\/properties\/v\/type/,
  },
  "schema-not-object": { fatal: /line 4, stream s: SCHEMA needs an object "schema", got a number/ },
  "key-not-in-schema": {
    fatal: /line 4, stream s: key property missing_key is not one of the schema's properties/,
  },
  "invalid-date": {
    config: { validate_records: "strict" },
    fatal:
      /line 5, stream s, field \/at: must match format "date-time", got "2024-02-30T25:61:00Z"/,
  },
  "deep-nesting-10k": {
    fatal:
      /line 4, stream s, field \/j: value nested \d+ levels deep; the target accepts at most 1000 levels/,
  },
  "deep-nesting-10k-objects": {
    fatal:
      /line 4, stream s, field \/j: value nested \d+ levels deep; the target accepts at most 1000 levels/,
  },
  "schema-10k-properties": {
    fatal:
      /line 4, stream s: SCHEMA for table \S+\.s has 10001 properties; PostgreSQL tables hold at most 1600 columns/,
  },
  "state-number": { fatal: /line 4: STATE "value" must be a JSON object, got a number$/ },
  "state-array": { fatal: /line 4: STATE "value" must be a JSON object, got an array$/ },
  "state-null": { fatal: /line 4: STATE "value" must be a JSON object, got null$/ },
};

describe.skipIf(unavailable !== undefined)("hostile Singer input into target-postgres", () => {
  const dir = tempDir("bad-input");
  let schema: TestSchema;

  beforeAll(async () => {
    schema = await freshSchema("rel_bad");
  });
  afterAll(async () => {
    await schema?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function load(name: string, body: Body, config: object = {}) {
    await schema.query(`drop schema if exists "${schema.name}" cascade`);
    await schema.query(`create schema "${schema.name}"`);
    await schema.query(`create table "${schema.name}".canary (id int)`);
    const file = await writeCase(dir, name, body);
    return runTarget(
      dir,
      {
        connection_string: pgUrl(),
        default_target_schema: schema.name,
        batch_size_rows: 1,
        ...config,
      },
      { file },
    );
  }

  async function committedPrefixSurvives(name: string, stdout: string) {
    expect(states(stdout)[0]).toEqual({ committed: name });
    const rows = await tableRows(schema, "s");
    expect(rows.find((row) => row.id === 1)).toMatchObject({ id: 1, v: "committed" });
    expect(await schema.count("canary")).toBe(0);
  }

  for (const [name, expected] of Object.entries(rejected)) {
    it(`${name}: exit 1, one FATAL line naming where, the committed prefix kept`, async () => {
      const body = corpus[name];
      if (body === undefined) throw new Error(`no corpus case ${name}`);
      const result = await load(name, body, expected.config);
      expect({ status: result.status, fatals: fatals(result.stderr) }).toMatchObject({
        status: 1,
        fatals: [expect.stringMatching(expected.fatal)],
      });
      await committedPrefixSurvives(name, result.stdout);
      // Nothing of the hostile part reached the table.
      expect((await tableRows(schema, "s")).map((row) => row.id)).toEqual([1]);
    });
  }

  it.each([
    ["invalid-date", {}],
    ["invalid-date-without-validation", { validate_records: false }],
  ])(
    "%s: an unreadable date-time widens its column to text and loads as sent",
    async (name, config) => {
      const body = corpus[name];
      if (body === undefined) throw new Error(`no corpus case ${name}`);
      const result = await load(name, body, config);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/widened column at to text for values that did not fit/);
      const rows = await tableRows(schema, "s");
      expect(rows.find((row) => row.id === 2)).toMatchObject({ id: 2, at: "2024-02-30T25:61:00Z" });
    },
  );

  it("record-10k-properties: the unknown properties are skipped with one warning, the record loads", async () => {
    const body = corpus["record-10k-properties"];
    if (body === undefined) throw new Error("missing case");
    const result = await load("record-10k-properties", body);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(
      /WARN {2}target-postgres {2}line 4, stream s: property "p0" is not in the stream's SCHEMA and is not loaded \(warned once per stream\)/,
    );
    await committedPrefixSurvives("record-10k-properties", result.stdout);
    expect((await tableRows(schema, "s")).map((row) => row.id).sort()).toEqual([1, 2]);
  });

  it("schema-ref-recursive: a recursive $ref schema loads its value as jsonb, exactly", async () => {
    const body = corpus["schema-ref-recursive"];
    if (body === undefined) throw new Error("missing case");
    const result = await load("schema-ref-recursive", body);
    expect(result.status).toBe(0);
    await committedPrefixSurvives("schema-ref-recursive", result.stdout);
    const row = (await tableRows(schema, "s")).find((r) => r.id === 2);
    expect(row?.j).toEqual({ next: { next: {} } });
  });

  it("numbers-beyond-64-bit: integers past ±2^63 and 100-digit numbers arrive as written", async () => {
    const body = loadable["numbers-beyond-64-bit"];
    if (body === undefined) throw new Error("missing case");
    const result = await load("numbers-beyond-64-bit", body);
    expect(result.status).toBe(0);
    await committedPrefixSurvives("numbers-beyond-64-bit", result.stdout);
    const rows = await schema.query<{ id: string; big: string; num: string }>(
      `select id::text, big::text, num::text from "${schema.name}".n order by id`,
    );
    expect(rows.slice(0, 2)).toEqual([
      { id: "1", big: "123456789012345678901234567890", num: "9".repeat(100) },
      { id: "2", big: "-9223372036854775809", num: `0.${"1".repeat(99)}` },
    ]);
    expect(rows[2]?.big).toBe("9223372036854775807");
  });

  it("sql-injection-names: stream and column names are data, never SQL", async () => {
    const body = loadable["sql-injection-names"];
    if (body === undefined) throw new Error("missing case");
    const result = await load("sql-injection-names", body);
    expect(result.status).toBe(0);
    await committedPrefixSurvives("sql-injection-names", result.stdout);
    expect(await tableRows(schema, INJECTION)).toEqual([
      { id: 1, [INJECTION]: "v1", "a'); DROP TABLE canary; --": "v2" },
    ]);
  });

  it("colliding-names: names equal after conforming get distinct tables and columns", async () => {
    const body = loadable["colliding-names"];
    if (body === undefined) throw new Error("missing case");
    const result = await load("colliding-names", body);
    expect(result.status).toBe(0);
    await committedPrefixSurvives("colliding-names", result.stdout);
    expect(await tableRows(schema, "Coll")).toEqual([
      { id: 1, Id: "upper", "a-b": "dash", a_b: "underscore", aB: "camel" },
    ]);
    expect(await tableRows(schema, "coll")).toEqual([{ id: 7 }]);
    expect((await schema.tables()).filter((t) => t.startsWith("coll")).length).toBe(2);
  });

  it("nul-everywhere: NUL in stream, column, key, value and jsonb keys loads as U+FFFD", async () => {
    const body = loadable["nul-everywhere"];
    if (body === undefined) throw new Error("missing case");
    const result = await load("nul-everywhere", body);
    expect(result.status).toBe(0);
    await committedPrefixSurvives("nul-everywhere", result.stdout);
    const rows = await schema.query<{ row: unknown }>(
      `select to_jsonb(r) as row from "${schema.name}".n_ul r`,
    );
    expect(rows.map((r) => normalize(r.row))).toEqual([
      normalize({ id: "k\uFFFDey", c_ol: "v\uFFFDal", j: { "k\uFFFD": ["\uFFFD"] } }),
    ]);
  });

  it("lone-surrogates: lone UTF-16 surrogates load as U+FFFD in text and jsonb", async () => {
    const body = loadable["lone-surrogates"];
    if (body === undefined) throw new Error("missing case");
    const result = await load("lone-surrogates", body);
    expect(result.status).toBe(0);
    await committedPrefixSurvives("lone-surrogates", result.stdout);
    expect(await tableRows(schema, "sur")).toEqual([
      { id: 1, t: "a\uFFFDb", j: { "k\uFFFD": "\uFFFD" } },
    ]);
  });
});
