import { postgresUnavailable } from "@repo/pg-testing";
import pg from "pg";
import { describe, expect, it } from "vitest";
import {
  configFor,
  freshSchemas,
  ndjson,
  recordMessage,
  runTarget,
  schemaMessage,
  stateMessage,
} from "./support.js";

const props = { id: { type: "integer" }, name: { type: "string" } };
const records = (stream: string, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) =>
    recordMessage(stream, { id: from + i, name: `${stream} ${from + i}` }),
  );

/** max_parallelism: streams commit at the same time; the STATE rule stays exact. */
describe.skipIf((await postgresUnavailable()) !== undefined)("parallel loading", () => {
  const fresh = freshSchemas("tp_par");

  it("a stream whose table is locked does not hold back the others; its STATE waits", async () => {
    const schema = await fresh();
    const config = configFor(schema, { max_parallelism: 4, load_history_table: "" });
    const setup = ndjson([
      schemaMessage("a", props, ["id"]),
      schemaMessage("b", props, ["id"]),
      ...records("a", 1, 1),
      ...records("b", 1, 1),
    ]);
    expect((await runTarget(config, setup)).code).toBe(0);

    // Another session holds table a: a's commit must wait for it, b's need not.
    const locker = new pg.Client(schema.connection);
    await locker.connect();
    try {
      await locker.query("BEGIN");
      await locker.query(`LOCK TABLE "${schema.name}".a IN ACCESS EXCLUSIVE MODE`);
      const printed: string[] = [];
      const run = runTarget(
        config,
        ndjson([
          schemaMessage("a", props, ["id"]),
          schemaMessage("b", props, ["id"]),
          ...records("a", 2, 300),
          stateMessage({ a: 300 }),
          ...records("b", 2, 300),
          stateMessage({ a: 300, b: 300 }),
        ]),
        { onLine: (line) => void printed.push(line) },
      );
      const count = async (table: string, via: pg.Pool | pg.Client) =>
        Number(
          (await via.query<{ n: string }>(`select count(*) as n from "${schema.name}".${table}`))
            .rows[0]?.n,
        );
      // b commits on its own connection while a's transaction waits for the lock.
      let b = 0;
      for (let tries = 0; tries < 300 && b < 300; tries += 1) {
        b = await count("b", schema.pool);
        if (b < 300) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(b).toBe(300);
      const waiting = await schema.query<{ n: string }>(
        `select count(*) as n from pg_stat_activity
          where application_name = 'target-postgres' and wait_event_type = 'Lock'`,
      );
      expect(Number(waiting[0]?.n)).toBe(1);
      // No STATE yet: the first one follows records of a, which are not committed.
      expect(printed).toEqual([]);
      expect(await count("a", locker)).toBe(1);
      await locker.query("COMMIT");
      const result = await run;
      expect(result.code, result.stderr).toBe(0);
      expect(result.states).toEqual([{ a: 300, b: 300 }]);
      expect(await count("a", schema.pool)).toBe(300);
    } finally {
      await locker.end();
    }
  });

  it("many streams, tiny batches: every row once, states in order, the last one printed", async () => {
    const schema = await fresh();
    const streams = ["s0", "s1", "s2", "s3", "s4", "s5"];
    const messages: unknown[] = streams.map((s) => schemaMessage(s, props, ["id"]));
    const states: { n: number }[] = [];
    for (let page = 0; page < 20; page += 1)
      for (const stream of streams) {
        messages.push(...records(stream, page * 10 + 1, page * 10 + 10));
        states.push({ n: states.length + 1 });
        messages.push(stateMessage(states.at(-1) ?? {}));
      }
    // Upserts of a later page rewrite earlier ids of the same stream: order must hold.
    for (const stream of streams)
      messages.push(recordMessage(stream, { id: 1, name: `${stream} last` }));
    messages.push(stateMessage({ n: 999 }));
    const result = await runTarget(
      configFor(schema, { max_parallelism: 6, batch_size_rows: 7, load_history_table: "" }),
      ndjson(messages),
    );
    expect(result.code, result.stderr).toBe(0);
    const printed = result.states as { n: number }[];
    expect(printed.at(-1)).toEqual({ n: 999 });
    const order = printed.map((s) => s.n);
    expect(order).toEqual([...order].sort((x, y) => x - y));
    for (const stream of streams) {
      const rows = await schema.query<{ n: string; last: string }>(
        `select count(*) as n, max(name) filter (where id = 1) as last from "${schema.name}".${stream}`,
      );
      expect(rows[0]).toEqual({ n: "200", last: `${stream} last` });
    }
  });
});
