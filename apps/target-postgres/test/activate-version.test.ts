import { postgresUnavailable } from "@repo/pg-testing";
import { describe, expect, it } from "vitest";
import {
  configFor,
  freshSchemas,
  ndjson,
  rowsOf,
  runTarget,
  schemaMessage,
  stateMessage,
} from "./support.js";

const V1 = 1_700_000_000_000;
const V2 = 1_700_000_100_000;
const schema = schemaMessage("items", { id: { type: "integer" }, name: { type: "string" } }, [
  "id",
]);
const record = (id: number, version: number) => ({
  type: "RECORD",
  stream: "items",
  record: { id, name: `n${id}` },
  version,
});
const activate = (version: number, stream = "items") => ({
  type: "ACTIVATE_VERSION",
  stream,
  version,
});

/** A stream tap-secoda's deletion sweep covers: its tombstones carry the key and `_sdc_deleted_at`. */
const swept = schemaMessage(
  "tags",
  {
    id: { type: "integer" },
    name: { type: "string" },
    _sdc_deleted_at: { type: ["null", "string"], format: "date-time" },
  },
  ["id"],
);
const tagRecord = (record: object) => ({ type: "RECORD", stream: "tags", record });

/** A FULL_TABLE sync as tap-secoda emits it: ACTIVATE_VERSION, records, ACTIVATE_VERSION. */
const fullTable = (version: number, ids: readonly number[]) => [
  schema,
  activate(version),
  ...ids.map((id) => record(id, version)),
  activate(version),
  stateMessage({ bookmarks: { items: { version } } }),
];

