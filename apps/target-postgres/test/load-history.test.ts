import { postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import { describe, expect, it } from "vitest";
import {
  configFor,
  freshSchemas,
  ndjson,
  recordMessage,
  runTarget,
  schemaMessage,
  stateMessage,
  watchStderr,
} from "./support.js";

const users = schemaMessage("users", { id: { type: "integer" }, name: { type: "string" } }, ["id"]);
const user = (id: number, name: string) => recordMessage("users", { id, name });

interface LoadRow {
  load_id: string;
  started_at: Date;
  ended_at: Date | null;
  streams: Record<string, { rows: number; inserted: number; updated: number; deleted: number }>;
  last_state: unknown;
  outcome: string;
  error: string | null;
}

describe.skipIf((await postgresUnavailable()) !== undefined)("load history", () => {
  const fresh = freshSchemas("tp_hist");
  const loads = (db: TestSchema, table = "_sdc_loads") =>
    db.query<LoadRow>(`select * from "${db.name}"."${table}" order by started_at`);

  it("records each run: counts per stream, last STATE, outcome; prints a load summary", async () => {
    const db = await fresh();
    const config = configFor(db);
    const first = await runTarget(
      config,
      ndjson([users, user(1, "a"), user(2, "b"), stateMessage({ s: 1 })]),
    );
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(
      /load summary: stream users: 2 rows \(2 inserted, 0 updated, 0 deleted\)/,
    );
    expect(first.stderr).toMatch(
      /load summary: succeeded, load [0-9a-f-]{36}: 2 rows in [\d.]+ s \(\d+ rows\/s\)/,
    );
    const second = await runTarget(
      config,
      ndjson([users, user(2, "c"), user(3, "d"), user(1, "a")]),
    );
    expect(second.code).toBe(0);
    const rows = await loads(db);
    expect(rows.map((r) => [r.outcome, r.streams, r.last_state, r.error])).toEqual([
      ["succeeded", { users: { rows: 2, inserted: 2, updated: 0, deleted: 0 } }, { s: 1 }, null],
      ["succeeded", { users: { rows: 3, inserted: 1, updated: 1, deleted: 0 } }, null, null],
    ]);
    expect(rows[0]?.load_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(rows[0]?.ended_at?.getTime()).toBeGreaterThanOrEqual(rows[0]?.started_at.getTime() ?? 0);
  });

  it("a failed run is recorded with its error text, secrets redacted; custom name; disabled", async () => {
    const db = await fresh();
    const secret = "hunter2-very-secret";
    const config = configFor(db, {
      load_history_table: "my_loads",
      password: secret,
      validate_records: "strict",
    });
    const bad = ndjson([users, user(1, "a"), recordMessage("users", { id: secret })]);
    const result = await runTarget(config, bad);
    expect(result.code).not.toBe(0);
    const [row] = await loads(db, "my_loads");
    expect(row?.outcome).toBe("failed");
    expect(row?.error).toMatch(/line 3, stream users, field \/id: must be integer/);
    expect(row?.error).not.toContain(secret);
    expect(row?.error).toContain('got "***"');
    const off = await runTarget(configFor(db, { load_history_table: "" }), ndjson([users]));
    expect(off.code).toBe(0);
    expect(await db.tables()).not.toContain("_sdc_loads");
  });
  it("SIGTERM: outcome interrupted with the committed counts; an overwrite table is not swapped", async () => {
    const db = await fresh();
    const config = configFor(db, { load_method: "overwrite" });
    expect((await runTarget(config, ndjson([users, user(1, "a")]))).code).toBe(0);
    let kill: ((signal: NodeJS.Signals) => void) | undefined;
    const stderr = watchStderr();
    const result = await runTarget(
      config,
      async (stdin) => {
        stdin.write(ndjson([users, user(2, "b"), user(3, "c"), stateMessage({ n: 2 })]));
        await stderr.line(/stream users: loading into/); // the records follow in the same chunk
        kill?.("SIGTERM");
        await stderr.line(/received SIGTERM/);
        stdin.end();
      },
      { onSpawn: (fn) => (kill = fn), onStderr: stderr.onStderr, env: { LOGLEVEL: "debug" } },
    );
    expect(result.code).toBe(143);
    expect(result.states).toEqual([]);
    expect(result.stderr).toMatch(/load summary: interrupted/);
    const rows = await loads(db);
    expect(rows.map((r) => [r.outcome, r.streams])).toEqual([
      ["succeeded", { users: { rows: 1, inserted: 1, updated: 0, deleted: 0 } }],
      ["interrupted", { users: { rows: 2, inserted: 2, updated: 0, deleted: 0 } }],
    ]);
    expect(await db.count("users")).toBe(1);
  });
});
