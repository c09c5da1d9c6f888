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

/**
 * An array or object holding long numbers, kept as its JSON source text (a slice of the line, so
 * no copy): a jsonb column loads the text as it is, where one ExactNumber per number made a 60 MB
 * array of 19-digit numbers cost 850 MB. What needs its structure (flattening, a column that is
 * not jsonb) parses it with `expandRaw` / `stringifyExact`.
 */
export class RawJson {
  readonly source: string;

  constructor(source: string) {
    this.source = source;
  }
}

/** What a record holds on the way to COPY: JSON values, with ExactNumber for long numbers. */
export type LoadValue =
  | string
  | number
  | boolean
  | null
  | ExactNumber
  | RawJson
  | LoadValue[]
  | LoadObject;
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

export interface ParseOptions {
  /** Every number as ExactNumber, so `stringifyExact` writes each one as it was written. */
  readonly allNumbers?: boolean;
  /**
   * Arrays and objects this deep or deeper (the top value is depth 0) that hold a long number
   * become RawJson instead of a tree: 2 for a RECORD line (envelope, record, its properties), 1
   * for a bare record. Unset: never.
   */
  readonly rawDepth?: number;
}

/** Parses JSON text that `JSON.parse` already accepted, keeping long numbers as ExactNumber. */
export function parseExact(text: string, options: ParseOptions = {}): LoadValue {
  const parser = new ExactParser(
    text,
    options.allNumbers === true ? -1 : MAX_EXACT_DIGITS,
    options.rawDepth ?? Number.POSITIVE_INFINITY,
  );
  const value = parser.value();
  parser.end();
  return value;
}

/** A RawJson value as a tree (its own long-number children raw again), anything else as is. */
export function expandRaw(value: LoadValue | undefined): LoadValue | undefined {
  return value instanceof RawJson ? parseExact(value.source, { rawDepth: 1 }) : value;
}

/** Digits before the exponent of the number literal `text[from, to)`. */
function mantissaDigits(text: string, from: number, to: number): number {
  let digits = 0;
  for (let i = from; i < to; i += 1) {
    const code = text.charCodeAt(i);
    if (code >= 0x30 && code <= 0x39) digits += 1;
    else if (code === 0x65 || code === 0x45) break; // e, E
  }
  return digits;
}

/** True when the number literal `text[from, to)` must be kept as written. */
function isLongNumber(text: string, from: number, to: number, maxDigits: number): boolean {
  if (mantissaDigits(text, from, to) > maxDigits) return true;
  // Without an exponent, 15 digits or fewer always fit a double; only check the others.
  let exponent = false;
  for (let i = from; i < to && !exponent; i += 1) {
    const code = text.charCodeAt(i);
    exponent = code === 0x65 || code === 0x45;
  }
  if (!exponent) return false;
  const source = text.slice(from, to);
  return outsideDoubles(source, Number(source));
}

/** The end of the number literal starting at `from` (JSON.parse has checked it). */
function numberEnd(text: string, from: number): number {
  let i = from + 1;
  for (;;) {
    const code = text.charCodeAt(i);
    // digits . + - e E
    if ((code >= 0x30 && code <= 0x39) || code === 0x2e || code === 0x2b || code === 0x2d) i += 1;
    else if (code === 0x65 || code === 0x45) i += 1;
    else return i;
  }
}

/** The index after the closing quote of the string literal that opens at `from`, or -1. */
function stringEnd(text: string, from: number): number {
  let end = from + 1;
  for (;;) {
    end = text.indexOf('"', end);
    if (end === -1) return -1;
    let slashes = 0;
    while (text.charCodeAt(end - 1 - slashes) === 0x5c) slashes += 1;
    if (slashes % 2 === 0) return end + 1;
    end += 1;
  }
}

/**
 * The array or object opening at `from`: the index after its closing bracket (-1 if the text
 * ends first) and whether a long number is inside. Reads without building anything, so a huge
 * value costs no memory to classify.
 */
function scanContainer(text: string, from: number): { end: number; long: boolean } {
  let depth = 0;
  let long = false;
  let i = from;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === 0x22) {
      i = stringEnd(text, i);
      if (i === -1) break;
      continue;
    }
    if (code === 0x2d || (code >= 0x30 && code <= 0x39)) {
      const end = numberEnd(text, i);
      if (!long) long = isLongNumber(text, i, end, MAX_EXACT_DIGITS);
      i = end;
      continue;
    }
    if (code === 0x5b || code === 0x7b) depth += 1;
    else if ((code === 0x5d || code === 0x7d) && --depth === 0) return { end: i + 1, long };
    i += 1;
  }
  return { end: -1, long };
}

class ExactParser {
  readonly #text: string;
  /** Numbers with more significant digits than this are kept as written. */
  readonly #maxDigits: number;
  /** See ParseOptions.rawDepth; infinite inside a value already found to hold no long number. */
  #rawDepth: number;
  #depth = 0;
  #at = 0;

  constructor(text: string, maxDigits: number, rawDepth: number) {
    this.#text = text;
    this.#maxDigits = maxDigits;
    this.#rawDepth = rawDepth;
  }

  value(): LoadValue {
    this.#space();
    const code = this.#text.charCodeAt(this.#at);
    if (code === 0x7b || code === 0x5b) {
      if (this.#depth >= this.#rawDepth) return this.#rawOrTree(code);
      return this.#container(code);
    }
    if (code === 0x22) return this.#string();
    if (this.#text.startsWith("true", this.#at)) return this.#literal(4, true);
    if (this.#text.startsWith("false", this.#at)) return this.#literal(5, false);
    if (this.#text.startsWith("null", this.#at)) return this.#literal(4, null);
    return this.#number();
  }

  /** A container at rawDepth: its source text when it holds a long number, else its tree. */
  #rawOrTree(code: number): LoadValue {
    const start = this.#at;
    const { end, long } = scanContainer(this.#text, start);
    if (end === -1) throw this.#error();
    if (long) {
      this.#at = end;
      return new RawJson(this.#text.slice(start, end));
    }
    // No long number inside: nothing below is raw, and nothing below is scanned again.
    const rawDepth = this.#rawDepth;
    this.#rawDepth = Number.POSITIVE_INFINITY;
    const value = this.#container(code);
    this.#rawDepth = rawDepth;
    return value;
  }

  #container(code: number): LoadValue {
    this.#depth += 1;
    const value = code === 0x7b ? this.#object() : this.#array();
    this.#depth -= 1;
    return value;
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
    const end = stringEnd(this.#text, start);
    if (end === -1) throw this.#error();
    this.#at = end;
    return JSON.parse(this.#text.slice(start, end)) as string; // a JSON string literal
  }

  #number(): number | ExactNumber {
    NUMBER.lastIndex = this.#at;
    const match = NUMBER.exec(this.#text);
    if (match === null) throw this.#error();
    const source = match[0];
    const start = this.#at;
    this.#at += source.length;
    return isLongNumber(this.#text, start, this.#at, this.#maxDigits)
      ? new ExactNumber(source)
      : Number(source);
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

/** JSON text of a value, writing ExactNumber as its source digits (RawJson compacted, as a tree
 * would be written). */
export function stringifyExact(value: LoadValue): string {
  if (value instanceof ExactNumber) return value.source;
  if (value instanceof RawJson) return stringifyExact(parseExact(value.source));
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
