import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { freshSchema, postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { configFor, ndjson, runTarget, schemaMessage, stateMessage } from "./support.js";

// BATCH messages as a Meltano SDK tap with `batch_config` writes them: one JSON record per line in
// `jsonl` or gzip'd `jsonl.gz` files, a BATCH message per file set, STATEs in between.

const dir = mkdtempSync(join(tmpdir(), "target-postgres-batch-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `records` as one jsonl file (gzip'd when `gzip`), returns its file:// URL. */
function batchFile(name: string, records: readonly object[], gzip: boolean): string {
  const path = join(dir, name);
  const text = records.map((record) => JSON.stringify(record)).join("\n");
  writeFileSync(path, gzip ? gzipSync(`${text}\n`) : `${text}\n`);
  return pathToFileURL(path).href;
}

function batchMessage(stream: string, manifest: readonly string[], gzip: boolean) {
  return {
    type: "BATCH",
    stream,
    encoding: { format: "jsonl", compression: gzip ? "gzip" : "none" },
    manifest,
  };
}

const items = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => ({
    id: from + i,
    name: `item ${from + i}`,
    price: (from + i) * 1.5,
  }));

const ITEMS = schemaMessage(
  "items",
  {
    id: { type: "integer" },
    name: { type: ["string", "null"] },
    price: { type: ["number", "null"] },
    big: { type: ["integer", "null"] },
  },
  ["id"],
);

describe.skipIf((await postgresUnavailable()) !== undefined)("BATCH messages", () => {
  const schemas: TestSchema[] = [];
  afterEach(async () => {
    await Promise.all(schemas.splice(0).map((schema) => schema.drop()));
  });

  it("loads jsonl and jsonl.gz files exactly; each STATE printed after the records before it are committed", async () => {
    const schema = await freshSchema("tp_batch");
    schemas.push(schema);
    const first = batchFile("items-1.jsonl.gz", items(1, 250), true);
    const second = batchFile("items-2.jsonl", items(251, 400), false);
    // An update of id 7 in the third file, with a number past 2^53 that must arrive as written.
    writeFileSync(
      join(dir, "items-3.jsonl"),
      '{"id":7,"name":"seven","price":null,"big":1234567890123456789}\n',
    );
    const third = pathToFileURL(join(dir, "items-3.jsonl")).href;
    const input = ndjson([
      ITEMS,
      batchMessage("items", [first], true),
      stateMessage({ upto: 250 }),
      batchMessage("items", [second], false),
      stateMessage({ upto: 400 }),
      batchMessage("items", [third], false),
      stateMessage({ upto: 401 }),
    ])
      .trimEnd()
      .split("\n");
    const violations: string[] = [];
    const result = await runTarget(configFor(schema, { batch_size_rows: 60 }), input, {
      onLine: async (line) => {
        const { upto } = JSON.parse(line) as { upto: number };
        const n = await schema.count("items");
        if (n < Math.min(upto, 400)) violations.push(`state ${upto} printed with ${n} rows`);
      },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(violations).toEqual([]);
    expect(result.states.at(-1)).toEqual({ upto: 401 });
    expect(await schema.count("items")).toBe(400);
    const rows = await schema.query<{
      id: number;
      name: string;
      price: string | null;
      big: string;
    }>(
      `select id::int, name, price::text, big::text from "${schema.name}".items where id in (1, 7, 400) order by id`,
    );
    expect(rows).toEqual([
      { id: 1, name: "item 1", price: "1.5", big: null },
      { id: 7, name: "seven", price: null, big: "1234567890123456789" },
      { id: 400, name: "item 400", price: "600", big: null },
    ]);
  });

  it("between an opening and a closing ACTIVATE_VERSION, BATCH rows take that version and stay; older rows go", async () => {
    const schema = await freshSchema("tp_batch");
    schemas.push(schema);
    const activate = (version: number) => ({ type: "ACTIVATE_VERSION", stream: "items", version });
    const run = (version: number, from: number, to: number) => {
      const file = batchFile(`versioned-${version}.jsonl.gz`, items(from, to), true);
      const input = ndjson([
        ITEMS,
        activate(version),
        batchMessage("items", [file], true),
        activate(version),
      ]);
      return runTarget(configFor(schema, { hard_delete: true }), input);
    };
    const first = await run(1, 1, 50);
    expect(first.code, first.stderr).toBe(0);
    expect(await schema.count("items")).toBe(50);
    const second = await run(2, 21, 80); // upstream lost ids 1–20 and gained 51–80
    expect(second.code, second.stderr).toBe(0);
    const rows = await schema.query<{ n: number; low: number; high: number; v: string }>(
      `select count(*)::int n, min(id)::int low, max(id)::int high,
              string_agg(distinct _sdc_table_version::text, ',') v from "${schema.name}".items`,
    );
    expect(rows).toEqual([{ n: 60, low: 21, high: 80, v: "2" }]);
  });

  it("a truncated gzip file fails naming file and line; nothing of that BATCH is committed", async () => {
    const schema = await freshSchema("tp_batch");
    schemas.push(schema);
    const good = batchFile("good.jsonl.gz", items(1, 100), true);
    const whole = gzipSync(
      `${items(101, 30_100)
        .map((r) => JSON.stringify(r))
        .join("\n")}\n`,
    );
    const cutPath = join(dir, "cut.jsonl.gz");
    writeFileSync(cutPath, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const cut = pathToFileURL(cutPath).href;
    const input = ndjson([
      ITEMS,
      batchMessage("items", [good], true),
      stateMessage({ upto: 100 }),
      batchMessage("items", [cut], true),
      stateMessage({ upto: 30_100 }),
    ]);
    // 100 rows a batch: the first BATCH commits on its own; without the check of every file before
    // loading, the second would commit batches of its first 18,000 rows before the cut was found.
    const result = await runTarget(configFor(schema, { batch_size_rows: 100 }), input);
    expect(result.code).toBe(1);
    expect(result.fatal).toMatch(
      new RegExp(
        `line 4, stream items: BATCH file ${cut}, line \\d+: not a valid gzip stream \\(unexpected end of file\\)`,
      ),
    );
    expect(await schema.count("items")).toBe(100);
    expect(result.states).toEqual([{ upto: 100 }]);
    const ids = await schema.query<{ id: number }>(
      `select id::int from "${schema.name}".items order by id`,
    );
    expect(ids.map((row) => row.id)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it("a record nested too deeply is bad input naming the BATCH file and line, not a crash", async () => {
    const schema = await freshSchema("tp_batch");
    schemas.push(schema);
    const path = join(dir, "deep.jsonl");
    writeFileSync(path, `{"id":1}\n{"id":2,"name":${"[".repeat(5000)}${"]".repeat(5000)}}\n`);
    const file = pathToFileURL(path).href;
    const result = await runTarget(
      configFor(schema),
      ndjson([ITEMS, batchMessage("items", [file], false)]),
    );
    expect(result.code).toBe(1);
    expect(result.fatal).toMatch(
      new RegExp(`line 2, stream items, field /name: BATCH file ${file}, line 2: value nested`),
    );
  });

  it("validate_records strict: a record that breaks its schema is reported with the BATCH file and its line", async () => {
    const schema = await freshSchema("tp_batch");
    schemas.push(schema);
    const file = batchFile("bad.jsonl", [...items(1, 3), { id: "four", name: "x" }], false);
    const result = await runTarget(
      configFor(schema, { validate_records: "strict" }),
      ndjson([ITEMS, batchMessage("items", [file], false)]),
    );
    expect(result.code).toBe(1);
    expect(result.fatal).toMatch(
      new RegExp(`line 2, stream items, field /id: BATCH file ${file}, line 4: `),
    );
  });
});
