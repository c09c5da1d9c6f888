import { InputError, type JsonSchema, type SchemaMessage } from "@singerkit/singer";
import { describe, expect, it } from "vitest";
import { mergeSql, stagingTable } from "./batch-load.js";
import type { TableState } from "./catalog.js";
import { schemaLayout, schemaSignature, validationSchema } from "./layout.js";

const schema = (
  properties: Record<string, JsonSchema>,
  keys: readonly string[] = [],
): SchemaMessage => ({
  type: "SCHEMA",
  stream: "Users",
  schema: { type: "object", properties },
  key_properties: keys,
});

const table = (
  columns: readonly [string, string, string?][],
  primaryKey: readonly string[] = [],
): TableState => ({
  schema: "s",
  name: "users",
  columns: columns.map(([name, type, original]) => ({ name, type, original })),
  primaryKey,
  primaryKeyConstraint: primaryKey.length > 0 ? "users_pkey" : undefined,
});

const layout = (message: SchemaMessage, existing?: TableState) =>
  schemaLayout(message, 7, { schema: "s", table: "users", existing });

describe("schemaLayout: SCHEMA → columns and DDL (decisions: Schema evolution)", () => {
  it("creates the table: key first in COPY order, PK, comments with the original names", () => {
    const result = layout(
      schema({ name: { type: "string" }, userId: { type: "integer" }, tags: { type: "array" } }, [
        "userId",
      ]),
    );
    expect(result.plan.statements).toEqual([
      'CREATE TABLE IF NOT EXISTS "s"."users" ("name" text, "user_id" bigint, "tags" jsonb, PRIMARY KEY ("user_id"))',
      `COMMENT ON TABLE "s"."users" IS '{"singer_stream":"Users"}'`,
      `COMMENT ON COLUMN "s"."users"."name" IS '{"singer_name":"name"}'`,
      `COMMENT ON COLUMN "s"."users"."user_id" IS '{"singer_name":"userId"}'`,
      `COMMENT ON COLUMN "s"."users"."tags" IS '{"singer_name":"tags"}'`,
    ]);
    expect(result.columns.map((c) => c.name)).toEqual(["user_id", "name", "tags"]);
    expect(result.columns.find((c) => c.name === "tags")?.parseJsonStrings).toBe(true);
  });

  it("the same table again needs no DDL", () => {
    const existing = table(
      [
        ["id", "bigint", "id"],
        ["name", "text", "name"],
      ],
      ["id"],
    );
    expect(
      layout(schema({ id: { type: "integer" }, name: { type: "string" } }, ["id"]), existing).plan
        .statements,
    ).toEqual([]);
  });

  it("adds new properties, widens changed types in place, keeps vanished columns", () => {
    const existing = table(
      [
        ["id", "bigint", "id"],
        ["n", "bigint", "n"],
        ["d", "date", "d"],
        ["b", "boolean", "b"],
        ["old", "text", "old"],
      ],
      ["id"],
    );
    const result = layout(
      schema(
        {
          id: { type: "integer" },
          n: { type: "number" },
          d: { type: "string", format: "date-time" },
          b: { type: "object" },
          extra: { type: ["null", "string"] },
        },
        ["id"],
      ),
      existing,
    );
    expect(result.plan.statements).toEqual([
      'ALTER TABLE "s"."users" ALTER COLUMN "n" TYPE numeric USING "n"::numeric',
      'ALTER TABLE "s"."users" ALTER COLUMN "d" TYPE timestamp with time zone USING "d"::timestamp with time zone',
      'ALTER TABLE "s"."users" ALTER COLUMN "b" TYPE jsonb USING to_jsonb("b")',
      'ALTER TABLE "s"."users" ADD COLUMN "extra" text',
      `COMMENT ON COLUMN "s"."users"."extra" IS '{"singer_name":"extra"}'`,
    ]);
    expect(result.plan.rekey).toBe(false);
    expect(result.columns.map((c) => [c.name, c.type])).toEqual([
      ["id", "bigint"],
      ["n", "numeric"],
      ["d", "timestamp with time zone"],
      ["b", "jsonb"],
      ["extra", "text"],
    ]);
  });

  it("never narrows: an existing wider column stays, and values are encoded for it", () => {
    const existing = table([["v", "text", "v"]]);
    const result = layout(schema({ v: { type: "integer" } }), existing);
    expect(result.plan.statements).toEqual([]);
    expect(result.columns[0]?.type).toBe("text");
  });

  it("a changed key re-keys: drop the old constraint, relax its columns, add the new key", () => {
    const existing = table(
      [
        ["id", "bigint", "id"],
        ["email", "text", "email"],
      ],
      ["id"],
    );
    const result = layout(
      schema({ id: { type: "integer" }, email: { type: "string" } }, ["email"]),
      existing,
    );
    expect(result.plan.rekey).toBe(true);
    expect(result.plan.statements).toEqual([
      'ALTER TABLE "s"."users" DROP CONSTRAINT "users_pkey"',
      'ALTER TABLE "s"."users" ALTER COLUMN "id" DROP NOT NULL',
      'ALTER TABLE "s"."users" ADD PRIMARY KEY ("email")',
    ]);
  });

  it("columns of a table made by someone else (no COMMENT) are matched by name and get one", () => {
    const existing = table([
      ["client_name", "character varying(50)"],
      ["tags", "uuid[]"],
    ]);
    const result = layout(
      schema({ clientName: { type: "string" }, tags: { type: "array" } }),
      existing,
    );
    expect(result.plan.statements).toEqual([
      // varchar(50) would reject longer strings: widened to text; uuid[] is not ours: kept
      'ALTER TABLE "s"."users" ALTER COLUMN "client_name" TYPE text USING "client_name"::text',
      `COMMENT ON COLUMN "s"."users"."client_name" IS '{"singer_name":"clientName"}'`,
      `COMMENT ON COLUMN "s"."users"."tags" IS '{"singer_name":"tags"}'`,
    ]);
    expect(result.columns.map((c) => c.type)).toEqual(["text", "uuid[]"]);
  });

  it("a key property that is not a property fails naming line and stream", () => {
    expect(() => layout(schema({ a: {} }, ["id"]))).toThrow(InputError);
    expect(() => layout(schema({ a: {} }, ["id"]))).toThrow(
      "key property id is not one of the schema's properties",
    );
  });
});

