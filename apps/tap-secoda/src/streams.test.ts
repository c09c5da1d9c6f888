import { compileValidator } from "@singerkit/singer";
import { describe, expect, it } from "vitest";
import type { StreamDef } from "./stream-def.js";
import { STREAM_DEFS } from "./streams.js";

describe.each(STREAM_DEFS.map((def) => [def.name, def] as const))(
  "stream %s",
  (_name, def: StreamDef) => {
    it("has a valid JSON Schema whose keys and replication key are top-level, required properties", () => {
      expect(() => compileValidator(def.schema, { stream: def.name })).not.toThrow();
      expect(def.schema.type).toBe("object");
      for (const key of def.keyProperties) {
        expect(def.schema.properties[key]).toBeDefined();
        expect(def.schema.required).toContain(key);
      }
      if (def.replicationKey !== undefined) {
        expect(def.schema.properties[def.replicationKey]).toMatchObject({ format: "date-time" });
      }
    });

    it("types every property (no untyped objects or arrays, formats on ids and times)", () => {
      for (const [field, schema] of Object.entries(def.schema.properties)) {
        if (schema.type === undefined) continue; // a value of any type (custom property values)
        const types = [schema.type].flat();
        if (types.includes("array")) expect(schema.items, `${field}.items`).toBeDefined();
        if (types.includes("object") && schema.properties === undefined) {
          expect(schema.additionalProperties, `${field} is a free-form object`).toBeDefined();
        }
        if (/(^id$|_id$)/.test(field) && types.includes("string") && field !== "databuilder_id") {
          expect(schema.format, `${field} format`).toBe("uuid");
        }
        if (/_at$/.test(field)) expect(schema.format, `${field} format`).toBe("date-time");
      }
    });

    it("is declared consistently", () => {
      expect(def.name).toMatch(/^[a-z][a-z_]*$/);
      expect(def.path).toMatch(/^\/api\/v1\//);
      if (def.detailPath !== undefined) expect(def.detailPath).toContain("{id}");
      if (def.sort !== undefined) expect(def.sort.field).toBe(def.replicationKey);
      for (const dimension of def.resultCap?.partitionBy ?? []) {
        if ("valuesFromStream" in dimension) {
          expect(STREAM_DEFS.map((s) => s.name)).toContain(dimension.valuesFromStream);
        }
      }
    });
  },
);

it("has unique stream names and covers every readable Secoda list", () => {
  const names = STREAM_DEFS.map((def) => def.name);
  expect(new Set(names).size).toBe(names.length);
  expect(names).toEqual(
    expect.arrayContaining([
      "tables",
      "columns",
      "databases",
      "schemas",
      "dashboards",
      "charts",
      "events",
      "event_categories",
      "collections",
      "documents",
      "glossary_terms",
      "questions",
      "question_replies",
      "queries",
      "integrations",
      "users",
      "groups",
      "teams",
      "tags",
      "custom_properties",
      "lineage",
      "monitors",
      "incidents",
      "audit_logs",
      "resources",
    ]),
  );
});
