import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseExpression } from "./expression.js";
import { evaluate, type Scope } from "./expression-eval.js";
import { ExpressionEvalError } from "./expression-functions.js";
import { ExpressionSyntaxError } from "./expression-tokens.js";
import type { JsonObject, JsonValue } from "./json.js";

const record: JsonObject = {
  id: 7,
  email: "Ada@Example.com",
  name: "Ada Lovelace",
  price: 2.5,
  qty: 4,
  tags: ["a", "b"],
  owner: { email: "o@x.io" },
  missing: null,
};
const scope: Scope = { record, config: { seed: "s3" }, self: "old", stream: "users" };
const run = (text: string) => evaluate(parseExpression(text), scope);

describe("expressions", () => {
  it.each<[string, JsonValue]>([
    ["email.lower()", "ada@example.com"],
    ["email.split('@')[-1]", "Example.com"],
    ["record['email'].upper()", "ADA@EXAMPLE.COM"],
    ["_['id'] + 1", 8],
    ["price * qty", 10],
    ["qty / 8", 0.5],
    ["7 // 2", 3],
    ["-7 % 3", 2],
    ["1 + 2 * 3", 7],
    ["(1 + 2) * 3", 9],
    ["qty > 3 and price < 3", true],
    ["not qty == 4", false],
    ["'b' in tags", true],
    ["'zz' not in email", true],
    ["missing or name", "Ada Lovelace"],
    ["'big' if qty > 3 else 'small'", "big"],
    ["owner.email", "o@x.io"],
    ["owner['email'].endswith('.io')", true],
    ["md5('abc')", "900150983cd24fb0d6963f7d28e17f72"],
    ["sha256('abc')", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
    ["md5(config['seed'] + email)", "e81f912c031a35ce4752aa8a4f34c89b"],
    ["md5(missing)", null],
    ["missing + 1", null],
    ["missing.lower()", null],
    ["str(id)", "7"],
    ["int('42')", 42],
    ["float('2.5')", 2.5],
    ["bool('')", false],
    ["len(tags)", 2],
    ["coalesce(missing, 'x')", "x"],
    ["datetime('2026-01-02')", "2026-01-02T00:00:00.000Z"],
    ["datetime('2026-01-02T03:04:05+02:00')", "2026-01-02T01:04:05.000Z"],
    ["datetime(0)", "1970-01-01T00:00:00.000Z"],
    ["self", "old"],
    ["__stream_name__", "users"],
    ["None", null],
    ["True and false", false],
    ["'-'.join(tags)", "a-b"],
    ['"it\'s"', "it's"],
    ["[1, 2][1]", 2],
    ["round(2.345, 2)", 2.35],
  ])("%s", (text, expected) => {
    expect(run(text)).toEqual(expected);
  });

  it.each([
    ["md5(email", 'expected ")", found end of expression at column 10'],
    ["email +", "expression ends too early at column 8"],
    ["a b", 'unexpected "b" at column 3'],
    ["'open", "string is not closed at column 1"],
    ["x = 1", 'unexpected character "=" at column 3'],
    ["", "empty expression at column 1"],
    ["a if b", 'expected "else", found end of expression at column 7'],
  ])("syntax error: %s", (text, message) => {
    expect(() => parseExpression(text)).toThrow(ExpressionSyntaxError);
    expect(() => parseExpression(text)).toThrow(message);
  });

  it.each([
    ["email + 1", "cannot apply + to a string and a number at column 1"],
    ["email.constructor()", "a string has no method constructor() at column 1"],
    ["record.__proto__", null],
    ["constructor", null],
    ["toString", null],
    ["qty / 0", "division by zero at column 1"],
    ["eval('1')", "unknown function eval() at column 1"],
    ["datetime('soon')", 'datetime() cannot read "soon" at column 1'],
  ])("cannot escape or misbehave: %s", (text, message) => {
    if (message === null) expect(run(text)).toBeNull();
    else expect(() => run(text)).toThrow(message);
  });
});

function isJsonData(value: unknown): boolean {
  if (value === null || ["string", "number", "boolean"].includes(typeof value)) return true;
  if (Array.isArray(value)) return value.every(isJsonData);
  if (typeof value !== "object") return false; // undefined, a function, a symbol, a bigint
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false; // a plain object only
  return Object.values(value).every(isJsonData);
}

describe("any text, any record (property-based)", () => {
  const pieces = fc.constantFrom(
    "email",
    "record",
    "_",
    "config",
    "self",
    "constructor",
    "__proto__",
    "md5",
    "int",
    "lower",
    "(",
    ")",
    "[",
    "]",
    ".",
    ",",
    "'a'",
    '"b"',
    "1",
    "2.5",
    "-",
    "+",
    "*",
    "/",
    "//",
    "%",
    "==",
    "<",
    "not",
    "and",
    "or",
    "in",
    "if",
    "else",
    "None",
    " ",
    "'@'",
    "split",
    "x",
  );
  const texts = fc.oneof(
    fc.string(),
    fc.array(pieces, { maxLength: 12 }).map((parts) => parts.join("")),
  );
  const values = fc.jsonValue() as fc.Arbitrary<JsonValue>;

  it("parses or fails with a syntax error; evaluates or fails with an evaluation error", () => {
    fc.assert(
      fc.property(
        texts,
        fc.dictionary(fc.constantFrom("email", "x", "self"), values),
        (text, fields) => {
          let expr: ReturnType<typeof parseExpression>;
          try {
            expr = parseExpression(text);
          } catch (error) {
            expect(error).toBeInstanceOf(ExpressionSyntaxError);
            return;
          }
          try {
            const value = evaluate(expr, { record: fields, config: {}, self: null, stream: "s" });
            // Always JSON data: never undefined, a function or another JavaScript object's member.
            expect(isJsonData(value)).toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(ExpressionEvalError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
