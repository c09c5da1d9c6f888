import { freshSchema, pgUrl, postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configFor, ndjson, recordMessage, runTarget, schemaMessage } from "./support.js";

/**
 * DDL failures (a SCHEMA change that cannot take its lock, a role without the privilege) end
 * with one FATAL naming table, stream and line, and say which privilege is missing.
 */
const unavailable = await postgresUnavailable();

describe.skipIf(unavailable !== undefined)("DDL errors", () => {
  let schema: TestSchema;
  let role: string;
  beforeEach(async () => {
    schema = await freshSchema("ddl");
    role = `${schema.name}_role`;
    await schema.query(`create role "${role}" login`);
  });
  afterEach(async () => {
    await schema.drop();
    await schema.query(`drop owned by "${role}"`).catch(() => undefined);
    const admin = new pg.Client({ connectionString: pgUrl() });
    await admin.connect();
    try {
      await admin.query(`drop owned by "${role}"`);
      await admin.query(`drop role if exists "${role}"`);
    } finally {
      await admin.end();
    }
  });

  const asRole = (settings: Record<string, unknown> = {}) => {
    const url = new URL(pgUrl());
    url.username = role;
    url.password = "";
    return { connection_string: url.toString(), default_target_schema: schema.name, ...settings };
  };
  const fatals = (stderr: string) => stderr.split("\n").filter((line) => line.includes(" FATAL "));
  const first = schemaMessage("s", { id: { type: "integer" } }, ["id"]);
  const wider = schemaMessage("s", { id: { type: "integer" }, extra: { type: "string" } }, ["id"]);

  it("a lock held past lock_timeout while a SCHEMA change alters the table: the FATAL names table, stream and line", async () => {
    expect(
      (await runTarget(configFor(schema), ndjson([first, recordMessage("s", { id: 1 })]))).code,
    ).toBe(0);
    const locker = new pg.Client({ connectionString: pgUrl() });
    await locker.connect();
    try {
      await locker.query("begin");
      await locker.query(`lock table "${schema.name}".s in access exclusive mode`);
      const url = new URL(pgUrl());
      url.searchParams.set("options", "-c lock_timeout=500");
      const result = await runTarget(
        { connection_string: url.toString(), default_target_schema: schema.name },
        ndjson([wider, recordMessage("s", { id: 2, extra: "x" })]),
      );
      expect(result.code).toBe(1);
      expect(fatals(result.stderr)).toEqual([
        expect.stringMatching(
          new RegExp(
            `FATAL target-postgres {2}table ${schema.name}\\.s: line 1, stream s: canceling statement due to lock timeout; none of this SCHEMA's DDL was applied$`,
          ),
        ),
      ]);
    } finally {
      await locker.query("rollback");
      await locker.end();
    }
    expect(await schema.columns("s")).toEqual({ id: "bigint" });
    expect(await schema.rows("s")).toEqual([{ id: "1" }]);
  });

  it("a role without CREATE on the schema: the FATAL names the missing privilege and the GRANT", async () => {
    await schema.query(`grant usage on schema "${schema.name}" to "${role}"`);
    const result = await runTarget(asRole({ load_history_table: "" }), ndjson([first]));
    expect(result.code).toBe(1);
    expect(fatals(result.stderr)).toEqual([
      expect.stringMatching(
        new RegExp(
          `FATAL target-postgres {2}table ${schema.name}\\.s: line 1, stream s: permission denied for schema ${schema.name}: the role lacks CREATE on schema ${schema.name} \\(GRANT CREATE ON SCHEMA ${schema.name} TO ${role}\\)`,
        ),
      ),
    ]);
    expect(await schema.tables()).toEqual([]);
    // The load history table is the first thing created: the same hint, from there.
    const history = await runTarget(asRole(), ndjson([first]));
    expect(history.code).toBe(1);
    expect(fatals(history.stderr)).toEqual([
      expect.stringMatching(/the role lacks CREATE on schema \S+ \(GRANT CREATE ON SCHEMA/),
    ]);
  });

  it("a role that does not own the table: the FATAL says ALTER needs table ownership", async () => {
    expect(
      (await runTarget(configFor(schema, { load_history_table: "" }), ndjson([first]))).code,
    ).toBe(0);
    await schema.query(`grant usage, create on schema "${schema.name}" to "${role}"`);
    await schema.query(`grant all on "${schema.name}".s to "${role}"`);
    const result = await runTarget(
      asRole({ load_history_table: "" }),
      ndjson([wider, recordMessage("s", { id: 2, extra: "x" })]),
    );
    expect(result.code).toBe(1);
    expect(fatals(result.stderr)).toEqual([
      expect.stringMatching(
        new RegExp(
          `FATAL target-postgres {2}table ${schema.name}\\.s: line 1, stream s: must be owner of table s: ALTER TABLE \\(a new column, a wider type, a new key\\) needs ownership of table s: run the target as its owner, or ALTER TABLE … OWNER TO ${role}`,
        ),
      ),
    ]);
    expect(await schema.columns("s")).toEqual({ id: "bigint" });
  });

  it("a role without CREATE on the database, for a missing schema: the FATAL names line, stream and the missing privilege", async () => {
    const missing = `${schema.name}_new`;
    const result = await runTarget(
      asRole({ load_history_table: "", default_target_schema: missing }),
      ndjson([first]),
    );
    expect(result.code).toBe(1);
    expect(fatals(result.stderr)).toEqual([
      expect.stringMatching(
        /FATAL target-postgres {2}line 1, stream s: permission denied for database \S+: the role lacks CREATE on database \S+ to create the schema \(GRANT CREATE ON DATABASE \S+ TO \S+, or create the schema beforehand\)$/,
      ),
    ]);
  });
});
