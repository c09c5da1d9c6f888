/**
 * target-postgres (the real bin) while PostgreSQL misbehaves: its connection is terminated
 * mid-COPY, the server goes away for a moment (a TCP proxy cut), another session holds a lock,
 * the role lacks a privilege. What must hold: exit 1, nothing partial, and every STATE printed
 * is covered by committed rows, so a rerun from the last one ends with exactly the source data.
 *
 * A connection lost during a flush is replayed `flush_retries` times on a new connection; past
 * that the run fails with one FATAL line naming the table.
 */
import { pgConfigFromEnv, pgUrl, postgresUnavailable } from "@repo/pg-testing";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FlakyProxy } from "../support/proxy.js";
import { fatals, runTarget, states, tempDir } from "../support/run.js";
import { sleep, startTarget, until } from "../support/spawned.js";
import { syntheticStream } from "../support/stream.js";
import { schemaPerTest } from "../support/warehouse.js";

const unavailable = await postgresUnavailable();
const TOTAL = 120_000;

describe.skipIf(unavailable !== undefined)("target-postgres while PostgreSQL misbehaves", () => {
  const dir = tempDir("pg-faults");
  const schema = schemaPerTest("rel_pg");
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: pgUrl() });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
  });

  /** Runs `work` while another session holds an ACCESS EXCLUSIVE lock on the table. */
  const whileLocked = async (table: string, work: () => Promise<void>) => {
    const locker = new pg.Client({ connectionString: pgUrl() });
    await locker.connect();
    try {
      await locker.query("begin");
      await locker.query(`lock table "${schema.name}"."${table}" in access exclusive mode`);
      await work();
    } finally {
      await locker.query("rollback");
      await locker.end();
    }
  };
  const ids = async (table: string) =>
    (
      await schema.query<{ id: string }>(
        `select id::text from "${schema.name}"."${table}" t order by t.id`,
      )
    ).map((r) => Number(r.id));

  /** Every printed STATE {upto: k} must be covered: ids 1..k committed. */
  async function statesCovered(printed: unknown[]) {
    const committed = new Set(await ids("big"));
    for (const state of printed) {
      const upto = (state as { upto: number }).upto;
      let missing = 0;
      for (let id = 1; id <= upto; id++) if (!committed.has(id)) missing++;
      expect({ state, missing }).toEqual({ state, missing: 0 });
    }
  }

  /** Resumes the way a tap does: from the last printed STATE, sending the records after it. */
  async function rerunFrom(last: unknown) {
    const from = last === undefined ? 1 : (last as { upto: number }).upto + 1;
    const result = await runTarget(
      dir,
      { connection_string: pgUrl(), default_target_schema: schema.name },
      { text: syntheticStream({ name: "big", from, count: TOTAL - from + 1, every: 1000 }) },
    );
    expect(result.status).toBe(0);
    const all = await schema.query<{ n: number; sum: string; v: number }>(
      `select count(*)::int n, sum(id)::text sum,
              count(*) filter (where v = repeat('p', 100) || id::text and n = id / 8.0)::int v
         from "${schema.name}".big`,
    );
    expect(all[0]).toEqual({ n: TOTAL, sum: String((TOTAL * (TOTAL + 1)) / 2), v: TOTAL });
  }

  const input = () => syntheticStream({ name: "big", count: TOTAL, every: 1000 });
  const config = () => ({
    connection_string: pgUrl(),
    default_target_schema: schema.name,
    batch_size_rows: 15_000,
  });

  /** Terminates the target's COPY backends; returns how many. */
  async function terminateCopies(): Promise<number> {
    const { rows } = await admin.query<{ pid: number }>(
      `select pid from pg_stat_activity
        where application_name = 'target-postgres' and datname = current_database()
          and state = 'active' and query ilike 'COPY%'`,
    );
    for (const { pid } of rows) await admin.query("select pg_terminate_backend($1)", [pid]);
    return rows.length;
  }

  it("its connection terminated once mid-COPY (pg_terminate_backend): the flush is replayed, exit 0, exact data", async () => {
    const target = startTarget(dir, config(), input());
    // Let at least one batch commit first, so there is a STATE to be wrong about.
    expect(await until(() => target.stdout().includes("\n"))).toBe(true);
    let terminated = 0;
    await until(async () => {
      terminated += await terminateCopies();
      return terminated > 0;
    });
    const exit = await target.exit;
    const printed = states(target.stdout());
    expect(target.stderr()).not.toMatch(/Unhandled 'error' event|internal error/);
    expect(fatals(target.stderr())).toEqual([]);
    expect(exit.code).toBe(0);
    if (terminated > 0) expect(target.stderr()).toMatch(/retrying from a new transaction/);
    expect(await ids("big")).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
    await statesCovered(printed);
    expect(printed.at(-1)).toEqual({ upto: TOTAL });
  });

  it("its connection terminated on every attempt: exit 1 after flush_retries, one FATAL naming the table, no STATE ahead, a rerun ends exact", async () => {
    const target = startTarget(dir, { ...config(), flush_retries: 1 }, input());
    expect(await until(() => target.stdout().includes("\n"))).toBe(true);
    let running = true;
    const killer = (async () => {
      while (running) {
        const { rows } = await admin.query<{ pid: number }>(
          `select pid from pg_stat_activity
            where application_name = 'target-postgres' and datname = current_database()`,
        );
        for (const { pid } of rows) await admin.query("select pg_terminate_backend($1)", [pid]);
        await sleep(5);
      }
    })();
    const exit = await target.exit.finally(() => {
      running = false;
    });
    await killer;
    const printed = states(target.stdout());
    expect(exit.code).toBe(1);
    expect(target.stderr()).not.toMatch(/Unhandled 'error' event|internal error/);
    expect(fatals(target.stderr())).toEqual([
      expect.stringMatching(
        new RegExp(
          `FATAL target-postgres {2}table ${schema.name}\\.big: stream big: .*(; not committed \\(checked: no marker of batch \\d+ of load .*\\)|; outcome unknown, checked: .*) \\(gave up after [12] attempts, flush_retries is 1\\)`,
        ),
      ),
    ]);
    await statesCovered(printed);
    await rerunFrom(printed.at(-1));
  });

  it("PostgreSQL briefly unreachable mid-load (proxy cut for 1 s): the flush is retried, exit 0 with every row, no STATE ahead", async () => {
    const { host, port } = pgConfigFromEnv();
    const proxy = new FlakyProxy(host, port);
    await proxy.start();
    try {
      const target = startTarget(
        dir,
        { ...config(), connection_string: proxy.url(pgUrl()) },
        input(),
      );
      expect(await until(() => target.stdout().includes("\n"))).toBe(true);
      await proxy.down();
      await sleep(1000);
      await proxy.up();
      const exit = await target.exit;
      const printed = states(target.stdout());
      // The flush cut by the outage is replayed (flush_retries 3: 0.5 + 1 + 2 s of backoff).
      expect(target.stderr()).not.toMatch(/Unhandled 'error' event|internal error/);
      expect(fatals(target.stderr())).toEqual([]);
      expect(exit.code).toBe(0);
      await statesCovered(printed);
      if (exit.code === 0) expect((await ids("big")).length).toBe(TOTAL);
      await rerunFrom(printed.at(-1));
    } finally {
      await proxy.down();
    }
  });

  for (const setting of ["lock_timeout", "statement_timeout"] as const) {
    it(`a lock held by another session past ${setting} during a flush: exit 1, the FATAL names the table, nothing of the batch committed`, async () => {
      const first = await runTarget(dir, config(), {
        text: syntheticStream({ name: "big", count: 10, every: 10 }),
      });
      expect(first.status).toBe(0);
      await whileLocked("big", async () => {
        const url = new URL(pgUrl());
        url.searchParams.set("options", `-c ${setting}=500`);
        const result = await runTarget(
          dir,
          { ...config(), connection_string: url.toString() },
          { text: syntheticStream({ name: "big", from: 11, count: 100, every: 100 }) },
        );
        expect(result.status).toBe(1);
        const reason = setting === "lock_timeout" ? "lock timeout" : "statement timeout";
        expect(result.stderr.split("\n").filter((l) => l.includes(" FATAL "))).toEqual([
          expect.stringMatching(
            new RegExp(
              `FATAL target-postgres {2}table ${schema.name}\\.big: stream big: canceling statement due to ${reason}; nothing of this batch was committed`,
            ),
          ),
        ]);
        expect(result.stdout).toBe("");
      });
      expect(await ids("big")).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });
  }

  it("a lock held past lock_timeout while a SCHEMA change alters the table: the FATAL names table, stream and line", async () => {
    const first = await runTarget(dir, config(), {
      text: syntheticStream({ name: "big", count: 10, every: 10 }),
    });
    expect(first.status).toBe(0);
    await whileLocked("big", async () => {
      const url = new URL(pgUrl());
      url.searchParams.set("options", "-c lock_timeout=500");
      const text = `${JSON.stringify({ type: "SCHEMA", stream: "big", schema: { type: "object", properties: { id: { type: "integer" }, extra: { type: "string" } } }, key_properties: ["id"] })}\n${JSON.stringify({ type: "RECORD", stream: "big", record: { id: 11, extra: "x" } })}\n`;
      const result = await runTarget(
        dir,
        { ...config(), connection_string: url.toString() },
        { text },
      );
      expect(result.status).toBe(1);
      expect(fatals(result.stderr)).toEqual([
        expect.stringMatching(
          new RegExp(
            `FATAL target-postgres {2}table ${schema.name}\\.big: line 1, stream big: canceling statement due to lock timeout; none of this SCHEMA's DDL was applied`,
          ),
        ),
      ]);
      expect(result.stdout).toBe("");
    });
    expect(await ids("big")).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  describe("a role without CREATE on the schema", () => {
    const role = `rel_nocreate_${process.pid}`;
    beforeEach(async () => {
      await admin.query(`create role ${role} login`);
      await admin.query(`grant usage on schema "${schema.name}" to ${role}`);
    });
    afterAll(async () => {
      await admin.query(`drop owned by ${role}`).catch(() => undefined);
      await admin.query(`drop role if exists ${role}`);
    });

    it("exit 1, a FATAL naming the schema and the missing CREATE privilege, nothing created", async () => {
      const url = new URL(pgUrl());
      url.username = role;
      url.password = "";
      const result = await runTarget(
        dir,
        { ...config(), connection_string: url.toString() },
        { text: syntheticStream({ name: "big", count: 10, every: 10 }) },
      );
      expect(result.status).toBe(1);
      // The load history table is the first thing the target creates.
      expect(result.stderr.split("\n").filter((l) => l.includes(" FATAL "))).toEqual([
        expect.stringMatching(
          new RegExp(
            `FATAL target-postgres {2}permission denied for schema ${schema.name}: the role lacks CREATE on schema ${schema.name} \\(GRANT CREATE ON SCHEMA ${schema.name} TO ${role}\\)`,
          ),
        ),
      ]);
      expect(result.stdout).toBe("");
      expect(await schema.tables()).toEqual([]);
    });
  });
});
