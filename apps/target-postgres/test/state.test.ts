import { freshSchema, postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import { targetCase } from "@singerkit/singer/testing";
import { afterEach, describe, expect, it } from "vitest";
import { manualClock, runInProcess } from "./in-process.js";
import { configFor, runTarget } from "./support.js";

type Message =
  | { type: "RECORD"; stream: string; record: { id: number } }
  | { type: "STATE"; value: Record<string, number> }
  | { type: "SCHEMA"; stream: string };

const lines = (targetCase("orders").runs[0]?.input ?? "")
  .split("\n")
  .filter((line) => line.trim() !== "");
const messages = lines.map((line) => JSON.parse(line) as Message);
const inputStates = messages.flatMap((m) => (m.type === "STATE" ? [m.value] : []));
const [S1, S2, S3, S4, S5] = inputStates;

/** The records (stream, id) that came before the k-th input STATE. */
function recordsBefore(k: number): { stream: string; id: number }[] {
  const out: { stream: string; id: number }[] = [];
  let seen = -1;
  for (const m of messages) {
    if (m.type === "STATE") seen += 1;
    if (seen >= k) break;
    if (m.type === "RECORD") out.push({ stream: m.stream, id: m.record.id });
  }
  return out;
}

/**
 * "STATE only after commit": feeds the kit's `orders` stream (two streams, five STATEs) line by line and, whenever a
 * STATE line appears on stdout, queries Postgres at once: every record that came before that
 * STATE in the input must already be committed. Also checks the printed states are a
 * subsequence of the input states, in order, without repeats, ending with the last one.
 */
async function loadWatching(schema: TestSchema, settings: Record<string, unknown>) {
  const violations: string[] = [];
  const result = await runTarget(configFor(schema, settings), lines, {
    onLine: async (line) => {
      const k = inputStates.findIndex((state) => JSON.stringify(state) === line);
      if (k === -1) {
        violations.push(`printed a state that is not an input state: ${line}`);
        return;
      }
      for (const { stream, id } of recordsBefore(k)) {
        const found = await schema.query(
          `select 1 from "${schema.name}"."${stream}" where id = $1`,
          [id],
        );
        if (found.length === 0)
          violations.push(`state #${k + 1} printed before ${stream} id=${id} was committed`);
      }
    },
  });
  expect(violations).toEqual([]);
  expect(result.code).toBe(0);
  const indexes = result.states.map((state) =>
    inputStates.findIndex((input) => JSON.stringify(input) === JSON.stringify(state)),
  );
  expect(
    indexes.every((index, i) => index >= 0 && (i === 0 || index > (indexes[i - 1] ?? -1))),
  ).toBe(true);
  expect(result.states.at(-1)).toEqual(S5);
  expect(await schema.count("orders_a")).toBe(6);
  expect(await schema.count("orders_b")).toBe(6);
  return result.states;
}

/** Sessions of the target waiting for a lock on a table of `schema`. */
async function lockWaits(schema: TestSchema): Promise<number> {
  const [row] = await schema.query<{ n: string }>(
    `select count(*) as n from pg_stat_activity
      where application_name = 'target-postgres' and wait_event_type = 'Lock'
        and position($1 in query) > 0`,
    [schema.name],
  );
  return Number(row?.n ?? 0);
}

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("condition not reached in 5 s");
}

