import { freshSchema, type TestSchema } from "@repo/pg-testing";
import { afterAll, beforeEach } from "vitest";

// One implementation of reading loaded tables back and comparing them, shared with tests/e2e.
export { byKey, differences, normalize, tableRows } from "../../e2e/support/warehouse.js";

/**
 * A fresh schema `<prefix>_<random>` for every test of the calling describe block (the previous
 * one dropped first, the last one after the block), so no test sees another's tables or load
 * history. The returned object always stands for the current test's schema.
 */
export function schemaPerTest(prefix: string): TestSchema {
  let current: TestSchema | undefined;
  beforeEach(async () => {
    await current?.drop();
    current = await freshSchema(prefix);
  });
  afterAll(async () => {
    await current?.drop();
  });
  const now = (): TestSchema => {
    if (current === undefined) throw new Error("schemaPerTest: used outside a test");
    return current;
  };
  return {
    get name() {
      return now().name;
    },
    get pool() {
      return now().pool;
    },
    get connection() {
      return now().connection;
    },
    query: (sql, params) => now().query(sql, params),
    rows: (table, orderBy) => now().rows(table, orderBy),
    count: (table) => now().count(table),
    columns: (table) => now().columns(table),
    tables: () => now().tables(),
    drop: () => now().drop(),
  };
}
