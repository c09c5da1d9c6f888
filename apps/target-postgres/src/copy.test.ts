import { describe, expect, it } from "vitest";
import { copyText, encoderFor, NulFoundError, parseJsonContainer, sanitizeJson } from "./copy.js";
import { ExactNumber, type LoadValue, RawJson } from "./exact-json.js";
import { PG } from "./type-mapping.js";

describe("copyText: COPY text-format escaping", () => {
  it.each([
    ["plain", "plain"],
    ["tab\there", "tab\\there"],
    ["new\nline\r\n", "new\\nline\\r\\n"],
    ["back\\slash", "back\\\\slash"],
    ["\\N", "\\\\N"],
    ["unicode ✓ 简单", "unicode ✓ 简单"],
    ["", ""],
  ])("%j → %j", (input, expected) => {
    expect(copyText(input, "replace")).toBe(expected);
  });
});

describe("NUL handling (decisions: NUL)", () => {
  it.each([
    ["a\u0000b", "a\uFFFDb"],
    ["\u0000", "\uFFFD"],
    ["x\u0000\t\u0000", "x\uFFFD\\t\uFFFD"],
  ])("replace: text %j → %j", (input, expected) => {
    expect(copyText(input, "replace")).toBe(expected);
  });

  it("fail: text with NUL throws NulFoundError; text without passes", () => {
    expect(() => copyText("a\u0000b", "fail")).toThrow(NulFoundError);
    expect(copyText("a\tb", "fail")).toBe("a\\tb");
  });

  it.each([
    // a real NUL, as JSON.stringify writes it
    [JSON.stringify({ a: "x\u0000" }), '{"a":"x\\ufffd"}'],
    // NUL in a key, nested in arrays
    [JSON.stringify({ "k\u0000": [["\u0000"]] }), '{"k\\ufffd":[["\\ufffd"]]}'],
    // the six characters \u0000 (escaped backslash) stay as they are
    [JSON.stringify({ a: "\\u0000" }), '{"a":"\\\\u0000"}'],
    // an escaped backslash followed by a real NUL
    [JSON.stringify({ a: "\\\u0000" }), '{"a":"\\\\\\ufffd"}'],
    // lone surrogates (jsonb rejects them) → U+FFFD; a valid pair written as escapes stays
    ['{"a":"\\ud800x"}', '{"a":"\\ufffdx"}'],
    ['{"a":"x\\udc00"}', '{"a":"x\\ufffd"}'],
    ['{"a":"\\ud83d\\ude00"}', '{"a":"\\ud83d\\ude00"}'],
    ['{"a":"\\uD83D\\uDE00"}', '{"a":"\\uD83D\\uDE00"}'],
    // other escapes are fine for jsonb
    [JSON.stringify({ a: "\u0001" }), '{"a":"\\u0001"}'],
  ])("sanitizeJson %s → %s", (json, expected) => {
    expect(sanitizeJson(json, "replace")).toBe(expected);
  });

  it("sanitizeJson fail: only a real \\u0000 throws", () => {
    expect(() => sanitizeJson(JSON.stringify(["\u0000"]), "fail")).toThrow(NulFoundError);
    expect(sanitizeJson(JSON.stringify(["\\u0000"]), "fail")).toBe('["\\\\u0000"]');
    expect(sanitizeJson('"\\ud800"', "fail")).toBe('"\\ufffd"');
  });
});

