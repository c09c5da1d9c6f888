import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import { describe, expect, it } from "vitest";
import {
  configFor,
  freshSchemas,
  ndjson,
  recordMessage,
  runTarget,
  schemaMessage,
} from "./support.js";

/**
 * Streams recorded the way real database taps write them (test/fixtures/real-taps): a
 * PipelineWise tap-postgres LOG_BASED stream (draft-04 numeric bounds, jsonb declared
 * object|array holding a string and a number, a varchar whose data breaks maxLength, a text
 * value in an integer column, the timestamp variants of the wild, a doubled offset in
 * `_sdc_deleted_at`) and a MySQL-style stream (draft-07, `0000-00-00 00:00:00`, pattern, enum,
 * maximum). Under the defaults every value is stored as sent (or as the documented widening);
 * under `validate_records: "strict"` the first off-schema value fails the run.
 */
const fixture = (name: string) =>
  fileURLToPath(new URL(`fixtures/real-taps/${name}`, import.meta.url));
const read = (name: string) => readFileSync(fixture(name), "utf8");

async function columns(db: TestSchema, table: string, names: readonly string[]) {
  const list = names.map((n) => `"${n}"::text AS "${n}"`).join(", ");
  return db.query(`SELECT ${list} FROM "${db.name}"."${table}" ORDER BY 1::text`);
}

async function typesOf(db: TestSchema, table: string): Promise<Record<string, string>> {
  const rows = await db.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
      WHERE a.attrelid = '"${db.name}"."${table}"'::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.type]));
}

const ORDER_COLUMNS = [
  "id",
  "amount",
  "code",
  "payload",
  "tags",
  "counter",
  "updated_at",
  "created_on",
  "price",
  "_sdc_deleted_at",
];

type Cell = string | null;
const row = (...cells: Cell[]) =>
  Object.fromEntries(ORDER_COLUMNS.map((c, i) => [c, cells[i] ?? null]));
/** public-orders as stored: numbers exact, jsonb as sent (a bare string, a number, "[]" as the
 * array it holds), timestamps read as meant, the integer column widened to text for "n/a". */
const ORDER_ROWS = [
  row(
    "1",
    "1234.5678901234",
    "A-1",
    '{"k": "v"}',
    '[{"t": 1}]',
    "7",
    "2019-12-18 13:19:44+00",
    "2019-12-18",
    "10.50",
    null,
  ),
  row(
    "2",
    "-0.0000000001",
    "THIS-CODE-IS-LONGER-THAN-16",
    '"hello"',
    null,
    "8",
    "2019-12-18 13:19:44+00",
    "2019-12-18",
    "n/a",
    null,
  ),
  row(
    "3",
    "99999999999999999.5",
    "B-3",
    "42",
    "[]",
    "9",
    "2019-12-18 13:19:44.123457+00",
    "2019-12-19",
    null,
    "2019-12-18 13:19:44+00",
  ),
  row("4", "0", "C-4", "[]", "[1, 2, 3]", "n/a", "2019-12-18 13:19:44+00", "2019-12-20", "1", null),
  row("5", null, null, "[1, 2, 3]", null, "10", "10000-01-01 00:00:00+00", null, null, null),
];

