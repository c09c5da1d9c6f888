import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { Backend, CheckedSchema } from "./backends.js";
import { rowsOf } from "./support.js";

/**
 * Every file of the Meltano SDK target suite (the `.singer` files in `folder`), through the real
 * CLI, checked row by row and STATE by STATE as the suite's expectations say, against one
 * backend (sdk-conformance.test.ts, opt-in). Tables are named by our identifier rule (README
 * "Identifiers").
 */
export function sdkStreamSuite(backend: Backend, folder: string): void {
  const streamFile = (name: string) => readFileSync(join(folder, `${name}.singer`), "utf8");
  describe(`Meltano SDK conformance run (${backend.name}, ${folder})`, () => {
    const schemas: CheckedSchema[] = [];
    const fresh = async () => {
      const schema = await backend.fresh("tp_sdk");
      schemas.push(schema);
      return schema;
    };
    afterEach(async () => {
      for (const schema of schemas.splice(0)) await schema.drop();
    });
    afterAll(() => backend.dispose());

    const load = async (
      schema: CheckedSchema,
      file: string,
      settings: Record<string, unknown> = {},
    ) => backend.run(schema, settings, streamFile(file));

    it("array_data: 4 rows, fruits as jsonb; idempotent on re-run", async () => {
      const schema = await fresh();
      for (let run = 0; run < 2; run += 1) {
        const result = await load(schema, "array_data");
        expect(result.code).toBe(0);
        expect(result.states).toEqual([{ test_array_data: 4 }]);
      }
      expect(await schema.columns("test_array_data")).toEqual({ id: "bigint", fruits: "jsonb" });
      expect(await rowsOf(schema, "test_array_data", "id")).toEqual([
        { id: 1, fruits: ["apple", "orange", "pear"] },
        { id: 2, fruits: ["banana", "apple"] },
        { id: 3, fruits: ["pear"] },
        { id: 4, fruits: ["orange", "banana", "apple", "pear"] },
      ]);
    });

    it("camelcase: TestCamelcase → test_camelcase (id, client_name), no STATE", async () => {
      const schema = await fresh();
      const result = await load(schema, "camelcase");
      expect(result.code).toBe(0);
      expect(result.stdout).toBe("");
      expect(await schema.columns("test_camelcase")).toEqual({ id: "text", client_name: "text" });
      expect(await rowsOf(schema, "test_camelcase", "id")).toEqual([
        { id: "1", client_name: "Gitter Windows Desktop App" },
        { id: "2", client_name: "Gitter iOS App" },
      ]);
      const [comment] = await schema.query<{ c: string }>(
        `select obj_description('"${schema.name}".test_camelcase'::regclass, 'pg_class') as c`,
      );
      expect(comment?.c).toBe('{"singer_stream":"TestCamelcase"}');
    });

    it("camelcase_complex_schema: schema only, 12 then 15 columns, anyOf date-time|string → text", async () => {
      const schema = await fresh();
      const result = await load(schema, "camelcase_complex_schema");
      expect(result.code).toBe(0);
      expect(result.stdout).toBe("");
      expect(await schema.count("forecasting_type_to_category")).toBe(0);
      expect(await schema.columns("forecasting_type_to_category")).toEqual({
        id: "text",
        is_deleted: "boolean",
        created_date: "text",
        created_by_id: "text",
        last_modified_date: "text",
        last_modified_by_id: "text",
        system_modstamp: "text",
        forecasting_type_id: "text",
        forecasting_item_category: "text",
        display_position: "bigint",
        is_adjustable: "boolean",
        is_owner_adjustable: "boolean",
        age: "bigint",
        new_camel_cased_attribute: "text",
        _attribute_startswith_underscore: "text",
      });
    });

    it("duplicate_records: last write wins inside a batch, 2 rows", async () => {
      const schema = await fresh();
      const result = await load(schema, "duplicate_records");
      expect(result.code).toBe(0);
      expect(result.states).toEqual([{ test_duplicate_records: 2 }]);
      expect(await rowsOf(schema, "test_duplicate_records", "id")).toEqual([
        { id: 1, metric: 100 },
        { id: 2, metric: 20 },
      ]);
    });

    it("encoded_string_data: 28 rows byte-exact, NUL replaced by U+FFFD (also in jsonb)", async () => {
      const schema = await fresh();
      const result = await load(schema, "encoded_string_data");
      expect(result.code).toBe(0);
      expect(result.states).toEqual([
        { test_strings: 11, test_strings_in_objects: 11, test_strings_in_arrays: 6 },
      ]);
      const input = streamFile("encoded_string_data")
        .split("\n")
        .filter((line) => line.includes('"RECORD"'))
        .map((line) => JSON.parse(line) as { stream: string; record: Record<string, unknown> });
      const expected = (stream: string) =>
        input
          .filter((m) => m.stream === stream)
          .map((m) =>
            JSON.parse(JSON.stringify(m.record), (_key, value: unknown) =>
              typeof value === "string" ? value.replaceAll("\u0000", "\uFFFD") : value,
            ),
          );
      expect(await rowsOf(schema, "test_strings", "id")).toEqual(expected("test_strings"));
      expect(await rowsOf(schema, "test_strings_in_objects", "id")).toEqual(
        expected("test_strings_in_objects"),
      );
      expect(await rowsOf(schema, "test_strings_in_arrays", "id")).toEqual(
        expected("test_strings_in_arrays"),
      );
      const [literal] = await schema.query<{ info: string }>(
        `select info from "${schema.name}".test_strings where id = 10`,
      );
      expect(literal?.info).toBe("Double quoting: \\u0000 \\u0041 \\u0001");
      const [nul] = await schema.query<{ info: string }>(
        `select info from "${schema.name}".test_strings where id = 11`,
      );
      expect(nul?.info).toBe("Control Characters in string: \uFFFD A \u0001");
    });

    it("encoded_string_data with nul_handling=fail: fails naming stream, column and key; nothing committed", async () => {
      const schema = await fresh();
      const result = await load(schema, "encoded_string_data", { nul_handling: "fail" });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.fatal).toContain(
        "line 12, stream test_strings, field /info: U+0000 (NUL) in column info of the record with key id=11",
      );
      expect(await schema.count("test_strings")).toBe(0);
    });

    it("invalid_schema: fails with 'schema has no properties', creates nothing", async () => {
      const schema = await fresh();
      const result = await load(schema, "invalid_schema");
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.fatal).toMatch(
        /line 1, stream test_invalid_schema: schema has no "properties"/,
      );
      expect(userTables(await schema.tables())).toEqual([]);
    });

    it("multiple_state_messages: 6 + 6 rows, last input STATE printed once at the end", async () => {
      const schema = await fresh();
      const result = await load(schema, "multiple_state_messages");
      expect(result.code).toBe(0);
      expect(result.states).toEqual([
        { test_multiple_state_messages_a: 5, test_multiple_state_messages_b: 6 },
      ]);
      expect(await schema.count("test_multiple_state_messages_a")).toBe(6);
      expect(await schema.count("test_multiple_state_messages_b")).toBe(6);
    });

    it("no_primary_keys: appends 3 rows", async () => {
      const schema = await fresh();
      const result = await load(schema, "no_primary_keys");
      expect(result.code).toBe(0);
      expect(result.states).toEqual([{ test_no_pk: 3 }]);
      expect(await rowsOf(schema, "test_no_pk", "id")).toEqual([
        { id: 1, metric: 11 },
        { id: 2, metric: 22 },
        { id: 3, metric: 33 },
      ]);
    });

    it("no_primary_keys_append: no_primary_keys, _append, no_primary_keys, _append → 16 rows", async () => {
      const schema = await fresh();
      const sequence = [
        "no_primary_keys",
        "no_primary_keys_append",
        "no_primary_keys",
        "no_primary_keys_append",
      ];
      for (const file of sequence) {
        const result = await load(schema, file);
        expect(result.code).toBe(0);
      }
      expect(await schema.count("test_no_pk")).toBe(16);
      const [metrics] = await schema.query<{ n: string }>(
        `select count(distinct metric) as n from "${schema.name}".test_no_pk`,
      );
      expect(Number(metrics?.n)).toBe(8);
    });

    it("optional_attributes: 4 rows, optional NULL for ids 2 and 4", async () => {
      const schema = await fresh();
      const result = await load(schema, "optional_attributes");
      expect(result.code).toBe(0);
      expect(result.states).toEqual([{ test_optional_attributes: 4 }]);
      expect(await rowsOf(schema, "test_optional_attributes", "id")).toEqual([
        { id: 1, optional: "This is optional" },
        { id: 2, optional: null },
        { id: 3, optional: "Also optional" },
        { id: 4, optional: null },
      ]);
    });

    it("pk_updates: key_properties inside the schema are not keys: warn, append, 2 rows", async () => {
      const schema = await fresh();
      const result = await load(schema, "pk_updates");
      expect(result.code).toBe(0);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain('has no "key_properties"');
      expect(await rowsOf(schema, "example_stream", "id")).toEqual([
        { id: 1, name: "Alice", email: "alice@example.com" },
        { id: 2, name: "Bob", email: "bob@example.com" },
      ]);
      const keys = await schema.query(
        `select 1 from pg_constraint where conrelid = '"${schema.name}".example_stream'::regclass and contype = 'p'`,
      );
      expect(keys).toEqual([]);
    });

    it("record_before_schema: fails naming the stream, loads nothing", async () => {
      const schema = await fresh();
      const result = await load(schema, "record_before_schema");
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.fatal).toContain(
        "line 1, stream test_record_before_schema: record for stream test_record_before_schema before SCHEMA",
      );
      expect(userTables(await schema.tables())).toEqual([]);
    });

    it("record_missing_fields: 2 rows, the empty STATE {} is printed", async () => {
      const schema = await fresh();
      const result = await load(schema, "record_missing_fields");
      expect(result.code).toBe(0);
      expect(result.states).toEqual([{}]);
      expect(await rowsOf(schema, "record_missing_fields", "id")).toEqual([
        { id: 1, optional: "now you see me" },
        { id: 2, optional: null },
      ]);
    });

    it("record_missing_key_property: fails naming the key, commits nothing", async () => {
      const schema = await fresh();
      const result = await load(schema, "record_missing_key_property");
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.fatal).toContain(
        "line 2, stream test_record_missing_key_property, field /id: record is missing key property id",
      );
      expect(await schema.count("test_record_missing_key_property")).toBe(0);
    });

    it('record_missing_required_property: "strict" fails naming /id; with validate_records=false loads id NULL', async () => {
      const schema = await fresh();
      const strict = await load(schema, "record_missing_required_property", {
        validate_records: "strict",
      });
      expect(strict.code).toBe(1);
      expect(strict.stdout).toBe("");
      expect(strict.fatal).toContain(
        "line 2, stream test_record_missing_required_property, field /id: required property is missing",
      );
      expect(await schema.count("test_record_missing_required_property")).toBe(0);
      const lax = await load(schema, "record_missing_required_property", {
        validate_records: false,
      });
      expect(lax.code).toBe(0);
      expect(lax.stdout).toBe("");
      expect(await rowsOf(schema, "test_record_missing_required_property")).toEqual([
        { id: null, metric: 3215 },
      ]);
    });

    it("schema_no_properties: objects with and without properties → jsonb, 2 + 2 rows", async () => {
      const schema = await fresh();
      const result = await load(schema, "schema_no_properties");
      expect(result.code).toBe(0);
      expect(result.stdout).toBe("");
      for (const table of [
        "test_object_schema_with_properties",
        "test_object_schema_no_properties",
      ]) {
        expect(await schema.columns(table)).toEqual({ object_store: "jsonb" });
      }
      expect(await rowsOf(schema, "test_object_schema_with_properties", "1")).toEqual([
        { object_store: { id: 1, metric: 187 } },
        { object_store: { id: 2, metric: 203 } },
      ]);
      expect(await rowsOf(schema, "test_object_schema_no_properties", "1")).toEqual([
        { object_store: { id: 1, metric: 1 } },
        { object_store: { id: 2, metric: 2 } },
      ]);
    });

    it("schema_updates: 4 SCHEMAs add columns, rows buffered before each change survive", async () => {
      const schema = await fresh();
      const result = await load(schema, "schema_updates");
      expect(result.code).toBe(0);
      expect(result.states).toEqual([{ test_schema_updates: 6 }]);
      expect(await schema.columns("test_schema_updates")).toEqual({
        id: "bigint",
        a1: "numeric",
        a2: "text",
        a3: "boolean",
        a4: "jsonb",
        a5: "jsonb",
        a6: "bigint",
      });
      const rows = await rowsOf(schema, "test_schema_updates", "id");
      expect(rows).toHaveLength(6);
      expect(rows[0]).toEqual({
        id: 1,
        a1: 101,
        a2: "string1",
        a3: null,
        a4: null,
        a5: null,
        a6: null,
      });
      expect(rows[5]).toEqual({
        id: 6,
        a1: 106,
        a2: "string6",
        a3: true,
        a4: { id: 4, value: 444 },
        a5: ["banana", "orange"],
        a6: 341,
      });
    });

    it("special_chars_in_attributes: stream test:SpecialChars!in?attributes → a valid table", async () => {
      const schema = await fresh();
      const result = await load(schema, "special_chars_in_attributes");
      expect(result.code).toBe(0);
      expect(result.stdout).toBe("");
      expect(userTables(await schema.tables())).toEqual(["test_special_chars_in_attributes"]);
      expect(await rowsOf(schema, "test_special_chars_in_attributes")).toEqual([
        {
          _id: "a2e98886",
          d: { env: "prod", "agent:type": "desktop", "agent:os:version": "10.13.1" },
          // the records carry `version`: kept for ACTIVATE_VERSION (record-metadata.ts)
          _sdc_table_version: 1541199424491,
          _sdc_deleted_at: null,
        },
      ]);
    });

    it("user_location_data: 5 + 3 + 3 rows, info as jsonb; idempotent on re-run", async () => {
      const schema = await fresh();
      for (let run = 0; run < 2; run += 1) {
        const result = await load(schema, "user_location_data");
        expect(result.code).toBe(0);
        expect(result.states).toEqual([
          { test_users: 5, test_locations: 3, test_user_in_location: 3 },
        ]);
      }
      expect(await schema.count("test_users")).toBe(5);
      expect(await schema.count("test_locations")).toBe(3);
      expect(await schema.count("test_user_in_location")).toBe(3);
      expect(await schema.columns("test_user_in_location")).toEqual({
        id: "bigint",
        user_id: "bigint",
        location_id: "bigint",
        info: "jsonb",
      });
      expect(await rowsOf(schema, "test_user_in_location", "id")).toContainEqual({
        id: 1,
        user_id: 1,
        location_id: 1,
        info: { weather: "rainy", mood: "sad" },
      });
    });

    it("user_location_upsert_data after user_location_data: the README's rows; idempotent", async () => {
      const schema = await fresh();
      expect((await load(schema, "user_location_data")).code).toBe(0);
      for (let run = 0; run < 2; run += 1) {
        const result = await load(schema, "user_location_upsert_data");
        expect(result.code).toBe(0);
        expect(result.states).toEqual([
          { test_users: 13, test_locations: 8, test_user_in_location: 14 },
        ]);
      }
      expect(await rowsOf(schema, "test_users", "id")).toEqual([
        { id: 1, name: "Johny" },
        { id: 2, name: "George" },
        { id: 3, name: "Jacob" },
        { id: 4, name: "Josh" },
        { id: 5, name: "Jim" },
        { id: 8, name: "Thomas" },
        { id: 12, name: "Paul" },
        { id: 13, name: "Mary" },
      ]);
      expect(await rowsOf(schema, "test_locations", "id")).toEqual([
        { id: 1, name: "Philly" },
        { id: 2, name: "NY" },
        { id: 3, name: "San Francisco" },
        { id: 6, name: "Colorado" },
        { id: 8, name: "Boston" },
      ]);
      const links = (await rowsOf(schema, "test_user_in_location", "id")) as {
        id: number;
        location_id: number;
      }[];
      expect(links.map((row) => row.id)).toEqual([1, 2, 3, 6, 14]);
      expect(links[0]?.location_id).toBe(4);
    });
  });
}

/** The schema's tables without the load history table (every run records itself there). */
function userTables(tables: readonly string[]): string[] {
  return tables.filter((table) => table !== "_sdc_loads" && table !== "_sdc_commits");
}
