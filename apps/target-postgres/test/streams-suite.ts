import {
  type CheckedRun,
  checkCase,
  type Row,
  TARGET_CASES,
  type TargetAdapter,
  targetCase,
} from "@singerkit/singer/testing";
import { afterAll, describe, expect, it } from "vitest";
import { conformName } from "../src/identifiers.js";
import type { Backend, CheckedSchema } from "./backends.js";
import { rowsOf } from "./support.js";

/**
 * The project's own conformance streams (`@singerkit/singer/testing`: one case for every Meltano
 * SDK target test stream) through the real CLI against one backend: the kit checks exit codes,
 * the STATE rule, error words and every row; `EXTRAS` adds what is particular to PostgreSQL
 * (column types, names, comments, exact messages and printed states).
 */
export function streamsSuite(backend: Backend): void {
  describe(`conformance streams (${backend.name})`, () => {
    afterAll(() => backend.dispose());
    const adapter = postgresAdapter(backend);

    for (const testCase of TARGET_CASES) {
      it(`${testCase.name}: ${testCase.about}`, async () => {
        await checkCase(adapter, testCase, (index, run) =>
          (EXTRAS[testCase.name] ?? noExtras)(adapter.current(), index, run),
        );
      });
    }

    it("every PostgreSQL check names a case of the kit", () => {
      for (const name of Object.keys(EXTRAS)) expect(() => targetCase(name)).not.toThrow();
    });

    it("phrases with nul_handling=fail: fails naming line, stream, column and key; nothing committed", async () => {
      const schema = await backend.fresh("tp_kit");
      try {
        const input = targetCase("phrases").runs[0]?.input ?? "";
        const result = await backend.run(schema, { nul_handling: "fail" }, input);
        expect(result.code).toBe(1);
        expect(result.stdout).toBe("");
        expect(result.fatal).toContain(
          "line 12, stream phrases, field /text: U+0000 (NUL) in column text of the record with key id=11",
        );
        expect(await schema.count("phrases")).toBe(0);
      } finally {
        await schema.drop();
      }
    });
  });
}

type Extra = (schema: CheckedSchema, index: number, run: CheckedRun) => Promise<void>;
const noExtras: Extra = async () => undefined;

/** A kit adapter over a test backend; `current()` is the schema of the case being checked. */
function postgresAdapter(backend: Backend): TargetAdapter & { current(): CheckedSchema } {
  let current: CheckedSchema | undefined;
  return {
    upserts: true,
    conformName,
    storedText: (text) => text.replaceAll("\u0000", "\uFFFD"), // README: NUL → U+FFFD
    current: () => {
      if (current === undefined) throw new Error("no case is running");
      return current;
    },
    fresh: async () => {
      const schema = await backend.fresh("tp_kit");
      current = schema;
      return {
        run: (input, settings) => backend.run(schema, settings, input),
        rows: async (stream) => {
          const table = conformName(stream);
          if (!(await schema.tables()).includes(table)) return [];
          return (await rowsOf(schema, table)).map((row) => withoutMetadata(row as Row));
        },
        dispose: () => schema.drop(),
      };
    },
  };
}

function withoutMetadata(row: Row): Row {
  return Object.fromEntries(Object.entries(row).filter(([name]) => !name.startsWith("_sdc_")));
}

/** The schema's tables without the load history table (every run records itself there). */
const userTables = async (schema: CheckedSchema) =>
  (await schema.tables()).filter((table) => table !== "_sdc_loads" && table !== "_sdc_commits");

const fatalOf = (run: CheckedRun) => run.run.stderr.split("\n").find((l) => l.includes(" FATAL "));

const statesAre =
  (expected: unknown[]): Extra =>
  async (_schema, _index, run) => {
    expect(run.states).toEqual(expected);
  };

