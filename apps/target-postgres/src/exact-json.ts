/**
 * Exact numbers. `JSON.parse` turns every number into a double, which keeps 15–17 significant
 * digits: 123456789012345678901234567890 or 0.1000000000000000055511151231257827 would be
 * stored rounded. Lines that contain a run of 16 or more digits (a cheap regex test; other lines
 * keep the fast native path) are parsed a second time here, keeping the source text of every
 * long number; so are lines with a 3+-digit exponent, keeping numbers a double cannot hold at
 * all (`1e400` is Infinity, `1e-400` zero, `4.9e-324` a subnormal `5e-324`). Validation still uses the `JSON.parse` values; loading uses the source text.
 */

/** A number literal with more significant digits than a double holds, kept as written. */
export class ExactNumber {
  readonly source: string;
  /** The nearest double, for range checks. */
  readonly value: number;

  constructor(source: string) {
    this.source = source;
    this.value = Number(source);
  }
}

/** What a record holds on the way to COPY: JSON values, with ExactNumber for long numbers. */
export type LoadValue = string | number | boolean | null | ExactNumber | LoadValue[] | LoadObject;
export type LoadObject = { [key: string]: LoadValue };

// A number token (after `:`, `,` or `[`, the only places a JSON number can start in an object
// line) with 16+ digits or digits and a dot, or with an exponent of 3+ digits (the only way 15 or
// fewer digits leave the double range). Anchoring on the structural character makes the test
// cheap and keeps hex text out: a uuid's `…-5e092b…` would otherwise look like an exponent and
// send most lines of a uuid-heavy stream through the slow exact parse. A match inside a string
// (`"a:1e100"`) only costs a needless exact parse.
const LONG_NUMBER = /[:,[]\s*-?\d(?:[\d.]{15}|\d*(?:\.\d+)?[eE][+-]?\d{3})/;

/** True when a line may hold a number that `JSON.parse` would round (false positives are fine). */
export function mayHaveLongNumber(text: string): boolean {
  return LONG_NUMBER.test(text);
}

/** The smallest positive normal double: below it a double keeps fewer digits (subnormal). */
const MIN_NORMAL = 2.2250738585072014e-308;

/**
 * True when the double `value` is not the number `source` says: infinite (`1e400`), zero for a
 * non-zero literal (`1e-400`) or subnormal, where fewer digits survive (`4.9e-324` → `5e-324`).
 */
export function outsideDoubles(source: string, value: number): boolean {
  if (!Number.isFinite(value)) return true;
  if (value === 0) return /[1-9]/.test(source.replace(/[eE].*$/, ""));
  return Math.abs(value) < MIN_NORMAL;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const MAX_EXACT_DIGITS = 15;

/**
 * Parses JSON text that `JSON.parse` already accepted, keeping long numbers as ExactNumber
 * (`allNumbers`: every number, so `stringifyExact` writes each one as it was written).
 */
export function parseExact(
  text: string,
  options: { readonly allNumbers?: boolean } = {},
): LoadValue {
  const parser = new ExactParser(text, options.allNumbers === true ? -1 : MAX_EXACT_DIGITS);
  const value = parser.value();
  parser.end();
  return value;
}

class ExactParser {
  readonly #text: string;
  /** Numbers with more significant digits than this are kept as written. */
  readonly #maxDigits: number;
  #at = 0;

  constructor(text: string, maxDigits: number) {
    this.#text = text;
    this.#maxDigits = maxDigits;
  }

  value(): LoadValue {
    this.#space();
    const code = this.#text.charCodeAt(this.#at);
    if (code === 0x7b) return this.#object();
    if (code === 0x5b) return this.#array();
    if (code === 0x22) return this.#string();
    if (this.#text.startsWith("true", this.#at)) return this.#literal(4, true);
    if (this.#text.startsWith("false", this.#at)) return this.#literal(5, false);
    if (this.#text.startsWith("null", this.#at)) return this.#literal(4, null);
    return this.#number();
  }

  end(): void {
    this.#space();
    if (this.#at !== this.#text.length) throw this.#error();
  }

  #object(): LoadObject {
    const out: LoadObject = {};
    this.#at += 1;
    this.#space();
    if (this.#text.charCodeAt(this.#at) === 0x7d) {
      this.#at += 1;
      return out;
    }
    for (;;) {
      this.#space();
      const key = this.#string();
      this.#space();
      this.#expect(0x3a);
      const value = this.value();
      // A key named __proto__ is data, as with JSON.parse, not the prototype.
      Object.defineProperty(out, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.#space();
      if (this.#next() === 0x7d) return out;
    }
  }

  #array(): LoadValue[] {
    const out: LoadValue[] = [];
    this.#at += 1;
    this.#space();
    if (this.#text.charCodeAt(this.#at) === 0x5d) {
      this.#at += 1;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.#space();
      if (this.#next() === 0x5d) return out;
    }
  }

  #string(): string {
    const start = this.#at;
    if (this.#text.charCodeAt(start) !== 0x22) throw this.#error();
    let end = start + 1;
    for (;;) {
      end = this.#text.indexOf('"', end);
      if (end === -1) throw this.#error();
      let slashes = 0;
      while (this.#text.charCodeAt(end - 1 - slashes) === 0x5c) slashes += 1;
      if (slashes % 2 === 0) break;
      end += 1;
    }
    this.#at = end + 1;
    return JSON.parse(this.#text.slice(start, end + 1)) as string; // a JSON string literal
  }

  #number(): number | ExactNumber {
    NUMBER.lastIndex = this.#at;
    const match = NUMBER.exec(this.#text);
    if (match === null) throw this.#error();
    const source = match[0];
    this.#at += source.length;
    const mantissa = source.replace(/[eE].*$/, "");
    let digits = 0;
    for (let i = 0; i < mantissa.length; i += 1) {
      const code = mantissa.charCodeAt(i);
      if (code >= 0x30 && code <= 0x39) digits += 1;
    }
    if (digits > this.#maxDigits) return new ExactNumber(source);
    const value = Number(source);
    return outsideDoubles(source, value) ? new ExactNumber(source) : value;
  }

  #literal<T>(length: number, value: T): T {
    this.#at += length;
    return value;
  }

  #expect(code: number): void {
    if (this.#text.charCodeAt(this.#at) !== code) throw this.#error();
    this.#at += 1;
  }

  /** Consumes `,` (and returns it) or the closing bracket. */
  #next(): number {
    const code = this.#text.charCodeAt(this.#at);
    this.#at += 1;
    if (code !== 0x2c && code !== 0x7d && code !== 0x5d) throw this.#error();
    return code;
  }

  #space(): void {
    for (;;) {
      const code = this.#text.charCodeAt(this.#at);
      if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return;
      this.#at += 1;
    }
  }

  #error(): SyntaxError {
    return new SyntaxError(`unexpected JSON at position ${this.#at}`);
  }
}

/** JSON text of a value, writing ExactNumber as its source digits. */
export function stringifyExact(value: LoadValue): string {
  if (value instanceof ExactNumber) return value.source;
  if (Array.isArray(value)) return `[${value.map((item) => stringifyExact(item)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const parts: string[] = [];
    for (const [key, item] of Object.entries(value)) {
      parts.push(`${JSON.stringify(key)}:${stringifyExact(item)}`);
    }
    return `{${parts.join(",")}}`;
  }
  return JSON.stringify(value);
}
