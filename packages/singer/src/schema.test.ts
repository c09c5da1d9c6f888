import { describe, expect, it } from "vitest";
import { InputError } from "./errors.js";
import { compileValidator, valueAt } from "./schema.js";

const schema = {
  type: "object",
  properties: {
    id: { type: "integer" },
    email: { type: ["string", "null"], format: "email" },
    at: { type: "string", format: "date-time" },
    day: { type: "string", format: "date" },
    uid: { type: "string", format: "uuid" },
    kind: { type: "string", enum: ["person", "team"] },
    score: { type: ["integer", "string"] },
    meta: { type: "object", properties: { a: { type: "string" } }, additionalProperties: false },
    owner: { type: "object", properties: { tags: { type: "array", items: { type: "string" } } } },
  },
  required: ["id"],
} as const;

function error(
  record: Record<string, unknown>,
  formats: "strict" | "lenient" = "strict",
): string | undefined {
  const validate = compileValidator(schema, { stream: "users", formats });
  try {
    validate(record as never, 12);
    return undefined;
  } catch (caught) {
    expect(caught).toBeInstanceOf(InputError);
    return (caught as InputError).describe();
  }
}

describe("compileValidator", () => {
  it("accepts a valid record", () => {
    expect(
      error({
        id: 1,
        email: null,
        at: "2024-01-01T00:00:00.123456Z",
        day: "2024-02-29",
        uid: "0b6f0b5c-3a4e-4f7a-9b1d-2f1e4d6c8a90",
      }),
    ).toBeUndefined();
  });

  it.each([
    [{ id: "1" }, 'line 12, stream users, field /id: must be integer, got "1" (string)'],
    [{}, "line 12, stream users, field /id: required property is missing"],
    [
      { id: 1, at: "yesterday" },
      'line 12, stream users, field /at: must match format "date-time", got "yesterday" (string)',
    ],
    [
      { id: 1, day: "2024-02-30" },
      'line 12, stream users, field /day: must match format "date", got "2024-02-30" (string)',
    ],
    [
      { id: 1, uid: "nope" },
      'line 12, stream users, field /uid: must match format "uuid", got "nope" (string)',
    ],
    [
      { id: 1, owner: { tags: ["a", 2] } },
      "line 12, stream users, field /owner/tags/1: must be string, got 2 (number)",
    ],
    [
      { id: 1, kind: "bot" },
      'line 12, stream users, field /kind: must be one of "person", "team", got "bot" (string)',
    ],
    [
      { id: 1, score: true },
      "line 12, stream users, field /score: must be integer or string, got true (boolean)",
    ],
    [
      { id: 1, meta: { a: "x", b: "y" } },
      'line 12, stream users, field /meta: has unknown property "b"',
    ],
  ])("names the stream, field and value for %j", (record, expected) => {
    expect(error(record)).toBe(expected);
  });

  it("accepts date-times without zone or with a space in lenient mode only", () => {
    expect(error({ id: 1, at: "2024-01-01 10:00:00" }, "lenient")).toBeUndefined();
    expect(error({ id: 1, at: "2024-01-01T10:00:00" }, "lenient")).toBeUndefined();
    expect(error({ id: 1, at: "2024-01-01 10:00:00" })).toMatch(/must match format "date-time"/);
    expect(error({ id: 1, at: "2024-13-01 10:00:00" }, "lenient")).toMatch(
      /must match format "date-time"/,
    );
  });

  it("accepts a time without a zone in lenient mode only", () => {
    const times = compileValidator(
      { type: "object", properties: { t: { type: "string", format: "time" } } },
      { stream: "s", formats: "lenient" },
    );
    expect(() => times({ t: "10:00:00" })).not.toThrow();
    expect(() => times({ t: "23:59:59.123+02:00" })).not.toThrow();
    expect(() => times({ t: "25:00:00" })).toThrow(/must match format "time"/);
    const strict = compileValidator(
      { type: "object", properties: { t: { type: "string", format: "time" } } },
      { stream: "s" },
    );
    expect(() => strict({ t: "10:00:00" })).toThrow(/must match format "time"/);
  });

  it("reports an invalid schema as an InputError naming the stream", () => {
    expect(() =>
      compileValidator(
        { type: "object", properties: { a: { type: "nonsense" as never } } },
        { stream: "s" },
      ),
    ).toThrow(/invalid JSON Schema/);
  });
});

describe("valueAt", () => {
  const root = { a: [{ b: 2 }], "c/d": 3 };
  it.each([
    ["", root],
    ["/a/0/b", 2],
    ["/c~1d", 3],
    ["/missing/x", undefined],
  ])("reads %s", (pointer, expected) => {
    expect(valueAt(root, pointer)).toEqual(expected);
  });
});