const EXTRAS: Record<string, Extra> = {
  playlists: async (schema, _index, run) => {
    expect(run.states).toEqual([{ playlists: 4 }]);
    expect(await schema.columns("playlists")).toEqual({ id: "bigint", songs: "jsonb" });
  },
  plant_species: async (schema, _index, run) => {
    expect(run.run.stdout).toBe("");
    expect(await schema.columns("plant_species")).toEqual({ id: "text", common_name: "text" });
    const [comment] = await schema.query<{ c: string }>(
      `select obj_description('"${schema.name}".plant_species'::regclass, 'pg_class') as c`,
    );
    expect(comment?.c).toBe('{"singer_stream":"PlantSpecies"}');
  },
  shelf_layout: async (schema, _index, run) => {
    expect(run.run.stdout).toBe("");
    expect(await schema.count("shelf_layout")).toBe(0);
    expect(await schema.columns("shelf_layout")).toEqual({
      id: "text",
      is_archived: "boolean",
      installed_at: "text",
      installed_by_id: "text",
      inspected_at: "text",
      inspected_by_id: "text",
      row_version_stamp: "text",
      aisle_code: "text",
      bin_category: "text",
      sort_position: "bigint",
      is_movable: "boolean",
      is_stackable: "boolean",
      capacity: "bigint",
      last_audit_note: "text",
      _underscore_first: "text",
    });
  },
  sensor_readings: statesAre([{ sensor_readings: 5 }]),
  phrases: async (schema, _index, run) => {
    expect(run.states).toEqual([{ phrases: 11, phrases_in_objects: 11, phrases_in_arrays: 6 }]);
    const text = async (id: number) =>
      (
        await schema.query<{ text: string }>(
          `select text from "${schema.name}".phrases where id = $1`,
          [id],
        )
      )[0]?.text;
    expect(await text(10)).toBe("Escaped on purpose: \\u0000 \\u0042 \\u0002");
    expect(await text(11)).toBe("A real control character: \uFFFD B \u0002");
  },
  broken_schema: async (schema, _index, run) => {
    expect(run.run.stdout).toBe("");
    expect(fatalOf(run)).toMatch(/line 1, stream broken_schema: schema has no "properties"/);
    expect(await userTables(schema)).toEqual([]);
  },
  orders: statesAre([{ orders_a: 5, orders_b: 6 }]),
  page_views: async (_schema, index, run) => {
    expect(run.states).toEqual([{ page_views: index % 2 === 0 ? 3 : 5 }]);
  },
  contacts: statesAre([{ contacts: 4 }]),
  members: async (schema, _index, run) => {
    expect(run.run.stdout).toBe("");
    expect(run.run.stderr).toContain('has no "key_properties"');
    const keys = await schema.query(
      `select 1 from pg_constraint where conrelid = '"${schema.name}".members'::regclass and contype = 'p'`,
    );
    expect(keys).toEqual([]);
  },
  early_record: async (schema, _index, run) => {
    expect(fatalOf(run)).toContain(
      "line 1, stream early_record: record for stream early_record before SCHEMA",
    );
    expect(await userTables(schema)).toEqual([]);
  },
  notes: statesAre([{}]),
  keyless_record: async (_schema, _index, run) => {
    expect(fatalOf(run)).toContain(
      "line 2, stream keyless_record, field /id: record is missing key property id",
    );
  },
  required_missing: async (_schema, index, run) => {
    if (index === 0)
      expect(fatalOf(run)).toContain(
        "line 2, stream required_missing, field /id: required property is missing",
      );
    else expect(run.run.stdout).toBe("");
  },
  object_columns: async (schema) => {
    for (const table of ["boxes_typed", "boxes_untyped"])
      expect(await schema.columns(table)).toEqual({ payload: "jsonb" });
  },
  gauges: async (schema, _index, run) => {
    expect(run.states).toEqual([{ gauges: 6 }]);
    expect(await schema.columns("gauges")).toEqual({
      id: "bigint",
      reading: "numeric",
      label: "text",
      active: "boolean",
      extra: "jsonb",
      flags: "jsonb",
      level: "bigint",
    });
  },
  odd_names: async (schema) => {
    expect(await userTables(schema)).toEqual(["raw_device_events_v2"]);
    // the record carries `version`: kept for ACTIVATE_VERSION (record-metadata.ts)
    expect(await rowsOf(schema, "raw_device_events_v2")).toEqual([
      {
        _id: "d41d8cd9",
        meta: { site: "lab", "probe:kind": "thermal", "probe:fw:rev": "4.2.0" },
        _sdc_table_version: 1700000000123,
        _sdc_deleted_at: null,
      },
    ]);
  },
  library: async (schema, index, run) => {
    expect(run.states).toEqual([
      index < 2
        ? { authors: 5, books: 3, author_books: 3 }
        : { authors: 13, books: 8, author_books: 14 },
    ]);
    expect(await schema.columns("author_books")).toEqual({
      id: "bigint",
      author_id: "bigint",
      book_id: "bigint",
      info: "jsonb",
    });
  },
};