describe.skipIf((await postgresUnavailable()) !== undefined)(
  "STATE emission (the orders stream)",
  () => {
    const schemas: TestSchema[] = [];
    afterEach(async () => {
      await Promise.all(schemas.splice(0).map((schema) => schema.drop()));
    });
    const fresh = async () => {
      const schema = await freshSchema("tp_state");
      schemas.push(schema);
      return schema;
    };

    it("batch_size_rows=1: every input state, in order, each after its records commit", async () => {
      const settings = { batch_size_rows: 1, max_parallelism: 1 };
      expect(await loadWatching(await fresh(), settings)).toEqual([S1, S2, S3, S4, S5]);
    });

    // A full stream's flush also takes the other stream's rows that hold back the newest STATE.
    // One connection: commits end in the order they started, so the sequence is exact. With more,
    // a later flush of another stream may commit first (the it.each below covers that).
    it("batch_size_rows=2: the newest safe state after each commit", async () => {
      const settings = { batch_size_rows: 2, max_parallelism: 1 };
      expect(await loadWatching(await fresh(), settings)).toEqual([S1, S2, S3, S4, S5]);
    });

    it("batch_size_rows=3: superseded states are skipped", async () => {
      const settings = { batch_size_rows: 3, max_parallelism: 1 };
      expect(await loadWatching(await fresh(), settings)).toEqual([S2, S4, S5]);
    });

    it("defaults: states do not shrink batches; one commit, the last state once", async () => {
      expect(await loadWatching(await fresh(), {})).toEqual([S5]);
    });

    it.each([
      { batch_size_rows: 4 },
      { batch_size_rows: 5 },
      { batch_size_bytes: 1024 },
      { batch_max_age_seconds: 0.001 },
      { batch_size_rows: 1, batch_max_age_seconds: 0.001 },
      { batch_size_rows: 1, max_parallelism: 8 },
      { batch_size_rows: 2, max_parallelism: 2 },
    ])("%o: a subsequence of the input states ending with the last", async (settings) => {
      const states = await loadWatching(await fresh(), settings);
      expect(states.length).toBeGreaterThan(0);
    });

    it("a STATE waits while the commit of its records is blocked (table locked by another session)", async () => {
      const schema = await fresh();
      const printed: { line: string; locked: boolean }[] = [];
      let locked = false;
      const lockHolder = await schema.pool.connect();
      try {
        const result = await runTarget(
          configFor(schema, { batch_size_rows: 1 }),
          async (stdin) => {
            stdin.write(`${lines.slice(0, 2).join("\n")}\n`);
            await until(async () => (await schema.tables()).includes("orders_b"));
            await lockHolder.query("begin");
            await lockHolder.query(`lock table "${schema.name}".orders_b in access exclusive mode`);
            locked = true;
            stdin.write(`${lines.slice(2).join("\n")}\n`);
            // Hold the lock until every row of a is committed and b's commit waits for the lock:
            // any STATE after S1 printed by then would be early.
            await until(
              async () => (await schema.count("orders_a")) === 6 && (await lockWaits(schema)) > 0,
            );
            locked = false;
            await lockHolder.query("commit");
            stdin.end();
          },
          { onLine: (line) => void printed.push({ line, locked }) },
        );
        expect(result.code).toBe(0);
      } finally {
        lockHolder.release();
      }
      // While b was locked only S1 (which depends on a's first record alone) could be printed.
      expect(printed.filter((p) => p.locked).map((p) => JSON.parse(p.line))).toEqual([S1]);
      expect(printed.map((p) => JSON.parse(p.line))).toEqual([S1, S2, S3, S4, S5]);
    });

    it("batch_max_age_seconds: while the tap is quiet, buffered rows commit and the STATE follows", async () => {
      const schema = await fresh();
      const { clock, advance } = manualClock();
      let ended = false;
      const printedWhileOpen: unknown[] = [];
      const run = await runInProcess(
        configFor(schema, { batch_max_age_seconds: 0.5 }),
        clock,
        (line) => void (ended ? undefined : printedWhileOpen.push(JSON.parse(line))),
      );
      run.input.write(`${lines.slice(0, 4).join("\n")}\n`); // SCHEMA a, SCHEMA b, RECORD a1, STATE S1
      // The tap goes quiet: time moves on (idle ticks) until the age limit commits a1 and S1 follows.
      while (printedWhileOpen.length === 0) {
        advance(250);
        await new Promise((resolve) => setImmediate(resolve));
      }
      ended = true;
      run.input.end();
      await run.done;
      expect(printedWhileOpen).toEqual([S1]);
    });

    it("an unchanged state is not repeated", async () => {
      const schema = await fresh();
      const input = [
        lines[0] ?? "",
        '{"type":"STATE","value":{"x":1}}',
        '{"type":"RECORD","stream":"orders_a","record":{"id":1}}',
        '{"type":"STATE","value":{"x":1}}',
        '{"type":"STATE","value":{"x":2}}',
        '{"type":"STATE","value":{"x":2}}',
      ].join("\n");
      const result = await runTarget(configFor(schema, { batch_size_rows: 1 }), input);
      expect(result.code).toBe(0);
      expect(result.states).toEqual([{ x: 1 }, { x: 2 }]);
    });

    it("a STATE is printed with every number exactly as received (and kept so in _sdc_loads)", async () => {
      const schema = await fresh();
      // Values a double cannot hold: past 2^53, more digits than 17, an exponent past the
      // double range, and forms JSON.stringify would rewrite (1.50, 1E3, -0).
      const exact = [
        '{"bookmark":1234567890123456789,"f":0.1000000000000000055511151231257827}',
        '{"big":1e400,"tiny":1e-400,"sub":4.9e-324,"neg":-1e999,"forms":[1.50,1E3,-0,0.0]}',
        '{"nested":{"a":[{"b":98765432109876543210}]},"s":"x\\u00e9"}',
      ];
      const input = [
        lines[0] ?? "",
        '{"type":"RECORD","stream":"orders_a","record":{"id":1}}',
        `{"type":"STATE","value":${exact[0]}}`,
        '{"type":"RECORD","stream":"orders_a","record":{"id":2}}',
        `{"type":"STATE", "value": ${exact[1]}}`,
        '{"type":"RECORD","stream":"orders_a","record":{"id":3}}',
        `{"type":"STATE","value":${exact[2]}}`,
      ].join("\n");
      const result = await runTarget(configFor(schema, { batch_size_rows: 1 }), input);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(
        `${exact.slice(0, 2).join("\n")}\n{"nested":{"a":[{"b":98765432109876543210}]},"s":"xé"}\n`,
      );
      const [row] = await schema.query<{ n: string }>(
        `select last_state #>> '{nested,a,0,b}' as n from "${schema.name}"._sdc_loads`,
      );
      expect(row?.n).toBe("98765432109876543210");
    });
  },
);
