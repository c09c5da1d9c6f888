import { ExactNumber, type LoadValue, RawJson, stringifyExact } from "./exact-json.js";
import { dateText, timestampText, timeText } from "./timestamps.js";
import { baseType, PG } from "./type-mapping.js";

/**
 * Values → COPY text format (tab-separated, `\N` for NULL, backslash escapes), written straight
 * from the record without an intermediate row object. Also the one place that handles NUL
 * (U+0000): Postgres text cannot store it, and jsonb rejects even the escape `\u0000`.
 * `replace` (default) writes U+FFFD instead, wherever it is (top level, nested in objects and
 * arrays, in object keys); `fail` throws NulFoundError, which the loader turns into an error
 * naming stream, line, column and key.
 */

export type NulHandling = "replace" | "fail";

export const NULL_TEXT = "\\N";
export const REPLACEMENT = "\uFFFD";

/** Thrown by encoders when nul_handling is `fail`; carries no context (the loader adds it). */
export class NulFoundError extends Error {
  constructor() {
    super("string contains U+0000 (NUL), which PostgreSQL cannot store");
    this.name = "NulFoundError";
  }
}

const NEEDS_ESCAPE = /[\\\n\r\t\0]/;
const ESCAPES = /[\\\n\r\t\0]/g;

function escapeReplacing(char: string): string {
  switch (char) {
    case "\\":
      return "\\\\";
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
    default:
      return REPLACEMENT;
  }
}

function escapeFailing(char: string): string {
  if (char === "\0") throw new NulFoundError();
  return escapeReplacing(char);
}

/** A string as one COPY text field. */
export function copyText(text: string, nul: NulHandling): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(ESCAPES, nul === "fail" ? escapeFailing : escapeReplacing);
}

// A JSON escape that jsonb rejects: \u0000, or a lone UTF-16 surrogate (JSON.stringify writes
// those as escapes). Only when preceded by an even number of backslashes: `\\u0000` is the
// six characters \u0000 as text, which must stay.
const BAD_JSON_ESCAPE =
  /(?<=(?:^|[^\\])(?:\\\\)*)(?:\\u0000|\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f][0-9a-f]{2})|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2})/gi;

/** JSON text that jsonb accepts: \u0000 → \ufffd (or fail), lone surrogates → \ufffd. */
export function sanitizeJson(json: string, nul: NulHandling): string {
  if (!json.includes("\\u")) return json;
  return json.replace(BAD_JSON_ESCAPE, (match) => {
    if (nul === "fail" && match === "\\u0000") throw new NulFoundError();
    return "\\ufffd";
  });
}

/** JSON text of a value (ExactNumber kept exact when `exact`). */
export function jsonOf(value: LoadValue, exact: boolean): string {
  return exact ? stringifyExact(value) : JSON.stringify(value);
}

/**
 * Encodes one non-null value for a column. `exact`: the record may hold ExactNumbers. `clean`:
 * the record's input line has no backslash, so no string in it holds a quote, a backslash, a
 * control character (NUL, tab, newline: JSON must escape them) or a lone surrogate, and neither
 * COPY escaping nor JSON sanitising can change anything; the common case skips both.
 */
export type Encoder = (value: LoadValue, exact: boolean, clean: boolean) => string;

export interface EncoderOptions {
  readonly nul: NulHandling;
  /** jsonb column whose schema does not allow strings: a string holding a JSON object or array
   * is loaded as that JSON (taps that send objects serialised). */
  readonly parseJsonStrings: boolean;
  /**
   * The column got a value it cannot hold: the loader widens it to (at least) `type` before the
   * batch's COPY. The value is encoded as that type reads it (an integer column: the number; a
   * typed column: the value as text), so rows encoded before and after the widening agree.
   */
  readonly onWiden: (type: string) => void;
}

/** JSON text as one COPY field. */
function jsonField(json: string, clean: boolean, nul: NulHandling): string {
  return clean ? json : copyText(sanitizeJson(json, nul), nul);
}

/** Any value as text (text-like columns, and the fallback of the others). */
function asText(value: LoadValue, exact: boolean, clean: boolean, nul: NulHandling): string {
  if (typeof value === "string") return clean ? value : copyText(value, nul);
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value instanceof ExactNumber) return value.source;
  if (value === null) return NULL_TEXT;
  return jsonField(jsonOf(value, exact), clean, nul);
}

const INT_LIMITS: Readonly<Record<string, number>> = {
  smallint: 32767,
  integer: 2147483647,
  bigint: Number.MAX_SAFE_INTEGER,
};

