import { isUtf8 } from "node:buffer";
import type { Readable } from "node:stream";
import { type Clock, systemClock } from "./clock.js";
import { InputError } from "./errors.js";
import { type ParseWarning, parseMessage, type SingerMessage } from "./messages.js";

export interface InputLine {
  /** 1-based line number in the input (blank lines count). */
  readonly line: number;
  readonly message: SingerMessage;
  /** Size of the line in bytes, without the line ending (for byte-based batch limits). */
  readonly bytes: number;
  /** The line as it came (without the line ending): for a second, exact parse, or to pass it on. */
  readonly text: string;
  /** The line held bytes that are not UTF-8; `text` has U+FFFD in their place. */
  readonly invalidUtf8?: true;
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

/** One line of input: its number (from 1), text without the line ending, and byte size. */
export interface Line {
  readonly line: number;
  readonly text: string;
  readonly bytes: number;
  /** Bytes that are not UTF-8 were decoded as U+FFFD. */
  readonly invalidUtf8?: true;
}

/**
 * Cuts a byte stream into lines, numbering each from 1. Handles CRLF, a last line without a
 * newline and a UTF-8 BOM. Lines are cut on bytes, so a multi-byte character split across chunks
 * is decoded whole. A partial line is kept as a list of chunks (linear in its size, also for a
 * 100 MB line), and a line longer than `maxLineBytes` fails as soon as it passes the limit.
 * Synchronous per chunk, so the reader's generator yields once per message, not twice, and a
 * caller can interleave its own events (e.g. idle ticks) between chunks.
 * See docs/decisions.md "Reader: own byte splitter".
 */
export class LineSplitter {
  readonly #max: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #line = 0;
  #first = true;

  constructor(maxLineBytes: number) {
    this.#max = maxLineBytes;
  }

