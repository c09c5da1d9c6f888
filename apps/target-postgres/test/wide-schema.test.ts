import { Writable } from "node:stream";
import { pgConfigFromEnv, postgresUnavailable } from "@repo/pg-testing";
import { Logger, type SchemaMessage, systemClock } from "@singerkit/singer";
import { describe, expect, it } from "vitest";
import { connectPg, type Db } from "../src/db.js";
import { StreamTable } from "../src/stream-table.js";
import { freshSchemas } from "./support.js";

/** The real database, counting the statements sent in transactions (one per round trip). */
function counting(db: Db) {
  const sent: string[] = [];
  const wrapped: Db = {
    connections: db.connections,
    query: (sql, params) => db.query(sql, params),
    copyRows: (table, columns, data) => db.copyRows(table, columns, data),
    close: () => db.close(),
    transaction: (work) =>
      db.transaction((tx) =>
        work({
          query: (sql, params) => {
            sent.push(sql);
            return tx.query(sql, params);
          },
          copyRows: (table, columns, data) => tx.copyRows(table, columns, data),
        }),
      ),
  };
  return { db: wrapped, sent };
}

const wide = (columns: number): SchemaMessage => ({
  type: "SCHEMA",
  stream: "wide",
  key_properties: ["c0"],
  schema: {
    type: "object",
    properties: Object.fromEntries(
      Array.from({ length: columns }, (_, i) => [`c${i}`, { type: ["null", "string"] }]),
    ),
  },
});

describe.skipIf((await postgresUnavailable()) !== undefined)("wide schemas", () => {
  const fresh = freshSchemas("tp_wide");

  it("an 853-column SCHEMA (table, column comments, then 40 new columns) takes a few round trips", async () => {
    const schema = await fresh();
    const log = new Logger({
      name: "test",
      level: "warn",
      out: new Writable({ write: (_c, _e, done) => done() }),
    });
    const connection = pgConfigFromEnv();
    const { db, sent } = counting(
      connectPg(
        {
          host: connection.host,
          port: connection.port,
          user: connection.user,
          database: connection.database,
        },
        log,
      ),
    );
    try {
      const retry = { retries: 0, clock: systemClock, log };
      const table = await StreamTable.inspect({ db, log, retry }, schema.name, "wide", "wide", 1);
      await table.apply(wide(853), 1);
      const created = sent.length;
      // lock, inspect and the batched DDL: not one statement per column.
      expect(created).toBeLessThanOrEqual(10);
      await table.apply(wide(893), 2);
      expect(sent.length - created).toBeLessThanOrEqual(10);
      const [described] = await schema.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_description d JOIN pg_class c ON c.oid = d.objoid
          WHERE c.oid = '"${schema.name}".wide'::regclass AND d.objsubid > 0`,
      );
      expect(described?.n).toBe(893);
    } finally {
      await db.close();
    }
  });
});
