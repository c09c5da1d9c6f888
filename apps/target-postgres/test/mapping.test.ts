import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
} from "./support.js";

const props = { id: { type: "integer" }, name: { type: "string" } };
const rows = (stream: string, ids: readonly number[]) =>
  ids.map((id) => recordMessage(stream, { id, name: `${stream} ${id}` }));

/** schema_mapping and stream_mapping against the real PostgreSQL. */
describe.skipIf((await postgresUnavailable()) !== undefined)("schema and table mapping", () => {
  const fresh = freshSchemas("tp_map");
  const ids = async (s: TestSchema, table: string) =>
    (await s.query<{ id: number }>(`select id from "${s.name}"."${table}" order by id`)).map((r) =>
      Number(r.id),
    );
  const tables = async (s: TestSchema) =>
    (
      await s.query<{ t: string }>(
        "select table_name as t from information_schema.tables where table_schema = $1 order by 1",
        [s.name],
      )
    )
      .map((r) => r.t)
      .filter((t) => t !== "_sdc_commits");

  it("schema_mapping loads `<source>-<table>` streams into the mapped schema; others stay", async () => {
    const [main, app] = [await fresh(), await fresh()];
    const config = configFor(main, {
      schema_mapping: { public: { target_schema: app.name } },
      load_history_table: "",
    });
    const input = ndjson([
      schemaMessage("public-orders", props, ["id"]),
      schemaMessage("public-LineItems", props, ["id"]),
      schemaMessage("sales-orders", props, ["id"]),
      ...rows("public-orders", [1, 2]),
      ...rows("public-LineItems", [3]),
      ...rows("sales-orders", [4]),
      stateMessage({ done: 1 }),
    ]);
    const first = await runTarget(config, input);
    expect(first.code, first.stderr).toBe(0);
    expect(first.states).toEqual([{ done: 1 }]);
    expect(await tables(app)).toEqual(["line_items", "orders"]);
    expect(await tables(main)).toEqual(["sales_orders"]);
    expect(await ids(app, "orders")).toEqual([1, 2]);
    expect(await ids(app, "line_items")).toEqual([3]);
    // A second run finds the same tables (their COMMENT names the stream) and upserts.
    const again = await runTarget(config, input);
    expect(again.code, again.stderr).toBe(0);
    expect(await ids(app, "orders")).toEqual([1, 2]);
    expect(await tables(app)).toEqual(["line_items", "orders"]);
  });

  it("stream_mapping: a verbatim table name and schema per stream, over schema_mapping", async () => {
    const [main, app, secoda] = [await fresh(), await fresh(), await fresh()];
    const config = configFor(main, {
      schema_mapping: { public: { target_schema: app.name } },
      stream_mapping: {
        "public-orders": { target_table: "Orders 2024" },
        users: { target_schema: secoda.name },
        tags: { target_schema: secoda.name, target_table: "secoda_tags" },
      },
      load_history_table: "",
    });
    const result = await runTarget(
      config,
      ndjson([
        schemaMessage("public-orders", props, ["id"]),
        schemaMessage("users", props, ["id"]),
        schemaMessage("tags", props, ["id"]),
        schemaMessage("other", props, ["id"]),
        ...rows("public-orders", [1]),
        ...rows("users", [2, 3]),
        ...rows("tags", [4]),
        ...rows("other", [5]),
      ]),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(await ids(app, "Orders 2024")).toEqual([1]);
    expect(await tables(secoda)).toEqual(["secoda_tags", "users"]);
    expect(await ids(secoda, "users")).toEqual([2, 3]);
    expect(await ids(secoda, "secoda_tags")).toEqual([4]);
    expect(await tables(main)).toEqual(["other"]);

    // inspect lists every mapped schema, with a schema column.
    const dir = mkdtempSync(join(tmpdir(), "target-postgres-mapping-"));
    writeFileSync(join(dir, "config.json"), JSON.stringify(config));
    const listed = await runTarget(undefined, "", {
      args: ["inspect", "--config", join(dir, "config.json")],
    });
    rmSync(dir, { recursive: true, force: true });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${secoda.name}\\s+\\|?\\s*secoda_tags\\s+\\|?\\s*1`));
    expect(listed.stdout).toContain(`(4 tables in ${main.name}, ${app.name}, ${secoda.name})`);
  });

  it("two streams mapped to one table fail at the second SCHEMA, naming both", async () => {
    const main = await fresh();
    const config = configFor(main, {
      stream_mapping: { a: { target_table: "shared" }, b: { target_table: "shared" } },
    });
    const result = await runTarget(
      config,
      ndjson([schemaMessage("a", props, ["id"]), ...rows("a", [1]), schemaMessage("b", props)]),
    );
    expect(result.code).toBe(1);
    expect(result.fatal).toMatch(
      /line 3.*stream b maps to table .*\.shared, which stream a already loads/,
    );
  });

  it("a mapped name longer than 63 bytes is a config error before anything connects", async () => {
    const main = await fresh();
    const long = "ü".repeat(32);
    const result = await runTarget(
      configFor(main, { stream_mapping: { a: { target_table: long } } }),
      ndjson([schemaMessage("a", props)]),
    );
    expect(result.code).toBe(2);
    expect(result.fatal).toContain("stream_mapping.a.target_table");
    expect(await tables(main)).toEqual([]);
  });
});