describe("schemaSignature", () => {
  it("ignores object key order, not array order or keys", () => {
    const a = schema({ a: { type: "string" }, b: { type: ["integer", "null"] } }, ["a"]);
    const b = schema({ b: { type: ["integer", "null"] }, a: { type: "string" } }, ["a"]);
    const c = schema({ a: { type: "string" }, b: { type: ["null", "integer"] } }, ["a"]);
    expect(schemaSignature(a)).toBe(schemaSignature(b));
    expect(schemaSignature(a)).not.toBe(schemaSignature(c));
    expect(schemaSignature(a)).not.toBe(schemaSignature({ ...a, key_properties: [] }));
  });
});

describe("mergeSql (decisions: COPY + merge)", () => {
  it("upserts all non-key columns, skipping rows that did not change", () => {
    const merge = {
      columns: [
        { name: "id", type: "bigint" },
        { name: "a", type: "text" },
        { name: "j", type: "json" },
      ],
      primaryKey: ["id"],
    };
    expect(mergeSql('"s"."t"', merge)).toBe(
      `INSERT INTO "s"."t" AS t ("id", "a", "j") SELECT "id", "a", "j" FROM ${stagingTable(merge)} ` +
        'ON CONFLICT ("id") DO UPDATE SET "a" = EXCLUDED."a", "j" = EXCLUDED."j" ' +
        'WHERE (t."a", t."j"::text) IS DISTINCT FROM (EXCLUDED."a", EXCLUDED."j"::text)',
    );
  });

  it("the dedupe fallback keeps the last staged row per key", () => {
    expect(
      mergeSql(
        '"s"."t"',
        {
          columns: [
            { name: "k", type: "timestamp with time zone" },
            { name: "v", type: "text" },
          ],
          primaryKey: ["k"],
        },
        true,
      ),
    ).toMatch(
      /SELECT DISTINCT ON \("k"\) "k", "v" FROM pg_temp\."target_postgres_staging_[0-9a-f]{12}" ORDER BY "k", ctid DESC/,
    );
  });

  it("one staging table per column layout: the name changes with a column or a type", () => {
    const id = { name: "id", type: "bigint" };
    const names = [[id], [id, { name: "v", type: "text" }], [id, { name: "v", type: "jsonb" }]].map(
      (columns) => stagingTable({ columns, primaryKey: ["id"] }),
    );
    expect(new Set(names).size).toBe(3);
    expect(stagingTable({ columns: [id], primaryKey: ["id"] })).toBe(names[0]);
  });

  it("a row of an older table version never replaces one of a newer version", () => {
    const sql = mergeSql('"s"."t"', {
      columns: [
        { name: "id", type: "bigint" },
        { name: "_sdc_table_version", type: "bigint" },
      ],
      primaryKey: ["id"],
    });
    expect(sql).toMatch(
      / AND \(EXCLUDED."_sdc_table_version" IS NULL OR t."_sdc_table_version" IS NULL OR EXCLUDED."_sdc_table_version" >= t."_sdc_table_version"\)$/,
    );
  });

  it("a record marked deleted marks the row and keeps its data columns", () => {
    const sql = mergeSql('"s"."t"', {
      columns: [
        { name: "id", type: "bigint" },
        { name: "a", type: "text" },
        { name: "_sdc_deleted_at", type: "timestamp with time zone" },
      ],
      primaryKey: ["id"],
    });
    expect(sql).toContain(
      'DO UPDATE SET "a" = CASE WHEN EXCLUDED."_sdc_deleted_at" IS NULL THEN EXCLUDED."a" ELSE t."a" END, "_sdc_deleted_at" = EXCLUDED."_sdc_deleted_at" ',
    );
    // Compared with what the SET makes of the row: a replayed tombstone is no change.
    expect(sql).toMatch(
      /WHERE \(t\."a", t\."_sdc_deleted_at"\) IS DISTINCT FROM \(\(CASE WHEN EXCLUDED\."_sdc_deleted_at" IS NULL THEN EXCLUDED\."a" ELSE t\."a" END\), EXCLUDED\."_sdc_deleted_at"\)$/,
    );
  });

  it("a table of key columns only does nothing on conflict", () => {
    expect(
      mergeSql('"s"."t"', { columns: [{ name: "id", type: "bigint" }], primaryKey: ["id"] }),
    ).toMatch(/ON CONFLICT \("id"\) DO NOTHING$/);
  });
});

