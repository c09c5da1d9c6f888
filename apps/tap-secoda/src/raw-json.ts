// Finds where each list item starts and ends in the response text, so a record the tap passes
// through unchanged is written as the server's own JSON text instead of being serialised again
// (JSON.stringify was the largest cost per record after JSON.parse; decisions-tap.md "Raw record
// text"). Only structure is scanned: strings are jumped over with indexOf.

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const COMMA = 44;
const COLON = 58;

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 13 || code === 9;
}

function skipSpace(text: string, at: number): number {
  let i = at;
  while (isSpace(text.charCodeAt(i))) i += 1;
  return i;
}

/** Index after the string that starts at `at` (a quote), or -1. */
function skipString(text: string, at: number): number {
  let from = at + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote === -1) return -1;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** Index after the JSON value that starts at `at`, or -1. */
function skipValue(text: string, at: number): number {
  const first = text.charCodeAt(at);
  if (first === QUOTE) return skipString(text, at);
  if (first === OPEN_OBJECT || first === OPEN_ARRAY) {
    let depth = 0;
    for (let i = at; i < text.length; ) {
      const code = text.charCodeAt(i);
      if (code === QUOTE) {
        i = skipString(text, i);
        if (i === -1) return -1;
        continue;
      }
      if (code === OPEN_OBJECT || code === OPEN_ARRAY) depth += 1;
      else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
        depth -= 1;
        if (depth === 0) return i + 1;
      }
      i += 1;
    }
    return -1;
  }
  let i = at; // number, true, false, null
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === COMMA || code === CLOSE_OBJECT || code === CLOSE_ARRAY || isSpace(code)) break;
    i += 1;
  }
  return i === at ? -1 : i;
}

/** The items of the array starting at `at` as texts, or undefined if it does not scan. */
function arrayItems(text: string, at: number): string[] | undefined {
  const items: string[] = [];
  let i = skipSpace(text, at + 1);
  if (text.charCodeAt(i) === CLOSE_ARRAY) return items;
  for (;;) {
    const end = skipValue(text, i);
    if (end === -1) return undefined;
    items.push(text.slice(i, end));
    i = skipSpace(text, end);
    const code = text.charCodeAt(i);
    if (code === CLOSE_ARRAY) return items;
    if (code !== COMMA) return undefined;
    i = skipSpace(text, i + 1);
  }
}

/**
 * The texts of the list items of a list response (a bare array, or the top-level `results` of
 * a wrapper), in order; undefined when the body is not compact JSON of that shape. The caller
 * parsed the same text successfully, so this only has to find boundaries, not validate.
 * Bodies with raw line breaks (pretty-printed) are refused: a RECORD must stay on one line.
 */
export function listItemTexts(text: string): string[] | undefined {
  if (text.includes("\n") || text.includes("\r")) return undefined;
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) === OPEN_ARRAY) return arrayItems(text, i);
  if (text.charCodeAt(i) !== OPEN_OBJECT) return undefined;
  i = skipSpace(text, i + 1);
  while (text.charCodeAt(i) === QUOTE) {
    const keyEnd = skipString(text, i);
    if (keyEnd === -1) return undefined;
    const isResults = keyEnd - i === 9 && text.startsWith('"results"', i);
    i = skipSpace(text, keyEnd);
    if (text.charCodeAt(i) !== COLON) return undefined;
    i = skipSpace(text, i + 1);
    if (isResults) return text.charCodeAt(i) === OPEN_ARRAY ? arrayItems(text, i) : undefined;
    i = skipValue(text, i);
    if (i === -1) return undefined;
    i = skipSpace(text, i);
    if (text.charCodeAt(i) === COMMA) i = skipSpace(text, i + 1);
  }
  return undefined;
}
