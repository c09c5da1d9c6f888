import { afterAll, describe, expect, it } from "vitest";
import {
  freshSchema,
  pgConfigFromEnv,
  pgUrl,
  postgresUnavailable,
  probePostgres,
  type TestSchema,
} from "./index.js";

describe("pgConfigFromEnv", () => {
  it("defaults to the local test server", () => {
    expect(pgConfigFromEnv({})).toEqual({
      host: "127.0.0.1",
      port: 5432,
      user: "postgres",
      database: "test",
    });
  });

  it("reads DATABASE_URL before PG* variables", () => {
    const env = {
      DATABASE_URL: "postgres://u%40x:p%3Aw@db.local:6543/warehouse",
      PGHOST: "ignored",
    };
    expect(pgConfigFromEnv(env)).toEqual({
      host: "db.local",
      port: 6543,
      user: "u@x",
      password: "p:w",
      database: "warehouse",
    });
    expect(pgUrl(pgConfigFromEnv(env))).toBe("postgres://u%40x:p%3Aw@db.local:6543/warehouse");
  });

  it("reads PG* variables", () => {
    expect(pgConfigFromEnv({ PGHOST: "h", PGPORT: "5433", PGUSER: "me", PGDATABASE: "d" })).toEqual(
      {
        host: "h",
        port: 5433,
        user: "me",
        database: "d",
      },
    );
  });

  it("fails instead of skipping in CI when the server is unreachable", async () => {
    const env = { CI: "true", PGHOST: "127.0.0.1", PGPORT: "1" };
    await expect(probePostgres({ PGHOST: "127.0.0.1", PGPORT: "1" })).resolves.toMatch(
      /unreachable/,
    );
    await expect(probePostgres(env)).rejects.toThrow(/CI=true: failing, not skipping/);
  });
});

const unavailable = await postgresUnavailable();

describe.skipIf(unavailable !== undefined)("freshSchema", () => {
  let schema: TestSchema | undefined;
  afterAll(async () => {
    await schema?.drop();
  });

  it("creates an isolated schema and drops it", async () => {
    schema = await freshSchema("pgtest");
    await schema.query(`create table ${schema.name}.t (id int primary key, v text)`);
    await schema.query(`insert into ${schema.name}.t values (2, 'b'), (1, 'a')`);
    expect(await schema.count("t")).toBe(2);
    expect(await schema.rows("t", "id")).toEqual([
      { id: 1, v: "a" },
      { id: 2, v: "b" },
    ]);
    expect(await schema.columns("t")).toEqual({ id: "integer", v: "text" });
    expect(await schema.tables()).toEqual(["t"]);
    const name = schema.name;
    await schema.drop();
    schema = undefined;
    const probe = await freshSchema("pgtest");
    const left = await probe.query(
      "select 1 from information_schema.schemata where schema_name = $1",
      [name],
    );
    await probe.drop();
    expect(left).toEqual([]);
  });
});
