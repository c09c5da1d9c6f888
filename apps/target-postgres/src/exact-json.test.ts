import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ExactNumber,
  expandRaw,
  type LoadValue,
  mayHaveLongNumber,
  outsideDoubles,
  parseExact,
  RawJson,
  stringifyExact,
} from "./exact-json.js";

/** Replaces ExactNumbers by their double, to compare with JSON.parse. */
function lossy(value: LoadValue): unknown {
  if (value instanceof ExactNumber) return value.value;
  if (Array.isArray(value)) return value.map(lossy);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, lossy(v)]));
  return value;
}

describe("exact numbers (decisions: Exact numbers)", () => {
  it.each([
    ['{"n":123456789012345678901234567890}', "123456789012345678901234567890"],
    ['{"n":0.1000000000000000055511151231257827}', "0.1000000000000000055511151231257827"],
    ['{"n":-98765432109876543210.0123456789}', "-98765432109876543210.0123456789"],
    ['{"n":1.2345678901234567e+300}', "1.2345678901234567e+300"],
    ['{"n":9007199254740993}', "9007199254740993"],
  ])("keeps %s exact", (text, source) => {
    const parsed = parseExact(text) as { n: LoadValue };
    expect(parsed.n).toBeInstanceOf(ExactNumber);
    expect((parsed.n as ExactNumber).source).toBe(source);
    expect(stringifyExact(parsed as LoadValue)).toBe(text);
  });

  it.each(['{"n":123456789012345}', '{"n":0.5}', '{"n":1e300}', '{"n":-0}'])(
    "leaves %s a plain number (15 digits or fewer round-trip through a double)",
    (text) => {
      expect(parseExact(text)).toEqual(JSON.parse(text));
    },
  );

  it("parses nested values, escapes, whitespace and __proto__ keys like JSON.parse", () => {
    const text =
      ' { "a" : [ 1 , { "b\\"c" : "x\\u0000\\n\\ud83d\\ude00" } , true , false , null ] , "__proto__" : {"p": 1}, "": [] } ';
    const parsed = parseExact(text);
    expect(parsed).toEqual(JSON.parse(text));
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed as object)).toEqual(["a", "__proto__", ""]);
  });

  it("agrees with JSON.parse on any JSON (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        expect(lossy(parseExact(text))).toEqual(JSON.parse(text));
        expect(JSON.parse(stringifyExact(parseExact(text)))).toEqual(JSON.parse(text));
      }),
    );
  });

  it.each([
    ['{"record":{"n":1234567890123456}}', true],
    ['{"record":{"n":[0.1234567890123456]}}', true],
    ['{"record":{"n":-1234567.123456789}}', true],
    ['{"record":{"n":123456789012345,"t":"2024-01-01T00:00:00.123456Z"}}', false],
    ['{"record":{"id":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}}', false],
    // Hex digits around an `e` inside a string are not an exponent (a uuid-heavy stream).
    ['{"record":{"id":"e3ed7e2e-45df-4a5e-8cdf-5e092b7b9cb8","h":"1e400"}}', false],
    ['{"record":{"n": -12.5E+400}}', true],
    ['{"record":{"n":[1,\t2e-300]}}', true],
  ])("mayHaveLongNumber(%s) = %s", (text, expected) => {
    expect(mayHaveLongNumber(text)).toBe(expected);
  });

  it("every number with more than 15 significant digits is flagged (property)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }),
        fc.nat({ max: 40 }),
        (digits, scale) => {
          const abs = (digits < 0n ? -digits : digits).toString().padStart(scale + 1, "0");
          const unsigned = scale === 0 ? abs : `${abs.slice(0, -scale)}.${abs.slice(-scale)}`;
          const text = `${digits < 0n ? "-" : ""}${unsigned}`;
          const line = `{"record":{"n":${text}}}`;
          const significant = text.replace("-", "").replace(".", "").replace(/^0+/, "").length;
          if (significant > 15) expect(mayHaveLongNumber(line)).toBe(true);
        },
      ),
    );
  });

  it.each(["1e400", "-1e999", "1e-400", "4.9e-324", "1E+400", "0.5e-320", "-2.5e-400"])(
    "keeps %s, which a double cannot hold (infinite, zero or subnormal), as written",
    (source) => {
      const text = `{"record":{"n":${source},"j":[${source}]}}`;
      expect(mayHaveLongNumber(text)).toBe(true);
      const parsed = parseExact(text) as { record: { n: LoadValue } };
      expect(parsed.record.n).toBeInstanceOf(ExactNumber);
      expect(stringifyExact(parsed as LoadValue)).toBe(text);
    },
  );

  it("a short number is left a double only when the double is the number (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(10 ** 15) + 1, max: 10 ** 15 - 1 }),
        fc.integer({ min: -999, max: 999 }),
        (mantissa, exponent) => {
          const source = `${mantissa}e${exponent}`;
          const text = `{"record":{"n":${source}}}`;
          const value = (parseExact(text) as { record: { n: LoadValue } }).record.n;
          if (outsideDoubles(source, Number(source))) {
            expect(mayHaveLongNumber(text)).toBe(true);
            expect(value).toBeInstanceOf(ExactNumber);
          } else {
            expect(value).toBe(Number(source));
          }
        },
      ),
    );
  });
});

