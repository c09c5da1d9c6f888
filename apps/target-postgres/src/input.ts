import {
  type Clock,
  DEFAULT_MAX_LINE_BYTES,
  InputError,
  LineSplitter,
  type Logger,
  parseMessage,
  type SingerMessage,
  systemClock,
} from "@singerkit/singer";
import { type LoadObject, type LoadValue, mayHaveLongNumber, parseExact } from "./exact-json.js";

/** One message, with the exact-number copy of a RECORD's `record` when its line needs one. */
export interface InputMessage {
  readonly line: number;
  readonly message: SingerMessage;
  readonly exact: LoadObject | undefined;
  /** The line has no backslash: no value needs COPY escaping or NUL handling (see copy.ts). */
  readonly clean: boolean;
}

/** Yielded when no input arrived for a while, so the loop can honour the age limit. */
export const IDLE = Symbol("idle");

/**
 * Singer messages from NDJSON bytes, like @singerkit/singer's readMessages, plus what the target
 * needs on top: RECORD lines with long digit runs are also parsed exactly (exact-json.ts),
 * unknown message types are skipped with a warning, and IDLE is yielded whenever no input came
 * for `idleMs`, so the loop can honour the age limit while a tap is quiet.
 * Messages come in one lazy, synchronous batch per input chunk (about 64 KiB): no promise per
 * message on the hot path, and a line is parsed only when the loop reaches it, so an error in a
 * later line never hides an earlier one.
 */
export async function* readInput(
  input: AsyncIterable<Buffer | string>,
  log: Logger,
  idleMs: number,
  clock: Clock = systemClock,
): AsyncGenerator<Iterable<InputMessage> | typeof IDLE> {
  const warn = (line: number, text: string) => log.warn(`line ${line}: ${text}`);
  const lines = new LineSplitter(DEFAULT_MAX_LINE_BYTES);
  for await (const piece of withIdleTicks(input, idleMs, clock)) {
    if (piece === IDLE) yield IDLE;
    else yield parsed(lines.push(piece), warn);
  }
  const last = lines.end();
  if (last !== undefined) yield parsed([last], warn);
}

function* parsed(
  lines: readonly { line: number; text: string }[],
  warn: (line: number, text: string) => void,
): Generator<InputMessage> {
  for (const { line, text } of lines) {
    const message = toInputMessage(line, text, warn);
    if (message !== undefined) yield message;
  }
}

function toInputMessage(
  line: number,
  text: string,
  warn: (line: number, text: string) => void,
): InputMessage | undefined {
  if (text.length === 0 || (text.charCodeAt(0) !== 0x7b && text.trim() === "")) return undefined;
  const message = parseMessage(text, line, warn);
  if (message === undefined) {
    warn(line, `unknown message type ${typeName(text)}, skipped`);
    return undefined;
  }
  const exact =
    message.type === "RECORD" && mayHaveLongNumber(text) ? exactRecord(text, line) : undefined;
  return { line, message, exact, clean: text.indexOf("\\") === -1 };
}

function exactRecord(text: string, line: number): LoadObject | undefined {
  let parsed: LoadValue;
  try {
    parsed = parseExact(text);
  } catch (cause) {
    throw new InputError("could not re-read the line's numbers exactly", { line, cause });
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
  const record = (parsed as LoadObject).record;
  return record !== null && typeof record === "object" && !Array.isArray(record)
    ? (record as LoadObject) // an object that is not an array or ExactNumber
    : undefined;
}

function typeName(text: string): string {
  try {
    return JSON.stringify((JSON.parse(text) as { type?: unknown }).type); // an object (parsed)
  } catch {
    return "(unreadable)";
  }
}

/**
 * Passes items through and yields IDLE after every `ms` (on `clock`) without one. The pending
 * `next()` is kept across idle ticks (never called twice), so no item is lost or reordered.
 */
export async function* withIdleTicks<T>(
  source: AsyncIterable<T>,
  ms: number,
  clock: Clock = systemClock,
): AsyncGenerator<T | typeof IDLE> {
  const iterator = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | undefined;
  try {
    for (;;) {
      pending ??= iterator.next();
      const cancel = new AbortController();
      const tick = clock.sleep(ms, cancel.signal).then((): typeof IDLE => IDLE);
      tick.catch(() => undefined); // rejects when cancelled below, after the input won
      // Cancelled also when the input fails (a stop destroys it): no timer outlives the read.
      const winner = await Promise.race([pending, tick]).finally(() => cancel.abort());
      if (winner === IDLE) {
        yield IDLE;
        continue;
      }
      pending = undefined;
      if (winner.done === true) return;
      yield winner.value;
    }
  } finally {
    if (pending === undefined) await iterator.return?.();
  }
}
