import { freshSchema, postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  configFor,
  ndjson,
  recordMessage,
  runTarget,
  schemaMessage,
  stateMessage,
} from "./support.js";

/**
 * The target's connection is terminated (pg_terminate_backend) while it loads. The target runs
 * as its own login role, so the terminations hit only its backends, never another test's.
 */
const unavailable = await postgresUnavailable();
const TOTAL = 60_000;

function input(): string {
  const messages: unknown[] = [
    schemaMessage("big", { id: { type: "integer" }, v: { type: "string" } }),
  ];
  for (let id = 1; id <= TOTAL; id += 1) {
    messages.push(recordMessage("big", { id, v: `${"p".repeat(100)}${id}` }));
    if (id % 1000 === 0) messages.push(stateMessage({ upto: id }));
  }
  return ndjson(messages);
}

describe.skipIf(unavailable !== undefined)("connection terminated mid-load", () => {
  let schema: TestSchema;
  let role: string;
  beforeEach(async () => {
    schema = await freshSchema("conn");
    role = `${schema.name}_role`;
    await schema.query(`create role "${role}" login superuser`);
  });
  afterEach(async () => {
    await schema.query(
      `select pg_terminate_backend(pid) from pg_stat_activity where usename = $1`,
      [role],
    );
    await schema.query(`drop role if exists "${role}"`).catch(() => undefined);
    await schema.drop();
  });

  const config = (settings: Record<string, unknown>) => ({
    ...configFor(schema, { batch_size_rows: 10_000, ...settings }),
    user: role,
  });

  /** Terminates the role's backends that match `where`; returns how many. */
  async function terminate(where: string): Promise<number> {
    const rows = await schema.query<{ pid: number }>(
      `select pid from pg_stat_activity where usename = $1 and ${where}`,
      [role],
    );
    for (const { pid } of rows) await schema.query("select pg_terminate_backend($1)", [pid]);
    return rows.length;
  }

  async function committedIds(): Promise<Set<number>> {
    const rows = await schema.query<{ id: string }>(`select id::text from "${schema.name}".big`);
    return new Set(rows.map((row) => Number(row.id)));
  }

  async function expectStatesCovered(states: unknown[]) {
    const ids = await committedIds();
    for (const state of states) {
      const upto = (state as { upto: number }).upto;
      let missing = 0;
      for (let id = 1; id <= upto; id += 1) if (!ids.has(id)) missing += 1;
      expect({ state, missing }).toEqual({ state, missing: 0 });
    }
  }

  it("terminated once during a COPY: the flush is replayed on a new connection, exit 0, exact data", async () => {
    let terminated = 0;
    let polling: Promise<void> | undefined;
    const result = await runTarget(config({}), input(), {
      onLine: () => {
        polling ??= (async () => {
          for (let i = 0; i < 2000 && terminated === 0; i += 1) {
            terminated += await terminate("state = 'active' and query ilike 'COPY%'");
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        })();
      },
    });
    await polling;
    expect(result.fatal).toBeUndefined();
    expect(result.code).toBe(0);
    expect(result.stderr).not.toMatch(/Unhandled 'error' event/);
    expect(terminated).toBeGreaterThan(0);
    expect(result.stderr).toMatch(/retrying from a new transaction/);
    const [row] = await schema.query<{ n: number; d: number; sum: string; v: number }>(
      `select count(*)::int n, count(distinct id)::int d, sum(id)::text sum,
              count(*) filter (where v = repeat('p', 100) || id::text)::int v
         from "${schema.name}".big`,
    );
    expect(row).toEqual({ n: TOTAL, d: TOTAL, sum: String((TOTAL * (TOTAL + 1)) / 2), v: TOTAL });
    expect(result.states.at(-1)).toEqual({ upto: TOTAL });
    await expectStatesCovered(result.states);
  });

  it("terminated on every attempt: exit 1 after flush_retries, one FATAL naming the table, no STATE ahead", async () => {
    let stop = false;
    let polling: Promise<void> | undefined;
    const result = await runTarget(config({ flush_retries: 2 }), input(), {
      onLine: () => {
        polling ??= (async () => {
          while (!stop) {
            await terminate("true");
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        })();
      },
    }).finally(() => {
      stop = true;
    });
    await polling;
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(/Unhandled 'error' event|internal error/);
    const fatals = result.stderr.split("\n").filter((line) => line.includes(" FATAL "));
    expect(fatals).toEqual([
      expect.stringMatching(
        new RegExp(
          // Terminated on every attempt, the marker read may fail too: then the outcome is unknown.
          `FATAL target-postgres {2}table ${schema.name}\\.big: .*(; not committed \\(checked: no marker of batch \\d+ .*\\)|; outcome unknown, checked: could not read the marker .*) \\(gave up after [1-3] attempts, flush_retries is 2\\)$`,
        ),
      ),
    ]);
    // Each flush gets its own retries (replays, or reads of its commit marker); a flush may also
    // slip between two terminations.
    expect(
      result.stderr.match(/retrying from a new transaction|checking again in/g)?.length,
    ).toBeGreaterThanOrEqual(2);
    await expectStatesCovered(result.states);
  });
});