/** A long number in a generated value, written as its digits. */
class Digits {
  readonly digits: bigint;
  constructor(digits: bigint) {
    this.digits = digits;
  }
}

describe("values holding long numbers kept as source text (decisions: Exact numbers)", () => {
  const record = (text: string) =>
    (parseExact(text, { rawDepth: 2 }) as { record: Record<string, LoadValue> }).record;

  it("a property's array or object with a long number is its exact slice of the line", () => {
    const j = '[ 1234567890123456789 ,\t{"a": [12345678901234567890, "x"]}, 1 ]';
    const o = '{"k": 1, "k": 98765432109876543210, "s": "]}\\"[{"}';
    const got = record(
      `{"type":"RECORD","record":{"id":1,"j":${j},"o":${o},"n":12345678901234567}}`,
    );
    expect(got.j).toEqual(new RawJson(j));
    expect(got.o).toEqual(new RawJson(o)); // duplicate keys and spacing as sent: jsonb decides
    expect(got.n).toEqual(new ExactNumber("12345678901234567"));
    expect(got.id).toBe(1);
  });

  it("a value without long numbers is a tree, and nothing in it is raw", () => {
    const got = record('{"record":{"a":[1,{"b":[2.5,"12345678901234567890"]}],"c":{"d":1e400}}}');
    expect(got.a).toEqual([1, { b: [2.5, "12345678901234567890"] }]);
    expect(got.c).toEqual(new RawJson('{"d":1e400}')); // a 3-digit exponent is long too
  });

  it("the record and the envelope stay trees (rawDepth), and a bare record's properties are raw at 1", () => {
    const line = '{"record":{"j":[12345678901234567890]}}';
    expect(parseExact(line, { rawDepth: 2 })).toEqual({
      record: { j: new RawJson("[12345678901234567890]") },
    });
    expect(parseExact('{"j":[12345678901234567890]}', { rawDepth: 1 })).toEqual({
      j: new RawJson("[12345678901234567890]"),
    });
    expect(parseExact(line)).toEqual({
      record: { j: [new ExactNumber("12345678901234567890")] },
    });
  });

  it("stringifyExact writes a raw value as the tree would be written (compact)", () => {
    const raw = new RawJson('[ 12345678901234567890 , { "a" : "t\\u0041" } ]');
    expect(stringifyExact(raw)).toBe('[12345678901234567890,{"a":"tA"}]');
  });

  it("expandRaw: a raw object becomes a tree whose long-number children are raw again", () => {
    const raw = new RawJson('{"a":12345678901234567890,"b":{"c":[12345678901234567891]},"d":[1]}');
    expect(expandRaw(raw)).toEqual({
      a: new ExactNumber("12345678901234567890"),
      b: new RawJson('{"c":[12345678901234567891]}'),
      d: [1],
    });
    expect(expandRaw([1])).toEqual([1]);
  });

  it("loses nothing: raw or not, the same JSON text comes out (property)", () => {
    const long = fc.bigInt({ min: 10n ** 16n, max: 10n ** 30n }).map((n) => new Digits(n));
    const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small" },
        fc.jsonValue({ maxDepth: 1 }),
        long,
        fc.array(tie("node"), { maxLength: 4 }),
        fc.dictionary(fc.string({ maxLength: 4 }), tie("node"), { maxKeys: 4 }),
      ),
    })).node;
    const write = (v: unknown): string => {
      if (v instanceof Digits) return v.digits.toString();
      if (Array.isArray(v)) return `[${v.map(write).join(", ")}]`;
      if (v !== null && typeof v === "object")
        return `{${Object.entries(v)
          .map(([k, x]) => `${JSON.stringify(k)}: ${write(x)}`)
          .join(", ")}}`;
      return JSON.stringify(v);
    };
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 4 }), value, { maxKeys: 4 }), (rec) => {
        const text = `{"record": ${write(rec)}}`;
        expect(stringifyExact(parseExact(text, { rawDepth: 2 }))).toBe(
          stringifyExact(parseExact(text)),
        );
      }),
    );
  });
});
