import { freshSchema, postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import { afterEach, describe, expect, it } from "vitest";
import {
  configFor,
  ndjson,
  recordMessage,
  rowsOf,
  runTarget,
  schemaMessage,
  stateMessage,
} from "./support.js";

/** Schema evolution with data present: widen in place, add columns, keep old ones, re-key. */
describe.skipIf((await postgresUnavailable()) !== undefined)("schema evolution", () => {
  const schemas: TestSchema[] = [];
  afterEach(async () => {
    await Promise.all(schemas.splice(0).map((schema) => schema.drop()));
  });
  const fresh = async () => {
    const schema = await freshSchema("tp_evo");
    schemas.push(schema);
    return schema;
  };

  it("widens every lattice edge in place, keeps dropped properties, never loses buffered rows", async () => {
    const schema = await fresh();
    const v1 = schemaMessage(
      "evo",
      {
        id: { type: "integer" },
        i: { type: "integer" },
        n: { type: "number" },
        d: { type: "string", format: "date" },
        ts: { type: "string", format: "date-time" },
        b: { type: "boolean" },
        t: { type: "string" },
        gone: { type: "string" },
      },
      ["id"],
    );
    const v2 = schemaMessage(
      "evo",
      {
        id: { type: "integer" },
        i: { type: "number" },
        n: { type: "string" },
        d: { type: "string", format: "date-time" },
        ts: { type: "string" },
        b: { type: ["string", "null"] },
        t: { type: "object" },
        added: { type: "integer" },
      },
      ["id"],
    );
    const v3 = schemaMessage(
      "evo",
      { id: { type: "integer" }, i: { type: "integer" }, d: { type: "string" } },
      ["id"],
    );
    const input = ndjson([
      v1,
      recordMessage("evo", {
        id: 1,
        i: 5,
        n: 1.5,
        d: "2024-01-02",
        ts: "2024-01-02T03:04:05Z",
        b: true,
        t: "x",
        gone: "g1",
      }),
      v2,
      recordMessage("evo", {
        id: 2,
        i: 2.5,
        n: "abc",
        d: "2024-05-06T07:08:09Z",
        ts: "later",
        b: "maybe",
        t: { k: 1 },
        added: 7,
      }),
      v3,
      recordMessage("evo", { id: 3, i: 3, d: "whenever" }),
      stateMessage({ done: true }),
    ]);
    const result = await runTarget(configFor(schema), input);
    expect(result.fatal).toBeUndefined();
    expect(result.states).toEqual([{ done: true }]);
    expect(await schema.columns("evo")).toEqual({
      id: "bigint",
      i: "numeric",
      n: "text",
      d: "text",
      ts: "text",
      b: "text",
      t: "jsonb",
      gone: "text",
      added: "bigint",
    });
    expect(await rowsOf(schema, "evo", "id")).toEqual([
      {
        id: 1,
        i: 5,
        n: "1.5",
        d: "2024-01-02 00:00:00+00",
        ts: "2024-01-02 03:04:05+00",
        b: "true",
        t: "x",
        gone: "g1",
        added: null,
      },
      {
        id: 2,
        i: 2.5,
        n: "abc",
        d: "2024-05-06 07:08:09+00",
        ts: "later",
        b: "maybe",
        t: { k: 1 },
        gone: null,
        added: 7,
      },
      { id: 3, i: 3, n: null, d: "whenever", ts: null, b: null, t: null, gone: null, added: null },
    ]);
  });

  it("an identical SCHEMA (keys in another order) is a no-op: no extra commit", async () => {
    const schema = await fresh();
    const properties = { id: { type: "integer" }, v: { type: "string" } };
    const same = {
      type: "SCHEMA",
      stream: "s",
      schema: { properties: { v: { type: "string" }, id: { type: "integer" } }, type: "object" },
      key_properties: ["id"],
    };
    const input = ndjson([
      schemaMessage("s", properties, ["id"]),
      recordMessage("s", { id: 1, v: "a" }),
      same,
      recordMessage("s", { id: 2, v: "b" }),
      schemaMessage("s", properties, ["id"]),
      recordMessage("s", { id: 3, v: "c" }),
    ]);
    const result = await runTarget(configFor(schema), input);
    expect(result.code).toBe(0);
    expect(result.stderr.match(/committed 3 rows/g)).toHaveLength(1);
    expect(result.stderr).not.toMatch(/committed [12] rows/);
  });

  it("a changed key re-keys the table when the new key is unique, then upserts on it", async () => {
    const schema = await fresh();
    const properties = {
      id: { type: "integer" },
      email: { type: "string" },
      name: { type: "string" },
    };
    const input = ndjson([
      schemaMessage("people", properties, ["id"]),
      recordMessage("people", { id: 1, email: "a@x", name: "A" }),
      recordMessage("people", { id: 2, email: "b@x", name: "B" }),
      schemaMessage("people", properties, ["email"]),
      recordMessage("people", { id: 3, email: "a@x", name: "A2" }),
      stateMessage({ n: 3 }),
    ]);
    const result = await runTarget(configFor(schema), input);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("key_properties changed");
    expect(result.states).toEqual([{ n: 3 }]);
    expect(await rowsOf(schema, "people", "email")).toEqual([
      { id: 3, email: "a@x", name: "A2" },
      { id: 2, email: "b@x", name: "B" },
    ]);
    const key = await schema.query<{ name: string; notnull: boolean }>(
      `select a.attname as name, a.attnotnull as notnull from pg_index i
         join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
        where i.indrelid = '"${schema.name}".people'::regclass and i.indisprimary`,
    );
    expect(key).toEqual([{ name: "email", notnull: true }]);
    const [id] = await schema.query<{ notnull: boolean }>(
      `select attnotnull as notnull from pg_attribute where attrelid = '"${schema.name}".people'::regclass and attname = 'id'`,
    );
    expect(id?.notnull).toBe(false);
  });

  it("a changed key that existing rows violate fails with 'key_properties changed'; committed data stays", async () => {
    const schema = await fresh();
    const properties = { id: { type: "integer" }, v: { type: "string" } };
    const input = ndjson([
      schemaMessage("dupes", properties, []),
      recordMessage("dupes", { id: 1, v: "a" }),
      recordMessage("dupes", { id: 1, v: "b" }),
      stateMessage({ n: 2 }),
      schemaMessage("dupes", properties, ["id"]),
      recordMessage("dupes", { id: 2, v: "c" }),
    ]);
    const result = await runTarget(configFor(schema), input);
    expect(result.code).toBe(1);
    expect(result.fatal).toContain(
      "line 5, stream dupes: key_properties changed from [] to [id], but the rows already in the table are not unique",
    );
    expect(result.states).toEqual([{ n: 2 }]);
    expect(await schema.count("dupes")).toBe(2);
  });

  it("keyed → keyless drops the primary key and appends", async () => {
    const schema = await fresh();
    const properties = { id: { type: "integer" } };
    const input = ndjson([
      schemaMessage("k", properties, ["id"]),
      recordMessage("k", { id: 1 }),
      schemaMessage("k", properties, []),
      recordMessage("k", { id: 1 }),
    ]);
    const result = await runTarget(configFor(schema), input);
    expect(result.code).toBe(0);
    expect(await schema.count("k")).toBe(2);
  });

  it("a later run maps columns through their COMMENTs: a new colliding name gets a hash suffix", async () => {
    const schema = await fresh();
    const first = await runTarget(
      configFor(schema),
      ndjson([
        schemaMessage("c", { id: { type: "integer" }, clientName: { type: "string" } }, ["id"]),
        recordMessage("c", { id: 1, clientName: "camel" }),
      ]),
    );
    expect(first.code).toBe(0);
    const second = await runTarget(
      configFor(schema),
      ndjson([
        schemaMessage(
          "c",
          {
            id: { type: "integer" },
            client_name: { type: "string" },
            clientName: { type: "string" },
          },
          ["id"],
        ),
        recordMessage("c", { id: 2, clientName: "camel2", client_name: "snake" }),
      ]),
    );
    expect(second.code).toBe(0);
    const columns = Object.keys(await schema.columns("c"));
    expect(columns).toHaveLength(3);
    expect(columns.slice(0, 2)).toEqual(["id", "client_name"]);
    expect(columns[2]).toMatch(/^client_name_[0-9a-f]{8}$/);
    const rows = (await rowsOf(schema, "c", "id")) as Record<string, unknown>[];
    expect(rows[1]?.client_name).toBe("camel2");
    expect(rows[1]?.[columns[2] ?? ""]).toBe("snake");
  });
});