describe("encoders by column type", () => {
  const encode = (type: string, value: LoadValue, parseJsonStrings = false) => {
    let widen: string | false = false;
    const text = encoderFor(type, {
      nul: "replace",
      parseJsonStrings,
      onWiden: (to) => {
        widen = to;
      },
    })(value, true, false);
    return { text, widen };
  };

  it.each<[string, LoadValue, string, string | false]>([
    [PG.bigint, 42, "42", false],
    [PG.bigint, -9007199254740991, "-9007199254740991", false],
    [PG.bigint, 1.5, "1.5", "numeric"],
    [PG.bigint, 1e20, "100000000000000000000", "numeric"],
    [PG.bigint, new ExactNumber("9007199254740993"), "9007199254740993", false],
    [
      PG.bigint,
      new ExactNumber("123456789012345678901234567890"),
      "123456789012345678901234567890",
      "numeric",
    ],
    [PG.bigint, new ExactNumber("1.00000000000000000001"), "1.00000000000000000001", "numeric"],
    ["integer", 3_000_000_000, "3000000000", "numeric"],
    ["smallint", 40_000, "40000", "numeric"],
    [PG.numeric, 0.1, "0.1", false],
    [PG.numeric, 1e-30, "1e-30", false],
    [
      PG.numeric,
      new ExactNumber("0.1000000000000000055511151231257827"),
      "0.1000000000000000055511151231257827",
      false,
    ],
    [PG.boolean, true, "true", false],
    [PG.boolean, false, "false", false],
    [PG.text, "a\tb", "a\\tb", false],
    [PG.text, 12, "12", false],
    [PG.text, true, "true", false],
    [PG.text, { a: "b\\c" }, '{"a":"b\\\\\\\\c"}', false],
    [PG.text, new ExactNumber("12345678901234567890"), "12345678901234567890", false],
    [PG.timestamptz, "2024-01-01 10:00:00", "2024-01-01 10:00:00", false],
    [PG.timestamptz, "2019-12-18T13:19:44+00:00+00:00", "2019-12-18T13:19:44+00:00", false],
    [PG.timestamptz, "0000-00-00 00:00:00", "0000-00-00 00:00:00", PG.text],
    [PG.timestamptz, 1576675184, "1576675184", PG.text],
    [PG.date, "2024-02-29", "2024-02-29", false],
    [PG.date, "2024-02-29T10:00:00Z", "2024-02-29T10:00:00Z", PG.timestamptz],
    [PG.date, "0000-00-00", "0000-00-00", PG.text],
    [PG.time, "10:00:00", "10:00:00", false],
    [PG.time, "99:00", "99:00", PG.text],
    [PG.bigint, "42", "42", false],
    [PG.bigint, "4.5", "4.5", "numeric"],
    [PG.bigint, "n/a", "n/a", PG.text],
    [PG.bigint, { a: 1 }, '{"a":1}', PG.text],
    [PG.numeric, "1e-3", "1e-3", false],
    [PG.numeric, "NaN", "NaN", PG.text],
    [PG.numeric, [1, 2], "[1,2]", PG.text],
    [PG.boolean, "yes", "yes", PG.text],
    [PG.bytea, "0xA1B2", "\\\\xa1b2", false],
    [PG.bytea, "a1b", "\\\\x0a1b", false],
    [PG.bytea, "", "\\\\x", false],
    [PG.bytea, "0x", "\\\\x", false],
    [PG.bytea, "xyz", "xyz", PG.text],
    [PG.jsonb, { a: [1, "x\ny"] }, '{"a":[1,"x\\\\ny"]}', false],
    [
      PG.jsonb,
      { big: new ExactNumber("123456789012345678901234567890") },
      '{"big":123456789012345678901234567890}',
      false,
    ],
    [PG.jsonb, "plain", '"plain"', false],
    [PG.jsonb, '{"a":1}', '"{\\\\"a\\\\":1}"', false],
    [PG.jsonb, 7, "7", false],
    [PG.jsonb, false, "false", false],
  ])("%s ← %j → %s (widen: %s)", (type, value, text, widen) => {
    expect(encode(type, value)).toEqual({ text, widen });
  });

  it("jsonb with parseJsonStrings loads a string holding JSON as that JSON (COPY-escaped)", () => {
    expect(encode(PG.jsonb, '{"a": "x\\u0000"}\n', true).text).toBe('{"a": "x\\\\ufffd"}\\n');
    expect(encode(PG.jsonb, "not json", true).text).toBe('"not json"');
    expect(encode(PG.jsonb, "[1,", true).text).toBe('"[1,"');
  });

  it("a clean line (no backslash in it) needs no escaping: values pass through", () => {
    const options = {
      nul: "replace",
      parseJsonStrings: true,
      onWiden: () => undefined,
    } as const;
    expect(encoderFor(PG.text, options)("plain", false, true)).toBe("plain");
    expect(encoderFor(PG.jsonb, options)({ a: ["x"] }, false, true)).toBe('{"a":["x"]}');
    expect(encoderFor(PG.jsonb, options)("[1,2]", false, true)).toBe("[1,2]");
  });

  it("parseJsonContainer parses objects and arrays only", () => {
    expect(parseJsonContainer(' {"a":1}')).toEqual({ a: 1 });
    expect(parseJsonContainer("[1]")).toEqual([1]);
    expect(parseJsonContainer('"x"')).toBeUndefined();
    expect(parseJsonContainer("{bad")).toBeUndefined();
  });
});

describe("a value kept as source text (RawJson) in a jsonb column", () => {
  const jsonb = (nul: "replace" | "fail") =>
    encoderFor(PG.jsonb, { nul, parseJsonStrings: false, onWiden: () => undefined });

  it("is written as sent, COPY-escaped even on a clean line (a tab may separate its tokens)", () => {
    const raw = new RawJson('[12345678901234567890,\t"a\\tb", "c\\\\d"]');
    expect(jsonb("replace")(raw, true, true)).toBe(
      '[12345678901234567890,\\t"a\\\\tb", "c\\\\\\\\d"]',
    );
  });

  it("NUL and lone surrogate escapes become U+FFFD as on the tree path; fail throws", () => {
    const raw = new RawJson('[12345678901234567890, "\\u0000", "\\udc00x", "\\ud83d\\ude00"]');
    expect(jsonb("replace")(raw, true, true)).toBe(
      '[12345678901234567890, "\\\\ufffd", "\\\\ufffdx", "\\\\ud83d\\\\ude00"]',
    );
    expect(() => jsonb("fail")(raw, true, true)).toThrow(NulFoundError);
  });

  it.each([PG.text, "json"])("a %s column gets the compact JSON the tree would give", (type) => {
    const text = encoderFor(type, {
      nul: "replace",
      parseJsonStrings: false,
      onWiden: () => undefined,
    });
    expect(text(new RawJson('[ 12345678901234567890 , {"a": "x", "a": "y"} ]'), true, true)).toBe(
      '[12345678901234567890,{"a":"y"}]',
    );
  });
});
