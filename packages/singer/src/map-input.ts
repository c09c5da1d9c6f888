import { parseMessage } from "./messages.js";
import { DEFAULT_MAX_LINE_BYTES, type Line, LineSplitter } from "./read-messages.js";
import type { StreamMapper } from "./stream-maps.js";

/**
 * A target's input with its stream maps applied, as NDJSON text again: what the target then reads
 * is already aliased, filtered and transformed. One line out for every line in, so the target's
 * errors keep naming the user's line numbers (a dropped message becomes a blank line, which
 * readers count and skip). Lines of unmapped streams, and lines that do not parse (the target
 * reports those itself), pass through byte for byte.
 */
export async function* mapInput(
  input: AsyncIterable<Buffer | string>,
  mapper: StreamMapper,
  maxLineBytes = DEFAULT_MAX_LINE_BYTES,
): AsyncGenerator<string> {
  const splitter = new LineSplitter(maxLineBytes);
  for await (const piece of input) {
    const lines = splitter.push(piece);
    if (lines.length > 0) yield lines.map((line) => mapLine(line, mapper)).join("");
  }
  const last = splitter.end();
  if (last !== undefined) yield mapLine(last, mapper);
}

function mapLine({ line, text }: Line, mapper: StreamMapper): string {
  let message: ReturnType<typeof parseMessage>;
  try {
    message = text.trim() === "" ? undefined : parseMessage(text, line);
  } catch {
    return `${text}\n`; // malformed: the target's own reader names it, at this same line number
  }
  if (message === undefined) return `${text}\n`;
  const mapped = mapper.map(message, line);
  if (mapped === message) return `${text}\n`;
  return mapped === undefined ? "\n" : `${JSON.stringify(mapped)}\n`;
}