/** A JSON number as text: what a numeric column reads exactly (not `NaN`, ` 1`, `0x1`). */
const NUMBER_TEXT = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** The encoder for a column of a given (format_type) type. */
export function encoderFor(type: string, options: EncoderOptions): Encoder {
  const { nul, onWiden } = options;
  const base = baseType(type);
  /** A value the column cannot hold: kept verbatim, the column widens to text. */
  const asWidened = (value: LoadValue, exact: boolean, clean: boolean) => {
    onWiden(PG.text);
    return asText(value, exact, clean, nul);
  };
  const intLimit = INT_LIMITS[base];
  if (intLimit !== undefined) {
    return (value, exact, clean) => {
      if (typeof value === "number") {
        if (!Number.isInteger(value) || Math.abs(value) > intLimit) onWiden(PG.numeric);
        return String(value);
      }
      if (value instanceof ExactNumber) {
        // Up to 18 digits always fits a bigint; anything longer, or with a fraction or
        // exponent, goes to numeric (the loader widens the column first).
        if (base !== "bigint" || !/^-?\d{1,18}$/.test(value.source)) onWiden(PG.numeric);
        return value.source;
      }
      if (typeof value === "string" && NUMBER_TEXT.test(value)) {
        if (!/^-?\d{1,18}$/.test(value) || base !== "bigint") onWiden(PG.numeric);
        return value;
      }
      return asWidened(value, exact, clean);
    };
  }
  switch (base) {
    case "numeric":
    case "double precision":
    case "real":
      return (value, exact, clean) => {
        if (typeof value === "number") return String(value);
        if (value instanceof ExactNumber) return value.source;
        if (typeof value === "string" && NUMBER_TEXT.test(value)) return value;
        return asWidened(value, exact, clean);
      };
    case "boolean":
      // `true`/`false`, as boolean::text writes them, so a batch widened to text agrees.
      return (value, exact, clean) =>
        value === true ? "true" : value === false ? "false" : asWidened(value, exact, clean);
    case PG.timestamptz:
    case "timestamp without time zone":
      return temporal(timestampText, asWidened);
    case PG.date:
      return (value, exact, clean) => {
        if (typeof value !== "string") return asWidened(value, exact, clean);
        if (dateText(value) !== undefined) return value;
        // A date-time in a date column: the column becomes timestamptz (the lattice's parent).
        const timestamp = timestampText(value);
        if (timestamp === undefined) return asWidened(value, exact, clean);
        onWiden(PG.timestamptz);
        return timestamp;
      };
    case PG.time:
      return temporal(timeText, asWidened);
    case PG.bytea:
      return (value, exact, clean) => {
        const hex = typeof value === "string" ? byteaText(value) : undefined;
        return hex === undefined ? asWidened(value, exact, clean) : hex;
      };
    case "jsonb":
    case "json":
      return jsonEncoder(options, base === "jsonb");
    default:
      return (value, exact, clean) =>
        typeof value === "string"
          ? clean
            ? value
            : copyText(value, nul)
          : asText(value, exact, clean, nul);
  }
}

/**
 * contentEncoding base16 → bytea's COPY text (`\\x` + hex, the backslash escaped for COPY):
 * `0xA1B2` → `\\xa1b2`, an odd length padded with a leading 0, `""` and `"0x"` empty. Not hex:
 * undefined (the column widens to text and keeps the value).
 */
export function byteaText(text: string): string | undefined {
  const digits = /^0x/i.test(text) ? text.slice(2) : text;
  if (!/^[0-9a-f]*$/i.test(digits)) return undefined;
  return `\\\\x${digits.length % 2 === 1 ? "0" : ""}${digits.toLowerCase()}`;
}

/** A date/time column: the text PostgreSQL reads as the tap meant, else widened to text. */
function temporal(read: (text: string) => string | undefined, widened: Encoder): Encoder {
  return (value, exact, clean) => {
    if (typeof value !== "string") return widened(value, exact, clean);
    const text = read(value);
    return text === undefined ? widened(value, exact, clean) : text;
  };
}

/** `binary`: jsonb, which normalises the text it reads; json keeps it as sent, so it gets the
 * compact text of the tree, as before source text was kept. */
function jsonEncoder({ nul, parseJsonStrings }: EncoderOptions, binary: boolean): Encoder {
  return (value, exact, clean) => {
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    if (value instanceof ExactNumber) return value.source;
    if (typeof value === "string") {
      const json = parseJsonStrings && isJsonContainer(value) ? value : JSON.stringify(value);
      return jsonField(json, clean, nul);
    }
    // The source text as jsonb reads it: always escaped, as the whitespace between its tokens
    // may hold a tab or a carriage return even on a clean line.
    if (binary && value instanceof RawJson) return copyText(sanitizeJson(value.source, nul), nul);
    return jsonField(jsonOf(value, exact), clean, nul);
  };
}

/** True for a string holding a JSON object or array (what a lenient jsonb load accepts). */
export function isJsonContainer(text: string): boolean {
  const first = text.trimStart().charCodeAt(0);
  if (first !== 0x7b && first !== 0x5b) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Parses a string holding a JSON object or array, else `undefined` (for validation). */
export function parseJsonContainer(text: string): LoadValue | undefined {
  const first = text.trimStart().charCodeAt(0);
  if (first !== 0x7b && first !== 0x5b) return undefined;
  try {
    return JSON.parse(text) as LoadValue; // JSON.parse output is JSON
  } catch {
    return undefined;
  }
}
