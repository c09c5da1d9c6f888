import type { Readable } from "node:stream";
import { InputError } from "./errors.js";
import { type ParseWarning, parseMessage, type SingerMessage } from "./messages.js";

export interface InputLine {
  /** 1-based line number in the input (blank lines count). */
  readonly line: number;
  readonly message: SingerMessage;
  /** Size of the line in bytes, without the line ending (for byte-based batch limits). */
  readonly bytes: number;
}

export interface ReadOptions {
  /** What to do with a well-formed message of a type we do not know. Default: `warn` (and skip). */
  readonly unknownTypes?: "warn" | "fail";
  /** Receives warnings: skipped unknown types, SCHEMA without key_properties. */
  readonly onWarning?: ParseWarning;
  /** Longest accepted line in bytes; guards memory against a runaway producer. Default 64 MiB. */
  readonly maxLineBytes?: number;
}

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines, numbering each from 1. Handles CRLF, a last line without a
 * newline and a UTF-8 BOM. Lines are cut on bytes, so a multi-byte character split across chunks
 * is decoded whole. A partial line is kept as a list of chunks (linear in its size, also for a
 * 100 MB line), and a line longer than `maxLineBytes` fails as soon as it passes the limit.
 * See docs/decisions.md "Reader: own byte splitter".
 */
export async function* readLines(
  input: AsyncIterable<Buffer | string>,
  maxLineBytes = DEFAULT_MAX_LINE_BYTES,
): AsyncGenerator<{ readonly line: number; readonly text: string; readonly bytes: number }> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let line = 0;
  let first = true;
  for await (const piece of input) {
    let chunk = typeof piece === "string" ? Buffer.from(piece, "utf8") : piece;
    if (first && chunk.length > 0) {
      first = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    }
    let start = 0;
    let end = chunk.indexOf(NEWLINE, start);
    while (end !== -1) {
      line += 1;
      let bytes: Buffer;
      if (pendingBytes === 0) {
        bytes = chunk.subarray(start, end);
      } else {
        pending.push(chunk.subarray(start, end));
        bytes = Buffer.concat(pending, pendingBytes + end - start);
        pending = [];
        pendingBytes = 0;
      }
      const length =
        bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length;
      if (length > maxLineBytes) throw tooLong(line, maxLineBytes);
      yield { line, text: bytes.toString("utf8", 0, length), bytes: length };
      start = end + 1;
      end = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
      if (pendingBytes > maxLineBytes + 1) throw tooLong(line + 1, maxLineBytes);
    }
  }
  if (pendingBytes > 0) {
    line += 1;
    const bytes = Buffer.concat(pending, pendingBytes);
    const length = bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length;
    if (length > maxLineBytes) throw tooLong(line, maxLineBytes);
    yield { line, text: bytes.toString("utf8", 0, length), bytes: length };
  }
}

function tooLong(line: number, max: number): InputError {
  return new InputError(
    `line is longer than the limit of ${max} bytes (max_line_bytes); is the input NDJSON?`,
    { line },
  );
}

/**
 * Yields Singer messages from NDJSON bytes (e.g. stdin). Pulling is lazy, so back-pressure
 * reaches the producer through the pipe. Blank lines are counted, then skipped. Every error
 * names the line number and shows a short snippet of it.
 */
export async function* readMessages(
  input: Readable | AsyncIterable<Buffer | string>,
  options: ReadOptions = {},
): AsyncGenerator<InputLine> {
  const unknown = options.unknownTypes ?? "warn";
  for await (const { line, text, bytes } of readLines(input, options.maxLineBytes)) {
    if (isBlank(text)) continue;
    const message = parseMessage(text, line, options.onWarning);
    if (message === undefined) {
      const type = typeOf(text);
      if (unknown === "fail") throw new InputError(`unknown message type ${type}`, { line });
      options.onWarning?.(line, `unknown message type ${type}, skipped`);
      continue;
    }
    yield { line, message, bytes };
  }
}

function isBlank(text: string): boolean {
  // Fast path: a message line starts with "{"; only then is the slower check needed.
  return text.length === 0 || (text.charCodeAt(0) !== 123 && text.trim() === "");
}

function typeOf(text: string): string {
  try {
    const raw: unknown = JSON.parse(text);
    return JSON.stringify((raw as { type?: unknown }).type); // parseMessage already checked it is an object
  } catch {
    return "(unreadable)";
  }
}
