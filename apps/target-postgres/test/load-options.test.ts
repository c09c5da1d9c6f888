import { pgConfigFromEnv, postgresUnavailable } from "@repo/pg-testing";
import pg from "pg";
import { describe, expect, it } from "vitest";
import {
  configFor,
  freshSchemas,
  ndjson,
  recordMessage,
  rowsOf,
  runTarget,
  schemaMessage,
  stateMessage,
} from "./support.js";

const users = schemaMessage("users", { id: { type: "integer" }, name: { type: "string" } }, ["id"]);
const user = (id: number, name: string) => recordMessage("users", { id, name });

/** add_record_metadata, load_method, run hooks. */
describe.skipIf((await postgresUnavailable()) !== undefined)("load options", () => {
  const fresh = freshSchemas("tp_opt");

  it("add_record_metadata: six _sdc_* columns with their types and values", async () => {
    const db = await fresh();
    const before = Date.now();
    const messages = [
      users,
      { ...user(1, "a"), time_extracted: "2024-05-01T10:00:00Z", version: 7 },
      user(2, "b"),
    ];
    const result = await runTarget(configFor(db, { add_record_metadata: true }), ndjson(messages));
    expect(result.code).toBe(0);
    const types = await db.query<{ name: string; type: string }>(
      `select column_name as name, data_type as type from information_schema.columns
        where table_schema = '${db.name}' and table_name = 'users' and column_name like '\\_sdc%'
        order by column_name`,
    );
    expect(types).toEqual([
      { name: "_sdc_batched_at", type: "timestamp with time zone" },
      { name: "_sdc_deleted_at", type: "timestamp with time zone" },
      { name: "_sdc_extracted_at", type: "timestamp with time zone" },
      { name: "_sdc_received_at", type: "timestamp with time zone" },
      { name: "_sdc_sequence", type: "bigint" },
      { name: "_sdc_table_version", type: "bigint" },
    ]);
    const rows = await db.query<{
      id: string;
      extracted: string | null;
      received: Date;
      seq: string;
      version: string | null;
    }>(
      `select id, _sdc_extracted_at::text as extracted, _sdc_received_at as received,
              _sdc_sequence as seq, _sdc_table_version as version
         from "${db.name}".users order by id`,
    );
    expect(rows.map((r) => [r.extracted, r.version])).toEqual([
      ["2024-05-01 10:00:00+00", "7"],
      [null, null],
    ]);
    expect(rows[0]?.received.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(Number(rows[1]?.seq)).toBeGreaterThan(Number(rows[0]?.seq));
  });

  it("load_method append-only: keys are not merged, every record is a row", async () => {
    const db = await fresh();
    const config = configFor(db, { load_method: "append-only" });
    const result = await runTarget(config, ndjson([users, user(1, "a"), user(1, "b")]));
    expect(result.code).toBe(0);
    expect(await rowsOf(db, "users", "name")).toEqual([
      { id: 1, name: "a" },
      { id: 1, name: "b" },
    ]);
  });

  it("load_method overwrite: the table's rows are replaced at the end, comments kept, STATE held for the swap", async () => {
    const db = await fresh();
    const odd = schemaMessage("Odd Name", { "Some Id": { type: "integer" } }, ["Some Id"]);
    const odds = (ids: readonly number[]) =>
      ids.map((id) => recordMessage("Odd Name", { "Some Id": id }));
    const config = configFor(db, { load_method: "overwrite", batch_size_rows: 2 });
    expect((await runTarget(config, ndjson([odd, ...odds([1, 2, 3])]))).code).toBe(0);
    const comment = `select col_description('"${db.name}".odd_name'::regclass, 1) as c`;
    const [before] = await db.query<{ c: string | null }>(comment);
    const second = await runTarget(
      config,
      ndjson([odd, ...odds([3, 4]), stateMessage({ n: 1 }), ...odds([5, 5])]),
    );
    expect(second.code).toBe(0);
    expect(second.states).toEqual([{ n: 1 }]);
    expect(second.stderr).toMatch(/overwrite: replaced the rows of .*odd_name.* \(3 rows\)/);
    expect(await rowsOf(db, "odd_name", "1")).toEqual([
      { some_id: 3 },
      { some_id: 4 },
      { some_id: 5 },
    ]);
    const [after] = await db.query<{ c: string | null }>(comment);
    expect(after?.c).toBe(before?.c);
    expect(after?.c).toContain("Some Id");
  });

  it("load_method overwrite: a failed run leaves the table as it was", async () => {
    const db = await fresh();
    const config = configFor(db, { load_method: "overwrite", batch_size_rows: 1 });
    expect((await runTarget(config, ndjson([users, user(1, "a")]))).code).toBe(0);
    const bad = `${ndjson([users, user(2, "b"), user(3, "c")])}{not json\n`;
    expect((await runTarget(config, bad)).code).not.toBe(0);
    expect(await rowsOf(db, "users", "id")).toEqual([{ id: 1, name: "a" }]);
  });

  it("load_method overwrite: a reader whose snapshot predates the swap sees the old rows, not an empty table", async () => {
    const db = await fresh();
    const config = configFor(db, { load_method: "overwrite" });
    expect((await runTarget(config, ndjson([users, user(1, "a"), user(2, "b")]))).code).toBe(0);
    const reader = new pg.Client(pgConfigFromEnv());
    await reader.connect();
    try {
      await reader.query("begin isolation level repeatable read");
      await reader.query("select 1 from pg_class limit 1"); // takes the snapshot, no lock on users
      expect((await runTarget(config, ndjson([users, user(3, "c")]))).code).toBe(0);
      const seen = await reader.query<{ id: string }>(`select id from "${db.name}".users`);
      expect(seen.rows.map((r) => Number(r.id)).sort()).toEqual([1, 2]);
      await reader.query("commit");
    } finally {
      await reader.end();
    }
    expect(await rowsOf(db, "users", "id")).toEqual([{ id: 3, name: "c" }]);
  });

  it("load_method overwrite: a schema change mid-stream keeps the rows already in the shadow", async () => {
    const db = await fresh();
    const config = configFor(db, { load_method: "overwrite", batch_size_rows: 1 });
    expect((await runTarget(config, ndjson([users, user(9, "old")]))).code).toBe(0);
    const wider = schemaMessage(
      "users",
      { id: { type: "integer" }, name: { type: "string" }, age: { type: "integer" } },
      ["id"],
    );
    const messages = [
      users,
      user(1, "a"),
      wider,
      recordMessage("users", { id: 2, name: "b", age: 3 }),
    ];
    expect((await runTarget(config, ndjson(messages))).code).toBe(0);
    expect(await rowsOf(db, "users", "id")).toEqual([
      { id: 1, name: "a", age: null },
      { id: 2, name: "b", age: 3 },
    ]);
  });

  it("before_run_sql and after_run_sql run in order; a failing hook fails the run", async () => {
    const db = await fresh();
    const t = `"${db.name}".hook_log`;
    const config = configFor(db, {
      before_run_sql: [
        `create table if not exists ${t} (what text)`,
        `insert into ${t} values ('before')`,
      ],
      after_run_sql: `insert into ${t} select 'after ' || count(*) from "${db.name}".users`,
    });
    expect((await runTarget(config, ndjson([users, user(1, "a")]))).code).toBe(0);
    expect(await rowsOf(db, "hook_log", "1")).toEqual([{ what: "after 1" }, { what: "before" }]);
    const failing = await runTarget(configFor(db, { before_run_sql: "select nope" }), ndjson([]));
    expect(failing.code).not.toBe(0);
    expect(failing.fatal).toMatch(/before_run_sql\[0\] failed: column "nope" does not exist/);
  });
});
