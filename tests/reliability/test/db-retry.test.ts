/**
 * Every database call of target-postgres survives a lost connection like a flush does (issue #19
 * item 7): catalog reads and DDL are rerun, the load history row and ACTIVATE_VERSION and the
 * dead letters are not doubled when a COMMIT's answer is lost, and start-up waits out a server
 * that is briefly unreachable. A protocol-aware proxy (`support/proxy.ts`) cuts the connection at
 * the commit of a chosen statement; the FATAL lines must name table, line and stream.
 */
import { spawn } from "node:child_process";
import { pgConfigFromEnv, pgUrl, postgresUnavailable } from "@repo/pg-testing";
import { describe, expect, it } from "vitest";
import { bins } from "../support/bins.js";
import { CommitCutProxy, type CutPlan, FlakyProxy, throughPort } from "../support/proxy.js";
import { fatals, runTarget, states, tempDir, writeJson } from "../support/run.js";
import { idStream, range } from "../support/stream.js";
import { schemaPerTest } from "../support/warehouse.js";

const unavailable = await postgresUnavailable();

describe.skipIf(unavailable !== undefined)("a lost connection outside a flush", () => {
  const dir = tempDir("db-retry");
  const schema = schemaPerTest("rel_retry");

  const config = (port: number, settings: Record<string, unknown> = {}) => ({
    connection_string: throughPort(pgUrl(), port),
    default_target_schema: schema.name,
    batch_size_rows: 1000,
    ...settings,
  });

  async function load(text: string, plan: CutPlan, settings: Record<string, unknown> = {}) {
    const proxy = new CommitCutProxy(pgConfigFromEnv(), plan);
    await proxy.start();
    try {
      const result = await runTarget(dir, config(proxy.port, settings), { text });
      return { ...result, cuts: proxy.cuts };
    } finally {
      await proxy.stop();
    }
  }

  async function count(table: string): Promise<number | undefined> {
    const [row] = await schema.query<{ n: number }>(
      `select count(*)::int n from "${schema.name}"."${table}"`,
    );
    return row?.n;
  }

  const ddl = /^CREATE TABLE IF NOT EXISTS "rel_retry\w*"\."s"/;

  it("a SCHEMA's DDL whose COMMIT answer is lost: rerun from the catalog, exit 0, exact", async () => {
    const result = await load(idStream(range(1, 3000)), { cut: [1], mode: "ack", match: ddl });
    expect(result.cuts).toBe(1);
    expect(fatals(result.stderr)).toEqual([]);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(
      new RegExp(
        `WARN .*table ${schema.name}\\.s: line 1, stream s: applying this SCHEMA's DDL failed \\(.+\\); retrying \\(attempt 2 of 4\\) in 500 ms`,
      ),
    );
    expect(await count("s")).toBe(3000);
    expect(states(result.stdout).at(-1)).toEqual({ upto: 3000 });
  });

  it("the DDL cut before COMMIT on every attempt: exit 1, one FATAL naming table, line, stream and what it did", async () => {
    const plan = { cut: "every", mode: "before", match: ddl } as const;
    const result = await load(idStream(range(1, 10)), plan, { flush_retries: 1 });
    expect(result.cuts).toBe(2);
    expect(result.status).toBe(1);
    expect(fatals(result.stderr)).toEqual([
      expect.stringMatching(
        new RegExp(
          `FATAL target-postgres {2}table ${schema.name}\\.s: line 1, stream s: .+; applying this SCHEMA's DDL: gave up after 2 attempts \\(flush_retries is 1\\); whether its last attempt committed is unknown \\(a rerun applies what is missing\\)$`,
        ),
      ),
    ]);
    expect(states(result.stdout)).toEqual([]);
    const [table] = await schema.query(`select to_regclass($1) t`, [`"${schema.name}".s`]);
    expect(table).toEqual({ t: null });
  });

  it("the catalog read of a SCHEMA (the schema's tables) cut: rerun, exit 0", async () => {
    const match = /obj_description\(c\.oid, 'pg_class'\)/;
    const result = await load(idStream(range(1, 1000)), { cut: [1], mode: "before", match });
    expect(result.cuts).toBe(1);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(
      new RegExp(
        `line 1, stream s: reading the tables of schema ${schema.name} from the catalog failed \\(.+\\); retrying \\(attempt 2 of 4\\)`,
      ),
    );
    expect(await count("s")).toBe(1000);
  });

  it("the load history row's INSERT committed, its answer lost: one row, outcome succeeded", async () => {
    const match = /^INSERT INTO "[^"]+"\."_sdc_loads"/;
    const result = await load(idStream(range(1, 1000)), { cut: [1], mode: "ack", match });
    expect(result.cuts).toBe(1);
    expect(fatals(result.stderr)).toEqual([]);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(
      new RegExp(
        `table ${schema.name}\\._sdc_loads: recording the load as started failed \\(.+\\); retrying \\(attempt 2 of 4\\)`,
      ),
    );
    const runs = await schema.query(`select outcome, streams from "${schema.name}"._sdc_loads`);
    expect(runs).toEqual([
      {
        outcome: "succeeded",
        streams: { s: { rows: 1000, inserted: 1000, updated: 0, deleted: 0 } },
      },
    ]);
  });

  it("ACTIVATE_VERSION's DELETE committed, its answer lost: not rerun, the history counts the rows it deleted", async () => {
    const activate = (version: number) => ({ type: "ACTIVATE_VERSION", stream: "s", version });
    const first = await load(idStream(range(1, 10), { extra: [activate(1)], version: 1 }), {
      cut: [],
      mode: "ack",
    });
    expect(first.status).toBe(0);
    const second = await load(
      idStream(range(1, 5), { extra: [activate(2)], version: 2 }),
      { cut: [1], mode: "ack", match: /^LOCK TABLE/ },
      { hard_delete: true },
    );
    expect(second.cuts).toBe(1);
    expect(fatals(second.stderr)).toEqual([]);
    expect(second.status).toBe(0);
    expect(second.stderr).toMatch(
      new RegExp(
        `ACTIVATE_VERSION 2 of ${schema.name}\\.s lost its connection \\(.+\\); outcome checked: batch \\d+ of load \\S+ \\(${schema.name}\\._sdc_commits\\) committed \\(its marker is there\\), not replayed`,
      ),
    );
    const ids = await schema.query<{ id: string }>(
      `select id::text from "${schema.name}".s order by id`,
    );
    expect(ids.map((row) => Number(row.id))).toEqual([1, 2, 3, 4, 5]);
    const [last] = await schema.query<{ streams: unknown }>(
      `select streams from "${schema.name}"._sdc_loads order by started_at desc limit 1`,
    );
    expect(last?.streams).toEqual({ s: { rows: 5, inserted: 0, updated: 5, deleted: 5 } });
  });

  it("the dead-letter INSERT committed, its answer lost: each rejected record once", async () => {
    const keyless = (line: number) => ({
      type: "RECORD",
      stream: "s",
      record: { v: `no id ${line}` },
    });
    const text = idStream(range(1, 20), { extra: [keyless(1), keyless(2), keyless(3)] });
    const match = /^INSERT INTO "[^"]+"\."_sdc_rejected"/;
    const result = await load(
      text,
      { cut: [1], mode: "ack", match },
      {
        invalid_records: "dead_letter",
      },
    );
    expect(result.cuts).toBe(1);
    expect(fatals(result.stderr)).toEqual([]);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(
      /writing 3 invalid record\(s\) \(lines 22-24\) to \S+\._sdc_rejected lost its connection \(.+\); outcome checked: batch \d+ of load \S+ \(\S+\) committed/,
    );
    expect(await count("_sdc_rejected")).toBe(3);
    expect(await count("s")).toBe(20);
  });

  /** Runs the target on `text` with `port`; `onStderr` sees its stderr as it comes. */
  function spawnTarget(
    port: number,
    settings: Record<string, unknown>,
    text: string,
    onStderr: (s: string) => void,
  ) {
    const path = writeJson(dir, "target.json", config(port, settings));
    const child = spawn(process.execPath, [bins.target, "--config", path]);
    let stderr = "";
    let stdout = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      onStderr(stderr);
    });
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stdin.end(text);
    return new Promise<{ status: number | null; stderr: string; stdout: string }>((resolve) =>
      child.on("close", (status) => resolve({ status, stderr, stdout })),
    );
  }

  it("PostgreSQL refuses connections at start-up: retried, then one FATAL saying what it was doing", async () => {
    const proxy = new FlakyProxy(pgConfigFromEnv().host, pgConfigFromEnv().port);
    await proxy.start();
    await proxy.down(); // its port is now closed
    const result = await spawnTarget(proxy.port, { flush_retries: 2 }, idStream([1]), () => {});
    expect(result.status).toBe(1);
    expect(result.stderr.match(/retrying \(attempt [23] of 3\)/g)).toHaveLength(2);
    expect(fatals(result.stderr).map((line) => line.replace(/^\S+ /, ""))).toEqual([
      `FATAL target-postgres  table ${schema.name}._sdc_loads: could not connect to PostgreSQL: connect ECONNREFUSED 127.0.0.1:${proxy.port}; creating the load history table: gave up after 3 attempts (flush_retries is 2)`,
    ]);
  });

  it("PostgreSQL unreachable at start-up, back after the first retry: exit 0, every row", async () => {
    const proxy = new FlakyProxy(pgConfigFromEnv().host, pgConfigFromEnv().port);
    await proxy.start();
    await proxy.down();
    let back: Promise<void> | undefined;
    const result = await spawnTarget(proxy.port, {}, idStream(range(1, 1000)), (stderr) => {
      if (/retrying \(attempt 2 of 4\)/.test(stderr)) back ??= proxy.up();
    });
    await back;
    await proxy.down();
    expect(back).toBeDefined();
    expect(fatals(result.stderr)).toEqual([]);
    expect(result.status).toBe(0);
    expect(await count("s")).toBe(1000);
    expect(states(result.stdout).at(-1)).toEqual({ upto: 1000 });
  });
});
