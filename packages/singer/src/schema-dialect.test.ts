import { describe, expect, it } from "vitest";
import { InputError } from "./errors.js";
import { compileSchemaCheck, compileValidator, type JsonSchema } from "./schema.js";
import { normalizeSchema } from "./schema-dialect.js";

const formats = new Set(["date-time", "date"]);

/** A numeric(28,10) column as PipelineWise tap-postgres describes it (draft-04 style). */
const draft4Numeric: JsonSchema = {
  type: ["null", "number"],
  exclusiveMaximum: true,
  maximum: 1e28,
  exclusiveMinimum: true,
  minimum: -1e28,
  multipleOf: 1e-10,
};

function failure(run: () => void): string | undefined {
  try {
    run();
    return undefined;
  } catch (caught) {
    expect(caught).toBeInstanceOf(InputError);
    return (caught as InputError).describe();
  }
}

describe("normalizeSchema", () => {
  it("turns draft-04 boolean exclusive bounds into the numeric form", () => {
    const { schema } = normalizeSchema(draft4Numeric, { formats });
    expect(schema).toEqual({
      type: ["null", "number"],
      exclusiveMaximum: 1e28,
      exclusiveMinimum: -1e28,
      multipleOf: 1e-10,
    });
    const inclusive = normalizeSchema({ maximum: 5, exclusiveMaximum: false }, { formats });
    expect(inclusive.schema).toEqual({ maximum: 5 });
  });

  it("drops $schema, id and $id and rewrites 2020-12 prefixItems as the tuple form", () => {
    const { schema, ignored } = normalizeSchema(
      {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        $id: "https://example.com/s",
        properties: { pair: { id: "pair", prefixItems: [{ type: "string" }], items: false } },
      },
      { formats },
    );
    expect(schema).toEqual({
      properties: { pair: { items: [{ type: "string" }], additionalItems: false } },
    });
    expect(ignored).toEqual([]);
  });

  it("reports unknown keywords and formats once each, but not taps' annotations", () => {
    const { schema, ignored } = normalizeSchema(
      {
        type: "object",
        inclusion: "available",
        "x-sql-datatype": "numeric",
        properties: {
          a: { type: "string", format: "integer", tsType: "string" },
          b: { type: "string", format: "integer" },
          c: { type: "string", format: "date-time" },
        },
      },
      { formats },
    );
    expect(ignored).toEqual(['format "integer"', 'keyword "tsType"']);
    expect(schema.properties).toEqual({
      a: { type: "string", tsType: "string" },
      b: { type: "string" },
      c: { type: "string", format: "date-time" },
    });
  });

  it("with maxDepth, keeps the checks of the top-level values and drops what is inside them", () => {
    const { schema } = normalizeSchema(
      {
        type: "object",
        properties: {
          tags: { type: ["array", "null"], items: { type: "string", maxLength: 3 } },
          n: { anyOf: [{ type: "object", properties: { x: { type: "integer" } } }] },
        },
      },
      { formats, maxDepth: 1 },
    );
    expect(schema.properties).toEqual({
      tags: { type: ["array", "null"] },
      n: { anyOf: [{ type: "object" }] },
    });
  });
});

describe("dialects through the validator", () => {
  it("validates a draft-04 numeric column: inside the bounds passes, on the bound fails", () => {
    const validate = compileValidator(
      { type: "object", properties: { amount: draft4Numeric } },
      { stream: "public-orders" },
    );
    expect(failure(() => validate({ amount: 12.5 }, 3))).toBeUndefined();
    expect(failure(() => validate({ amount: 1e28 }, 4))).toBe(
      "line 4, stream public-orders, field /amount: must be < 1e+28, got 1e+28 (number)",
    );
  });

  it("resolves draft-04 definitions, 2019-09 $defs and dependentRequired; tells what it ignored", () => {
    const told: string[] = [];
    const validate = compileValidator(
      {
        $schema: "http://json-schema.org/draft-04/schema#",
        id: "orders",
        type: "object",
        definitions: { money: { type: "number", minimum: 0 } },
        $defs: { code: { type: "string", maxLength: 3, format: "currency" } },
        properties: { total: { $ref: "#/definitions/money" }, currency: { $ref: "#/$defs/code" } },
        dependentRequired: { total: ["currency"] },
      },
      { stream: "orders", onIgnored: (ignored) => told.push(...ignored) },
    );
    expect(told).toEqual(['format "currency"']);
    expect(failure(() => validate({ total: 1, currency: "EUR" }, 1))).toBeUndefined();
    expect(failure(() => validate({ total: -1, currency: "EUR" }, 2))).toContain(
      "field /total: must be >= 0",
    );
    expect(failure(() => validate({ total: 1, currency: "EURO" }, 3))).toContain(
      "field /currency: must NOT have more than 3 characters",
    );
    expect(failure(() => validate({ total: 1 }, 4))).toContain("must have property currency");
  });

  it("compiles the same schema (with an $id) twice, as taps re-send SCHEMA", () => {
    const schema: JsonSchema = { $id: "https://example.com/s", type: "object", properties: {} };
    compileValidator(schema, { stream: "s" });
    expect(() => compileValidator(schema, { stream: "s" })).not.toThrow();
  });
});

describe("compileSchemaCheck", () => {
  it("lists one issue per field, every field", () => {
    const check = compileSchemaCheck(
      {
        type: "object",
        properties: {
          code: { type: "string", maxLength: 2 },
          n: { type: "integer", maximum: 5 },
          at: { type: "string", format: "date-time" },
        },
        required: ["code"],
      },
      { stream: "s", formats: "lenient" },
    );
    expect(check({ code: "ab", n: 1 })).toEqual([]);
    expect(check({ code: "abc", n: 6, at: "never" })).toEqual([
      {
        field: "/code",
        keyword: "maxLength",
        message: 'must NOT have more than 2 characters, got "abc" (string)',
      },
      { field: "/n", keyword: "maximum", message: "must be <= 5, got 6 (number)" },
      {
        field: "/at",
        keyword: "format",
        message: 'must match format "date-time", got "never" (string)',
      },
    ]);
    expect(check({})).toEqual([
      { field: "/code", keyword: "required", message: "required property is missing" },
    ]);
  });
});