describe.skipIf((await postgresUnavailable()) !== undefined)("streams of real taps", () => {
  const fresh = freshSchemas("tp_real");

  it("tap-postgres LOG_BASED stream: loads under the defaults, every value stored as sent", async () => {
    const db = await fresh();
    const result = await runTarget(configFor(db), read("tap-postgres-orders.singer"));
    expect(result.stderr).not.toContain("FATAL");
    expect(result.code).toBe(0);
    expect(result.states).toEqual(
      [
        { bookmarks: { "public-orders": { lsn: 108, version: 1733000000000 } } },
        { bookmarks: { "public-orders": { lsn: 112, version: 1733000000000 } } },
      ].slice(-result.states.length),
    );
    expect(await columns(db, "public_orders", ORDER_COLUMNS)).toEqual(ORDER_ROWS);
    expect(await typesOf(db, "public_orders")).toEqual({
      _sdc_deleted_at: "timestamp with time zone",
      _sdc_table_version: "bigint",
      amount: "numeric",
      code: "text",
      counter: "text", // widened for "n/a" (line 7)
      created_on: "date",
      id: "bigint",
      payload: "jsonb",
      price: "text",
      tags: "jsonb",
      updated_at: "timestamp with time zone",
    });
    const warnings = result.stderr.split("\n").filter((line) => line.includes(" WARN "));
    expect(warnings.map((line) => line.replace(/^.* WARN +target-postgres +/, ""))).toEqual([
      'line 1, stream public-orders: the schema uses 1 keyword(s)/format(s) the validator does not know, ignored: format "singer.decimal"',
      'line 4, stream public-orders, field /code: must NOT have more than 16 characters, got "THIS-CODE-IS-LONGER-THAN-16" (string); loaded as sent (off-schema values are counted in the load summary; warned once per field)',
      'line 4, stream public-orders, field /payload: must be null or object or array, got "hello" (string); loaded as sent (off-schema values are counted in the load summary; warned once per field)',
      'line 7, stream public-orders, field /counter: must be null or integer, got "n/a" (string); loaded as sent (off-schema values are counted in the load summary; warned once per field)',
      "line 7, stream public-orders, field /counter: column counter cannot hold the value as its type; the column is widened to text and the value loaded as sent (warned once per field)",
    ]);
    expect(result.stderr).toContain(
      "load summary: stream public-orders: 5 rows (5 inserted, 0 updated, 0 deleted) in ",
    );
    expect(result.stderr).toContain(
      "; 4 off-schema value(s): /code 1 (maxLength: loaded as sent), /payload 2 (type: loaded as sent), /counter 1 (type: column widened to text)",
    );
    const [load] = await db.query<{ streams: Record<string, unknown> }>(
      `SELECT streams FROM "${db.name}"._sdc_loads`,
    );
    expect(load?.streams).toEqual({
      "public-orders": {
        rows: 5,
        inserted: 5,
        updated: 0,
        deleted: 0,
        off_schema: {
          values: 4,
          fields: {
            "/code": { values: 1, keyword: "maxLength", first_line: 4, action: "loaded as sent" },
            "/payload": { values: 2, keyword: "type", first_line: 4, action: "loaded as sent" },
            "/counter": {
              values: 1,
              keyword: "type",
              first_line: 7,
              action: "column widened to text",
            },
          },
        },
      },
    });
  });

  it('the same stream under validate_records "strict" fails at the first off-schema value', async () => {
    const db = await fresh();
    const config = configFor(db, { validate_records: "strict" });
    const result = await runTarget(config, read("tap-postgres-orders.singer"));
    expect(result.code).toBe(1);
    expect(result.fatal).toContain(
      'line 4, stream public-orders, field /code: must NOT have more than 16 characters, got "THIS-CODE-IS-LONGER-THAN-16" (string)',
    );
    expect(await db.count("public_orders")).toBe(0);
  });

  it("hard_delete: the row whose _sdc_deleted_at has a doubled offset is deleted", async () => {
    const db = await fresh();
    const result = await runTarget(
      configFor(db, { hard_delete: true }),
      read("tap-postgres-orders.singer"),
    );
    expect(result.code).toBe(0);
    const ids = await db.query<{ id: string }>(
      `SELECT id::text FROM "${db.name}".public_orders ORDER BY id`,
    );
    expect(ids.map((r) => r.id)).toEqual(["1", "2", "4", "5"]);
  });

  it("MySQL-style stream: 0000-00-00 widens the column to text; pattern, enum, maximum load as sent", async () => {
    const db = await fresh();
    const result = await runTarget(configFor(db), read("mysql-events.singer"));
    expect(result.code).toBe(0);
    expect(result.states).toEqual([{ bookmarks: { "shop-events": { replication_key_value: 3 } } }]);
    expect(
      await columns(db, "shop_events", ["event_id", "happened_at", "kind", "meta", "score"]),
    ).toEqual([
      {
        event_id: "1",
        happened_at: "2021-03-04T05:06:07Z",
        kind: "view",
        meta: '{"ip": "10.0.0.1"}',
        score: "0.5",
      },
      {
        event_id: "2",
        happened_at: "2021-03-04 05:06:07",
        kind: "Refund!",
        meta: "[1, 2, 3]",
        score: "7",
      },
      {
        event_id: "3",
        happened_at: "0000-00-00 00:00:00",
        kind: "buy",
        meta: '{"ip": "not-an-ip"}',
        score: null,
      },
    ]);
    expect((await typesOf(db, "shop_events")).happened_at).toBe("text");
    expect(result.stderr).toContain(
      "; 4 off-schema value(s): /kind 1 (enum: loaded as sent), /meta 1 (type: loaded as sent), /score 1 (maximum: loaded as sent), /happened_at 1 (column: column widened to text)",
    );
  });

  it("a real process playing the tap-postgres stream in 97-byte chunks, piped into the built CLI", async () => {
    const db = await fresh();
    const input = (stdin: NodeJS.WritableStream) =>
      new Promise<void>((resolve, reject) => {
        const player = spawn(
          process.execPath,
          [fixture("play.mjs"), fixture("tap-postgres-orders.singer"), "97"],
          {
            stdio: ["ignore", "pipe", "inherit"],
          },
        );
        player.stdout.pipe(stdin);
        player.on("error", reject);
        player.on("close", (code) =>
          code === 0 ? resolve() : reject(new Error(`player exited ${code}`)),
        );
      });
    const result = await runTarget(configFor(db), input);
    expect(result.code).toBe(0);
    expect(result.states.at(-1)).toEqual({
      bookmarks: { "public-orders": { lsn: 112, version: 1733000000000 } },
    });
    expect(await columns(db, "public_orders", ORDER_COLUMNS)).toEqual(ORDER_ROWS);
  });

  it("interpret_content_encoding: base16 strings load as bytea; off (default) they stay text", async () => {
    const blobs = ndjson([
      schemaMessage(
        "blobs",
        { id: { type: "integer" }, b: { type: ["null", "string"], contentEncoding: "base16" } },
        ["id"],
      ),
      ...[
        ["1", "0xA1B2"],
        ["2", "a1b"],
        ["3", ""],
        ["4", "0x"],
        ["5", null],
      ].map(([id, b]) => recordMessage("blobs", { id: Number(id), b })),
    ]);
    const on = await fresh();
    expect((await runTarget(configFor(on, { interpret_content_encoding: true }), blobs)).code).toBe(
      0,
    );
    expect((await typesOf(on, "blobs")).b).toBe("bytea");
    expect(
      await on.query(
        `SELECT id::text, encode(b, 'hex') AS hex FROM "${on.name}".blobs ORDER BY id`,
      ),
    ).toEqual([
      { id: "1", hex: "a1b2" },
      { id: "2", hex: "0a1b" },
      { id: "3", hex: "" },
      { id: "4", hex: "" },
      { id: "5", hex: null },
    ]);
    const off = await fresh();
    expect((await runTarget(configFor(off), blobs)).code).toBe(0);
    expect(await columns(off, "blobs", ["id", "b"])).toEqual([
      { id: "1", b: "0xA1B2" },
      { id: "2", b: "a1b" },
      { id: "3", b: "" },
      { id: "4", b: "0x" },
      { id: "5", b: null },
    ]);
  });
});