  /** The complete lines in this chunk (with any carried-over start). */
  push(piece: Buffer | string): Line[] {
    let chunk = typeof piece === "string" ? Buffer.from(piece, "utf8") : piece;
    if (this.#first && chunk.length > 0) {
      this.#first = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    }
    const lines: Line[] = [];
    let start = 0;
    let end = chunk.indexOf(NEWLINE, start);
    while (end !== -1) {
      let bytes: Buffer;
      if (this.#pendingBytes === 0) {
        bytes = chunk.subarray(start, end);
      } else {
        this.#pending.push(chunk.subarray(start, end));
        bytes = Buffer.concat(this.#pending, this.#pendingBytes + end - start);
        this.#pending = [];
        this.#pendingBytes = 0;
      }
      lines.push(this.#take(bytes));
      start = end + 1;
      end = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) {
      this.#pending.push(chunk.subarray(start));
      this.#pendingBytes += chunk.length - start;
      if (this.#pendingBytes > this.#max + 1) throw lineTooLong(this.#line + 1, this.#max);
    }
    return lines;
  }

  /** The last line when the input did not end with a newline. */
  end(): Line | undefined {
    if (this.#pendingBytes === 0) return undefined;
    const bytes = Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    return this.#take(bytes);
  }

  #take(bytes: Buffer): Line {
    this.#line += 1;
    const length =
      bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length;
    if (length > this.#max) throw lineTooLong(this.#line, this.#max);
    const text = bytes.toString("utf8", 0, length);
    // Decoding puts U+FFFD where bytes are not UTF-8; one in the text is rare, then check.
    if (text.indexOf("\ufffd") !== -1 && !isUtf8(bytes.subarray(0, length)))
      return { line: this.#line, text, bytes: length, invalidUtf8: true };
    return { line: this.#line, text, bytes: length };
  }
}

/** Lines of a byte stream (see LineSplitter), for callers that want raw lines. */
export async function* readLines(
  input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  maxLineBytes = DEFAULT_MAX_LINE_BYTES,
): AsyncGenerator<Line> {
  const splitter = new LineSplitter(maxLineBytes);
  for await (const piece of input) yield* splitter.push(piece);
  const last = splitter.end();
  if (last !== undefined) yield last;
}

/** The error for line `line` being over `max` bytes. */
export function lineTooLong(line: number, max: number): InputError {
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
  input: Readable | AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  options: ReadOptions = {},
): AsyncGenerator<InputLine> {
  const splitter = new LineSplitter(options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  for await (const piece of input) {
    for (const line of splitter.push(piece)) {
      const parsed = toInputLine(line, options);
      if (parsed !== undefined) yield parsed;
    }
  }
  const last = splitter.end();
  const parsed = last === undefined ? undefined : toInputLine(last, options);
  if (parsed !== undefined) yield parsed;
}

function toInputLine(
  { line, text, bytes, invalidUtf8 }: Line,
  options: ReadOptions,
): InputLine | undefined {
  if (isBlank(text)) return undefined;
  const message = parseMessage(text, line, options.onWarning);
  if (message !== undefined)
    return invalidUtf8
      ? { line, message, bytes, text, invalidUtf8 }
      : { line, message, bytes, text };
  const type = typeOf(text);
  if (options.unknownTypes === "fail")
    throw new InputError(`unknown message type ${type}`, { line });
  options.onWarning?.(line, `unknown message type ${type}, skipped`);
  return undefined;
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

/** Yielded by `readInput` when no input arrived for `idleMs`: time to honour age limits. */
export const IDLE: unique symbol = Symbol("idle");
export type Idle = typeof IDLE;

export interface ReadInputOptions extends ReadOptions {
  /** Yield IDLE after every `idleMs` without input. Unset or 0: no ticks. */
  readonly idleMs?: number;
  /** Where the idle ticks' time comes from; tests pass a manual clock (no wall-clock sleeps). */
  readonly clock?: Clock;
}

/**
 * What a target's read loop needs: the messages of each input chunk as one lazy batch (no
 * promise per message on the hot path; a line is parsed only when the loop reaches it, so an
 * error in a later line never hides an earlier one), each with its line number and raw text, and
 * IDLE whenever no input came for `idleMs`, so the loop can flush by age while a tap is quiet.
 */
export async function* readInput(
  input: AsyncIterable<Buffer | string>,
  options: ReadInputOptions = {},
): AsyncGenerator<Iterable<InputLine> | Idle> {
  const splitter = new LineSplitter(options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  const idleMs = options.idleMs ?? 0;
  const source = idleMs > 0 ? withIdleTicks(input, idleMs, options.clock) : input;
  for await (const piece of source) {
    if (piece === IDLE) {
      yield IDLE;
      continue;
    }
    const lines = splitter.push(piece);
    if (lines.length > 0) yield parsed(lines, options);
  }
  const last = splitter.end();
  if (last !== undefined) yield parsed([last], options);
}

function* parsed(lines: readonly Line[], options: ReadOptions): Generator<InputLine> {
  for (const line of lines) {
    const input = toInputLine(line, options);
    if (input !== undefined) yield input;
  }
}

/** Why a pending idle tick is cancelled (its rejection is ignored). */
const INPUT_WON = new Error("input arrived before the idle tick");

/**
 * Passes items through and yields IDLE after every `ms` (on `clock`) without one. The pending
 * `next()` is kept across idle ticks (never called twice), so no item is lost or reordered.
 */
export async function* withIdleTicks<T>(
  source: AsyncIterable<T>,
  ms: number,
  clock: Clock = systemClock,
): AsyncGenerator<T | Idle> {
  const iterator = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | undefined;
  try {
    for (;;) {
      pending ??= iterator.next();
      const cancel = new AbortController();
      const tick = clock.sleep(ms, cancel.signal).then((): Idle => IDLE);
      tick.catch(() => undefined); // rejects when cancelled below, after the input won
      // Cancelled also when the input fails (a stop destroys it): no timer outlives the read.
      // A fixed reason: abort() without one builds a DOMException (with a stack) per chunk.
      const winner = await Promise.race([pending, tick]).finally(() => cancel.abort(INPUT_WON));
      if (winner === IDLE) {
        yield IDLE;
        continue;
      }
      pending = undefined;
      if (winner.done === true) return;
      yield winner.value;
    }
  } finally {
    // With a next() still pending, the source is busy; return() would queue behind it.
    if (pending === undefined) await iterator.return?.();
  }
}
