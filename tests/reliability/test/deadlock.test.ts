/**
 * A deadlock between target-postgres's merge and another writer (issue #19 item 7): PostgreSQL
 * rolls one transaction back with 40P01; when it is the target's batch, the batch is replayed
 * like one whose connection was lost, without a marker check (it surely did not commit).
 */
import { freshSchema, pgConfigFromEnv, pgUrl, postgresUnavailable } from "@repo/pg-testing";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { fatals, runTarget, tempDir } from "../support/run.js";

const unavailable = await postgresUnavailable();

function input(v: string): string {
  const schema = {
    type: "SCHEMA",
    stream: "s",
    schema: { type: "object", properties: { id: { type: "integer" }, v: { type: "string" } } },
    key_properties: ["id"],
  };
  const records = [1, 2].map((id) => ({ type: "RECORD", stream: "s", record: { id, v } }));
  return `${[schema, ...records].map((m) => JSON.stringify(m)).join("\n")}\n`;
}

describe.skipIf(unavailable !== undefined)("a deadlock with another writer", () => {
  it("the target's merge is the victim: replayed from a new transaction, exit 0, its values win", async () => {
    const dir = tempDir("deadlock");
    const schema = await freshSchema("rel_deadlock");
    const other = new pg.Client(pgConfigFromEnv());
    await other.connect();
    try {
      const url = new URL(pgUrl());
      // The target's deadlock check runs first (2 s), the other session's much later: the cycle
      // is found by the target's backend, whose transaction is the one rolled back.
      url.searchParams.set("options", "-c deadlock_timeout=2s");
      const config = { connection_string: url.toString(), default_target_schema: schema.name };
      expect((await runTarget(dir, config, { text: input("old") })).status).toBe(0);
      const table = `"${schema.name}".s`;
      await other.query("BEGIN");
      await other.query("SET LOCAL deadlock_timeout = '60s'");
      await other.query(`SELECT id FROM ${table} WHERE id = 2 FOR UPDATE`);
      // The merge updates id 1, then waits for id 2; then the other session asks for id 1.
      const running = runTarget(dir, config, { text: input("new") });
      const backend = await other.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      const pid = backend.rows[0]?.pid;
      expect(pid).toBeTypeOf("number");
      let waiting = false;
      for (let i = 0; i < 1000 && !waiting; i += 1) {
        // Other suites' targets may share the server: the one waiting for this session is ours.
        const rows = await schema.query(
          "SELECT 1 FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
          [pid],
        );
        waiting = rows.length > 0;
        if (!waiting) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(waiting).toBe(true);
      await other.query(`UPDATE ${table} SET v = 'other' WHERE id = 1`);
      await other.query("COMMIT");
      const result = await running;
      expect(fatals(result.stderr)).toEqual([]);
      expect(result.status).toBe(0);
      expect(result.stderr).toMatch(
        new RegExp(
          `flush of ${schema.name}\\.s was rolled back \\(deadlock detected.*\\); retrying from a new transaction in 500 ms \\(attempt 2 of 4\\)`,
        ),
      );
      expect(result.stderr).not.toMatch(/outcome checked/);
      const rows = await schema.query(`SELECT id::int, v FROM ${table} ORDER BY id`);
      expect(rows).toEqual([
        { id: 1, v: "new" },
        { id: 2, v: "new" },
      ]);
    } finally {
      await other.end();
      await schema.drop();
    }
  });
});