describe("validationSchema", () => {
  it("drops fractional multipleOf always, and date-time/date formats when lenient", () => {
    const input = {
      type: "object",
      properties: {
        n: { type: "number", multipleOf: 1e-10 },
        even: { type: "integer", multipleOf: 2 },
        at: { type: "string", format: "date-time" },
        day: { type: "string", format: "date" },
        mail: { type: "string", format: "email" },
      },
    };
    const kept = {
      even: { type: "integer", multipleOf: 2 },
      mail: { type: "string", format: "email" },
    };
    expect(validationSchema(input).properties).toEqual({
      n: { type: "number" },
      at: { type: "string", format: "date-time" },
      day: { type: "string", format: "date" },
      ...kept,
    });
    expect(validationSchema(input, true).properties).toEqual({
      n: { type: "number" },
      at: { type: "string" },
      day: { type: "string" },
      ...kept,
    });
  });

  it("drops format time (times without zone are valid; the time column checks them)", () => {
    const input = {
      type: "object",
      properties: {
        t: { type: "string", format: "time" },
        d: { type: "string", format: "date-time" },
        time: { type: "string" },
      },
    };
    expect(validationSchema(input)).toEqual({
      type: "object",
      properties: {
        t: { type: "string" },
        d: { type: "string", format: "date-time" },
        time: { type: "string" },
      },
    });
    const plain = { type: "object", properties: { a: { type: "string" } } };
    expect(validationSchema(plain)).toBe(plain);
  });
});
