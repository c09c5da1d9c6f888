import { freshSchema, postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import { afterEach, describe, expect, it } from "vitest";
import { shortHash } from "../src/identifiers.js";
import { configFor, ndjson, recordMessage, runTarget, schemaMessage } from "./support.js";

/**
 * Streams named like the target's own tables never claim them (issue #19 item 4): they are
 * renamed by the naming rule (a hash suffix), the table's COMMENT records the stream, and a WARN
 * says so. Properties named like PostgreSQL's system columns are renamed the same way.
 */
describe.skipIf((await postgresUnavailable()) !== undefined)("reserved names", () => {
  const schemas: TestSchema[] = [];
  afterEach(async () => {
    await Promise.all(schemas.splice(0).map((s) => s.drop()));
  });

  const tables = async (schema: TestSchema) =>
    (
      await schema.query<{ t: string; c: string | null }>(
        `select c.relname t, obj_description(c.oid, 'pg_class') c from pg_class c
           join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = $1 and c.relkind = 'r' order by 1`,
        [schema.name],
      )
    ).map((row) => [row.t, row.c]);

  it("streams _sdc_loads (keyed by load_id), _sdc_rejected and _sdc_commits load into renamed tables; the target's own stay intact", async () => {
    const schema = await freshSchema("tp_reserved");
    schemas.push(schema);
    const input = ndjson([
      schemaMessage("_sdc_loads", { load_id: { type: "string" }, outcome: { type: "string" } }, [
        "load_id",
      ]),
      recordMessage("_sdc_loads", { load_id: "x", outcome: "forged" }),
      schemaMessage("_sdc_rejected", { id: { type: "integer" } }, []),
      recordMessage("_sdc_rejected", { id: 1 }),
      schemaMessage("_sdc_commits", { id: { type: "integer" } }, []),
      recordMessage("_sdc_commits", { id: 2 }),
      schemaMessage("s", { id: { type: "integer" } }, ["id"]),
      recordMessage("s", { id: "not a number" }), // goes to the real _sdc_rejected
    ]);
    // Twice: the second run finds the renamed tables by their COMMENT.
    for (const run of [1, 2]) {
      const result = await runTarget(configFor(schema, { invalid_records: "dead_letter" }), input);
      expect(result.code, result.stderr).toBe(0);
      for (const own of ["_sdc_loads", "_sdc_rejected", "_sdc_commits"])
        expect(result.stderr).toMatch(
          new RegExp(
            `WARN .*stream ${own}: table ${schema.name}\\.${own} is the target's own; loading into ${schema.name}\\.${own}_${shortHash(own)} instead`,
          ),
        );
      const history = await schema.query<{ outcome: string; n: number }>(
        `select outcome, count(*) over ()::int n from "${schema.name}"._sdc_loads`,
      );
      expect(history.map((row) => row.outcome)).toEqual(
        run === 1 ? ["succeeded"] : ["succeeded", "succeeded"],
      );
    }
    expect(await tables(schema)).toEqual([
      ["_sdc_commits", null],
      [`_sdc_commits_${shortHash("_sdc_commits")}`, '{"singer_stream":"_sdc_commits"}'],
      ["_sdc_loads", null],
      [`_sdc_loads_${shortHash("_sdc_loads")}`, '{"singer_stream":"_sdc_loads"}'],
      ["_sdc_rejected", null],
      [`_sdc_rejected_${shortHash("_sdc_rejected")}`, '{"singer_stream":"_sdc_rejected"}'],
      ["s", '{"singer_stream":"s"}'],
    ]);
    // The history table keeps its primary key; the forged row went to the stream's table.
    const [key] = await schema.query<{ def: string }>(
      `select pg_get_constraintdef(oid) def from pg_constraint
        where conrelid = '"${schema.name}"._sdc_loads'::regclass and contype = 'p'`,
    );
    expect(key?.def).toBe("PRIMARY KEY (load_id)");
    const forged = await schema.query(
      `select load_id, outcome from "${schema.name}"."_sdc_loads_${shortHash("_sdc_loads")}"`,
    );
    expect(forged).toEqual([{ load_id: "x", outcome: "forged" }]);
    const rejected = await schema.query<{ stream: string }>(
      `select stream from "${schema.name}"._sdc_rejected`,
    );
    expect(rejected).toEqual([{ stream: "s" }, { stream: "s" }]);
  });

  it("a custom load_history_table is reserved too; stream_mapping onto an own table fails naming line and stream", async () => {
    const schema = await freshSchema("tp_reserved");
    schemas.push(schema);
    const input = ndjson([
      schemaMessage("runs", { id: { type: "integer" } }, ["id"]),
      recordMessage("runs", { id: 1 }),
    ]);
    const renamed = await runTarget(configFor(schema, { load_history_table: "runs" }), input);
    expect(renamed.code, renamed.stderr).toBe(0);
    expect(renamed.stderr).toMatch(/stream runs: table \S+\.runs is the target's own/);
    const mapped = await runTarget(
      configFor(schema, { stream_mapping: { runs: { target_table: "_sdc_rejected" } } }),
      input,
    );
    expect(mapped.code).toBe(1);
    expect(mapped.fatal).toMatch(
      /line 1, stream runs: stream runs is mapped to table \S+\._sdc_rejected, which is the target's own table/,
    );
  });

  it("properties named like system columns (xmin, ctid, tableoid, cmax, cmin, xmax) load into renamed columns", async () => {
    const schema = await freshSchema("tp_reserved");
    schemas.push(schema);
    const system = ["xmin", "ctid", "tableoid", "cmax", "cmin", "xmax"];
    const properties = Object.fromEntries(system.map((name) => [name, { type: "string" }]));
    const input = ndjson([
      schemaMessage("s", { id: { type: "integer" }, ...properties }, ["id"]),
      recordMessage("s", {
        id: 1,
        ...Object.fromEntries(system.map((name) => [name, `v ${name}`])),
      }),
    ]);
    const result = await runTarget(configFor(schema), input);
    expect(result.code, result.stderr).toBe(0);
    const [row] = await schema.query<Record<string, string>>(
      `select ${system.map((name) => `"${name}_${shortHash(name)}"`).join(", ")} from "${schema.name}".s`,
    );
    expect(row).toEqual(
      Object.fromEntries(system.map((name) => [`${name}_${shortHash(name)}`, `v ${name}`])),
    );
  });
});
