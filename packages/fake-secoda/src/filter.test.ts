import { describe, expect, it } from "vitest";
import {
  compareValues,
  type FilterNode,
  matches,
  parseFilter,
  parseSort,
  QueryError,
  renameFields,
} from "./filter.js";
import type { JsonObject } from "./json.js";

const record: JsonObject = {
  title: "Customer_Orders",
  native_type: "view",
  description: null,
  tags: ["t1", "t2"],
  owners: [],
  rows: 5,
};
const get = (field: string) => record[field] ?? null;
const node = (value: unknown) => parseFilter(JSON.stringify(value));

describe("matches", () => {
  it.each([
    [{ operator: "exact", field: "title", value: "Customer_Orders" }, true],
    [{ operator: "exact", field: "title", value: "customer_orders" }, false],
    [{ operator: "contains", field: "title", value: "ORDERS" }, true],
    [{ operator: "contains", field: "title", value: "refunds" }, false],
    [{ operator: "in", field: "native_type", value: ["table", "view"] }, true],
    [{ operator: "in", field: "native_type", value: ["table"] }, false],
    [{ operator: "exact", field: "tags", value: "t2" }, true],
    [{ operator: "in", field: "tags", value: ["t9", "t1"] }, true],
    [{ operator: "contains", field: "tags", value: "T1" }, true],
    [{ operator: "is_set", field: "description", value: null }, false],
    [{ operator: "is_set", field: "owners", value: null }, false],
    [{ operator: "is_set", field: "tags", value: null }, true],
    [{ operator: "is_set", field: "missing", value: null }, false],
    [{ operator: "exact", field: "description", value: null }, true],
    [{ operator: "exact", field: "rows", value: 5 }, true],
    [
      {
        operator: "and",
        operands: [
          { operator: "contains", field: "title", value: "customer" },
          { operator: "in", field: "native_type", value: ["table", "view"] },
        ],
      },
      true,
    ],
    [
      {
        operator: "or",
        operands: [
          { operator: "exact", field: "title", value: "x" },
          { operator: "exact", field: "rows", value: 5 },
        ],
      },
      true,
    ],
    [{ operator: "not", operands: [{ operator: "exact", field: "rows", value: 5 }] }, false],
    [{ operator: "not", operands: [{ operator: "exact", field: "rows", value: 6 }] }, true],
    [{ operator: "and", operands: [] }, true],
    [{ operator: "or", operands: [] }, false],
  ])("%j → %s", (filter, expected) => {
    expect(matches(node(filter), get)).toBe(expected);
  });

  it("the internal since operator compares ISO timestamps", () => {
    const since: FilterNode = {
      operator: "since",
      field: "at",
      value: "2026-01-01T00:00:00.000000Z",
    };
    expect(matches(since, () => "2026-01-01T00:00:00.000001Z")).toBe(true);
    expect(matches(since, () => "2025-12-31T23:59:59.999999Z")).toBe(false);
  });
});

describe("parseFilter errors", () => {
  it.each([
    ["{", "filter is not valid JSON"],
    ["[]", "filter must be an object"],
    ['{"operator":"gt","field":"x","value":1}', "filter.operator must be one of"],
    ['{"operator":"since","field":"x","value":"2020"}', "filter.operator must be one of"],
    ['{"operator":"exact","value":1}', "filter.field must be a string"],
    ['{"operator":"in","field":"x","value":"a"}', 'filter.value must be a list for "in"'],
    ['{"operator":"and","operands":{}}', "filter.operands must be a list"],
    [
      '{"operator":"and","operands":[{"operator":"exact"}]}',
      "filter.operands[0].field must be a string",
    ],
  ])("%s → %s", (text, message) => {
    expect(() => parseFilter(text)).toThrow(QueryError);
    expect(() => parseFilter(text)).toThrow(message);
  });
});

describe("parseSort", () => {
  it("flattens the tie_breaker chain and defaults order to asc", () => {
    const text = JSON.stringify({
      field: "updated_at",
      order: "desc",
      tie_breaker: { field: "title", tie_breaker: { field: "id", order: "desc" } },
    });
    expect(parseSort(text)).toEqual([
      { field: "updated_at", order: "desc" },
      { field: "title", order: "asc" },
      { field: "id", order: "desc" },
    ]);
  });

  it.each([
    ['{"order":"asc"}', 'sort must be an object with a string "field"'],
    ['{"field":"x","order":"up"}', "sort.order must be asc or desc"],
    ['{"field":"x","tie_breaker":3}', "sort.tie_breaker must be an object"],
  ])("%s → %s", (text, message) => {
    expect(() => parseSort(text)).toThrow(message);
  });
});

describe("renameFields", () => {
  it("renames fields in nested nodes", () => {
    const renamed = renameFields(
      node({ operator: "not", operands: [{ operator: "exact", field: "type", value: "table" }] }),
      (field) => (field === "type" ? "entity_type" : field),
    );
    expect(renamed).toEqual({
      operator: "not",
      operands: [{ operator: "exact", field: "entity_type", value: "table" }],
    });
  });
});

describe("compareValues", () => {
  it.each([
    [1, 2, -1],
    ["b", "a", 1],
    [null, "a", 1],
    ["a", null, -1],
    [null, null, 0],
    [true, false, 1],
  ])("%j vs %j → sign %i", (a, b, sign) => {
    expect(Math.sign(compareValues(a, b))).toBe(sign);
  });
});