describe.skipIf((await postgresUnavailable()) !== undefined)("ACTIVATE_VERSION", () => {
  const fresh = freshSchemas("tp_av");

  it("hard_delete: rows of older versions (and of none) are deleted; the version is a bigint", async () => {
    const db = await fresh();
    const config = configFor(db, { hard_delete: true });
    expect((await runTarget(config, ndjson(fullTable(V1, [1, 2, 3])))).code).toBe(0);
    const second = await runTarget(config, ndjson(fullTable(V2, [2, 3, 4])));
    expect(second.code).toBe(0);
    expect(second.states).toEqual([{ bookmarks: { items: { version: V2 } } }]);
    const rows = await db.query<{ id: string; v: string; type: string }>(
      `select id, _sdc_table_version as v, pg_typeof(_sdc_table_version)::text as type from "${db.name}".items order by id`,
    );
    expect(rows.map((r) => [Number(r.id), Number(r.v), r.type])).toEqual([
      [2, V2, "bigint"],
      [3, V2, "bigint"],
      [4, V2, "bigint"],
    ]);
  });

  it("soft delete: _sdc_deleted_at is set once on older rows and never re-stamped", async () => {
    const db = await fresh();
    const config = configFor(db);
    expect((await runTarget(config, ndjson(fullTable(V1, [1, 2])))).code).toBe(0);
    expect((await runTarget(config, ndjson(fullTable(V2, [2])))).code).toBe(0);
    const stamped = await db.query<{ d: string | null }>(
      `select _sdc_deleted_at::text as d from "${db.name}".items where id = 1`,
    );
    expect(stamped[0]?.d).not.toBeNull();
    expect((await runTarget(config, ndjson(fullTable(V2 + 1, [2])))).code).toBe(0);
    const rows = await db.query<{ id: string; d: string | null }>(
      `select id, _sdc_deleted_at::text as d from "${db.name}".items order by id`,
    );
    expect(rows).toEqual([
      { id: "1", d: stamped[0]?.d },
      { id: "2", d: null },
    ]);
  });

  it("flushes the stream's buffered rows before deleting (no loss of the new version)", async () => {
    const db = await fresh();
    const config = configFor(db, { hard_delete: true, batch_size_rows: 1000 });
    const messages = [schema, ...[1, 2].map((id) => record(id, V1)), activate(V1)];
    expect((await runTarget(config, ndjson(messages))).code).toBe(0);
    expect(await rowsOf(db, "items", "id")).toEqual([
      { id: 1, name: "n1", _sdc_table_version: V1, _sdc_deleted_at: null },
      { id: 2, name: "n2", _sdc_table_version: V1, _sdc_deleted_at: null },
    ]);
  });

  it("ACTIVATE_VERSION without SCHEMA is a warning; with the setting off nothing is deleted", async () => {
    const db = await fresh();
    const unknown = await runTarget(configFor(db), ndjson([activate(V1, "nowhere")]));
    expect(unknown.code).toBe(0);
    expect(unknown.stderr).toMatch(/stream nowhere: ACTIVATE_VERSION for a stream without SCHEMA/);
    const off = configFor(db, { process_activate_version_messages: false, hard_delete: true });
    expect((await runTarget(off, ndjson(fullTable(V1, [1, 2])))).code).toBe(0);
    const second = await runTarget(off, ndjson(fullTable(V2, [2])));
    expect(second.stderr).toMatch(/ACTIVATE_VERSION ignored/);
    expect((await rowsOf(db, "items", "id")).length).toBe(2);
  });

  it("hard_delete: records flagged with _sdc_deleted_at (LOG_BASED) are deleted after their merge", async () => {
    const db = await fresh();
    const logBased = schemaMessage(
      "cdc",
      {
        id: { type: "integer" },
        name: { type: "string" },
        _sdc_deleted_at: { type: ["null", "string"], format: "date-time" },
      },
      ["id"],
    );
    const rec = (id: number, deleted: string | null) => ({
      type: "RECORD",
      stream: "cdc",
      record: { id, name: `n${id}`, _sdc_deleted_at: deleted },
    });
    const config = configFor(db, { hard_delete: true });
    const first = [logBased, rec(1, null), rec(2, null), rec(3, null)];
    expect((await runTarget(config, ndjson(first))).code).toBe(0);
    const second = [logBased, rec(2, "2024-01-01T00:00:00Z"), rec(4, "2024-01-01T00:00:00Z")];
    expect((await runTarget(config, ndjson(second))).code).toBe(0);
    const ids = await db.query<{ id: string }>(`select id from "${db.name}".cdc order by id`);
    expect(ids.map((r) => Number(r.id))).toEqual([1, 3]);
  });
  it("without hard_delete, a key-only tombstone marks its row and keeps the row's data", async () => {
    const db = await fresh();
    const config = configFor(db);
    const first = [swept, tagRecord({ id: 1, name: "a" }), tagRecord({ id: 2, name: "b" })];
    expect((await runTarget(config, ndjson(first))).code).toBe(0);
    const tombstone = tagRecord({ id: 2, _sdc_deleted_at: "2024-01-01T00:00:00Z" });
    expect((await runTarget(config, ndjson([swept, tombstone]))).code).toBe(0);
    const rows = await db.query<{ id: string; name: string; deleted: string | null }>(
      `select id, name, _sdc_deleted_at::text as deleted from "${db.name}".tags order by id`,
    );
    expect(rows.map((r) => [Number(r.id), r.name, r.deleted])).toEqual([
      [1, "a", null],
      [2, "b", "2024-01-01 00:00:00+00"],
    ]);
  });

  it("a replayed tombstone changes nothing and is counted as nothing (soft and hard_delete)", async () => {
    const tombstone = tagRecord({ id: 2, _sdc_deleted_at: "2024-01-01T00:00:00Z" });
    const summary = (stderr: string) =>
      /stream tags: \d+ rows \(\d+ inserted, \d+ updated, \d+ deleted\)/.exec(stderr)?.[0];
    for (const hard of [false, true]) {
      const db = await fresh();
      const config = configFor(db, { hard_delete: hard });
      const first = [swept, tagRecord({ id: 1, name: "a" }), tagRecord({ id: 2, name: "b" })];
      expect((await runTarget(config, ndjson(first))).code).toBe(0);
      const marking = await runTarget(config, ndjson([swept, tombstone]));
      expect(summary(marking.stderr), `hard_delete ${hard}`).toBe(
        hard
          ? "stream tags: 1 rows (0 inserted, 0 updated, 1 deleted)"
          : "stream tags: 1 rows (0 inserted, 1 updated, 0 deleted)",
      );
      const before = await db.query(`select * from "${db.name}".tags order by id`);
      // The same tombstone again (a rerun or resumed sweep), beside an unchanged plain row.
      const replay = await runTarget(
        config,
        ndjson([swept, tombstone, tagRecord({ id: 1, name: "a" })]),
      );
      expect(replay.code).toBe(0);
      expect(summary(replay.stderr), `hard_delete ${hard}`).toBe(
        "stream tags: 2 rows (0 inserted, 0 updated, 0 deleted)",
      );
      expect(await db.query(`select * from "${db.name}".tags order by id`)).toEqual(before);
      const [history] = await db.query<{ streams: unknown }>(
        `select streams from "${db.name}"._sdc_loads order by started_at desc limit 1`,
      );
      expect(history?.streams).toEqual({
        tags: { rows: 2, inserted: 0, updated: 0, deleted: 0 },
      });
    }
  });

  it("an opening ACTIVATE_VERSION deletes nothing: a run that dies before the closing one keeps the old rows", async () => {
    const db = await fresh();
    const config = configFor(db, { hard_delete: true });
    expect((await runTarget(config, ndjson(fullTable(V1, [1, 2, 3])))).code).toBe(0);
    const dying = `${ndjson([schema, activate(V2), record(2, V2)])}{not json\n`;
    const result = await runTarget(config, dying);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/ACTIVATE_VERSION 1700000100000 opens a new version/);
    const ids = await db.query<{ id: string }>(`select id from "${db.name}".items order by id`);
    expect(ids.map((r) => Number(r.id))).toEqual([1, 2, 3]);
  });

  it("a single ACTIVATE_VERSION without records (upstream emptied) retires older rows at the end", async () => {
    const db = await fresh();
    const config = configFor(db, { hard_delete: true });
    expect((await runTarget(config, ndjson(fullTable(V1, [1, 2])))).code).toBe(0);
    const result = await runTarget(config, ndjson([schema, activate(V2)]));
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /ACTIVATE_VERSION 1700000100000: 2 rows of older versions deleted/,
    );
    expect(await db.count("items")).toBe(0);
  });
});
