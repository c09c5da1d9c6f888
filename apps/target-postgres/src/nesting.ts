import { InputError } from "@singerkit/singer";

/**
 * Deeply nested values. JavaScript's recursive helpers (JSON.stringify, Array#join, a validator,
 * the exact parser) overflow the stack somewhere past a few thousand levels, which would surface
 * as an internal error (exit 70). A record whose value overflows any of them is bad input
 * instead: NestedTooDeeplyError names line, stream and the field, found here without recursion.
 */
export class NestedTooDeeplyError extends InputError {}

/** Levels of arrays and objects in `value` (a scalar is 0), counted without recursion. */
export function nestingDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [item, depth] = next;
    if (item === null || typeof item !== "object") continue;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Array.isArray(item) ? item : Object.values(item))
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
  }
  return deepest;
}

/** The top-level property of `record` with the deepest value, and its depth. */
export function deepestField(record: Readonly<Record<string, unknown>>): {
  readonly field: string;
  readonly depth: number;
} {
  let found = { field: "", depth: 0 };
  for (const [field, value] of Object.entries(record)) {
    const depth = nestingDepth(value);
    if (depth > found.depth) found = { field, depth };
  }
  return found;
}

/** The bad-input error for a record with a value nested deeper than the target accepts. */
export function nestedTooDeeply(
  record: Readonly<Record<string, unknown>>,
  where: { readonly line: number; readonly stream: string },
  cause?: unknown,
): NestedTooDeeplyError {
  const { field, depth } = deepestField(record);
  return new NestedTooDeeplyError(
    `value nested ${depth} levels deep; the target accepts at most ${MAX_NESTING} levels of arrays and objects`,
    {
      line: where.line,
      stream: where.stream,
      field: `/${field}`,
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

/** Levels of arrays and objects a value may have, whatever its type (README "Values"). */
export const MAX_NESTING = 1000;

/**
 * True when the JSON `text` nests arrays and objects more than `limit` levels (brackets inside
 * strings do not count). Only a line longer than 2 × `limit` can, so short lines cost nothing.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  if (text.length <= 2 * limit) return false;
  let depth = 0;
  for (let at = 0; at < text.length; at += 1) {
    const code = text.charCodeAt(at);
    if (code === 0x22) at = closingQuote(text, at);
    else if (code === 0x5b || code === 0x7b) {
      depth += 1;
      if (depth > limit) return true;
    } else if (code === 0x5d || code === 0x7d) depth -= 1;
  }
  return false;
}

/** The index of the quote that closes the string opening at `start`. */
function closingQuote(text: string, start: number): number {
  let end = start + 1;
  for (;;) {
    end = text.indexOf('"', end);
    if (end === -1) return text.length;
    let slashes = 0;
    while (text.charCodeAt(end - 1 - slashes) === 0x5c) slashes += 1;
    if (slashes % 2 === 0) return end;
    end += 1;
  }
}
