import type { JsonSchema } from "@singerkit/singer";
import { describe, expect, it } from "vitest";
import {
  allowsString,
  baseType,
  columnType,
  isKnownType,
  joinTypes,
  PG,
  widenUsing,
} from "./type-mapping.js";

describe("columnType (decisions: Type mapping)", () => {
  it.each<[string, JsonSchema, string]>([
    ["integer", { type: "integer" }, PG.bigint],
    ["nullable integer", { type: ["null", "integer"] }, PG.bigint],
    [
      "integer within bigint",
      { type: "integer", minimum: -(2 ** 63), maximum: 2 ** 63 },
      PG.bigint,
    ],
    ["integer past bigint", { type: "integer", maximum: 1e20 }, PG.numeric],
    ["integer below bigint", { type: "integer", minimum: -1e20 }, PG.numeric],
    [
      "integer, exclusiveMaximum past bigint",
      { type: "integer", exclusiveMaximum: 1e19 },
      PG.numeric,
    ],
    ["number", { type: "number" }, PG.numeric],
    ["boolean", { type: "boolean" }, PG.boolean],
    ["string", { type: "string" }, PG.text],
    ["date-time", { type: "string", format: "date-time" }, PG.timestamptz],
    ["nullable date-time", { type: ["string", "null"], format: "date-time" }, PG.timestamptz],
    ["date", { type: "string", format: "date" }, PG.date],
    ["time", { type: "string", format: "time" }, PG.time],
    ["other format", { type: "string", format: "email" }, PG.text],
    ["object", { type: "object", properties: { a: { type: "integer" } } }, PG.jsonb],
    ["object without properties", { type: "object" }, PG.jsonb],
    ["array", { type: "array", items: { type: "string" } }, PG.jsonb],
    ["untyped {}", {}, PG.jsonb],
    ["null only", { type: "null" }, PG.jsonb],
    ["integer|number", { type: ["integer", "number"] }, PG.numeric],
    ["integer|string", { type: ["integer", "string"] }, PG.text],
    ["boolean|integer", { type: ["boolean", "integer"] }, PG.text],
    ["string|object", { type: ["string", "object"] }, PG.jsonb],
    ["object|array", { type: ["object", "array"] }, PG.jsonb],
    [
      "date|date-time (anyOf)",
      {
        anyOf: [
          { type: "string", format: "date" },
          { type: "string", format: "date-time" },
        ],
      },
      PG.timestamptz,
    ],
    [
      "anyOf date-time | string|null (camelcase_complex_schema)",
      { anyOf: [{ type: "string", format: "date-time" }, { type: ["string", "null"] }] },
      PG.text,
    ],
    [
      "anyOf date-time | null",
      { anyOf: [{ type: "string", format: "date-time" }, { type: "null" }] },
      PG.timestamptz,
    ],
    ["oneOf integer | number", { oneOf: [{ type: "integer" }, { type: "number" }] }, PG.numeric],
    ["allOf integer", { allOf: [{ type: "integer" }] }, PG.bigint],
    ["enum of strings", { enum: ["a", "b", null] }, PG.text],
    ["enum of integers", { enum: [1, 2] }, PG.bigint],
    ["const number", { const: 1.5 }, PG.numeric],
    [
      "time|date-time",
      { type: "string", anyOf: [{ format: "time" }, { format: "date-time" }] },
      PG.text,
    ],
  ])("%s → %s", (_name, schema, expected) => {
    expect(columnType(schema)).toBe(expected);
  });
});

describe("joinTypes: every widening of the lattice", () => {
  it.each([
    // same type: no change
    [PG.bigint, PG.bigint, PG.bigint],
    [PG.jsonb, PG.jsonb, PG.jsonb],
    // integer → numeric → text → jsonb
    [PG.bigint, PG.numeric, PG.numeric],
    [PG.numeric, PG.bigint, PG.numeric],
    [PG.bigint, PG.text, PG.text],
    [PG.numeric, PG.text, PG.text],
    // date → timestamptz → text
    [PG.date, PG.timestamptz, PG.timestamptz],
    [PG.timestamptz, PG.date, PG.timestamptz],
    [PG.date, PG.text, PG.text],
    [PG.timestamptz, PG.text, PG.text],
    [PG.time, PG.text, PG.text],
    [PG.time, PG.timestamptz, PG.text],
    [PG.time, PG.date, PG.text],
    // boolean → text
    [PG.boolean, PG.text, PG.text],
    [PG.boolean, PG.bigint, PG.text],
    [PG.boolean, PG.timestamptz, PG.text],
    [PG.numeric, PG.date, PG.text],
    // anything → jsonb
    [PG.text, PG.jsonb, PG.jsonb],
    [PG.bigint, PG.jsonb, PG.jsonb],
    [PG.boolean, PG.jsonb, PG.jsonb],
    [PG.timestamptz, PG.jsonb, PG.jsonb],
    [PG.jsonb, PG.text, PG.jsonb],
    [PG.jsonb, PG.bigint, PG.jsonb],
    // never narrower
    [PG.text, PG.bigint, PG.text],
    [PG.numeric, PG.bigint, PG.numeric],
    [PG.timestamptz, PG.date, PG.timestamptz],
    // types of tables made by others
    ["integer", PG.bigint, PG.bigint],
    ["smallint", PG.numeric, PG.numeric],
    ["double precision", PG.bigint, PG.numeric],
    ["character varying(20)", PG.text, PG.text],
    ["character varying(20)", PG.bigint, PG.text],
    ["timestamp without time zone", PG.timestamptz, PG.timestamptz],
    ["uuid", PG.text, PG.text],
    ["numeric(10,2)", PG.numeric, "numeric(10,2)"],
    ["numeric(10,2)", PG.bigint, "numeric(10,2)"],
    ["uuid[]", PG.text, "uuid[]"],
    ["json", PG.jsonb, "json"],
  ])("%s ⊔ %s = %s", (existing, wanted, expected) => {
    expect(joinTypes(existing, wanted)).toBe(expected);
  });

  it("is commutative and idempotent on our own types", () => {
    const ours = Object.values(PG);
    for (const a of ours)
      for (const b of ours) {
        expect(joinTypes(a, b)).toBe(joinTypes(b, a));
        expect(joinTypes(joinTypes(a, b), b)).toBe(joinTypes(a, b));
      }
  });
});

describe("widening expressions", () => {
  it.each([
    [PG.numeric, '"c"::numeric'],
    [PG.text, '"c"::text'],
    [PG.timestamptz, '"c"::timestamp with time zone'],
    [PG.jsonb, 'to_jsonb("c")'],
  ])("to %s: USING %s", (to, expected) => {
    expect(widenUsing('"c"', to)).toBe(expected);
  });

  it.each([
    ["numeric(10,2)", "numeric"],
    ["timestamp(3) with time zone", "timestamp with time zone"],
    ["character varying(255)", "character varying"],
  ])("baseType(%s) = %s", (type, base) => {
    expect(baseType(type)).toBe(base);
    expect(isKnownType(type)).toBe(true);
  });
});

describe("allowsString (a JSON string is data, not serialised JSON)", () => {
  it.each<[JsonSchema, boolean]>([
    [{ type: "object" }, false],
    [{ type: ["array", "null"] }, false],
    [{ type: ["object", "string"] }, true],
    [{ anyOf: [{ type: "object" }, { type: "string" }] }, true],
    [{}, true],
  ])("%j → %s", (schema, expected) => {
    expect(allowsString(schema)).toBe(expected);
  });
});
