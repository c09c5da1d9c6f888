import {
  type Clock,
  IDLE,
  type Idle,
  InputError,
  type InputLine,
  type Logger,
  readInput as readLines,
  type SingerMessage,
  systemClock,
} from "@singerkit/singer";
import {
  type LoadObject,
  type LoadValue,
  mayHaveLongNumber,
  parseExact,
  stringifyExact,
} from "./exact-json.js";
import { deepestField, MAX_NESTING, nestedTooDeeply, nestsDeeperThan } from "./nesting.js";

/** One message, with the exact-number copy of a RECORD's `record` when its line needs one. */
export interface InputMessage {
  readonly line: number;
  readonly message: SingerMessage;
  readonly exact: LoadObject | undefined;
  /** The line has no backslash: no value needs COPY escaping or NUL handling (see copy.ts). */
  readonly clean: boolean;
  /** A STATE's value as JSON text with every number exactly as written (not `JSON.stringify`,
   * which rounds 1234567890123456789 and writes 1e400 as null). */
  readonly stateText?: string;
}

/** Yielded when no input arrived for a while, so the loop can honour the age limit. */
export { IDLE };

/**
 * Singer messages from NDJSON bytes through @singerkit/singer's readInput (one lazy batch per
 * input chunk, IDLE after `idleMs` on `clock` without input, unknown message types skipped with a
 * warning), plus what the target needs on top: RECORD lines with long digit runs are also parsed
 * exactly (exact-json.ts), and each message says whether its line needs COPY escaping.
 */
export async function* readInput(
  input: AsyncIterable<Buffer | string>,
  log: Logger,
  idleMs: number,
  clock: Clock = systemClock,
): AsyncGenerator<Iterable<InputMessage> | Idle> {
  const onWarning = (line: number, text: string) => log.warn(`line ${line}: ${text}`);
  const invalidUtf8 = new InvalidUtf8Log(log);
  for await (const batch of readLines(input, { idleMs, clock, onWarning })) {
    yield batch === IDLE ? IDLE : toInputMessages(batch, invalidUtf8);
  }
}

/** Bytes that are not UTF-8 load as U+FFFD (as decoding leaves them), with one WARN per stream. */
class InvalidUtf8Log {
  readonly #log: Logger;
  readonly #warned = new Set<string | undefined>();

  constructor(log: Logger) {
    this.#log = log;
  }

  seen(line: number, message: SingerMessage): void {
    const stream = "stream" in message ? message.stream : undefined;
    if (this.#warned.has(stream)) return;
    this.#warned.add(stream);
    const where = stream === undefined ? `line ${line}` : `line ${line}, stream ${stream}`;
    this.#log.warn(
      `${where}: bytes that are not UTF-8 were replaced by U+FFFD (warned once per stream)`,
    );
  }
}

function* toInputMessages(
  batch: Iterable<InputLine>,
  invalidUtf8: InvalidUtf8Log,
): Generator<InputMessage> {
  for (const { line, message, text, invalidUtf8: invalid } of batch) {
    if (invalid === true) invalidUtf8.seen(line, message);
    // Before anything recursive (the exact parser, validation, JSON.stringify) sees the line.
    if (nestsDeeperThan(text, MAX_NESTING + 2)) tooDeep(message, line); // + the envelope
    const exact =
      message.type === "RECORD" && mayHaveLongNumber(text) ? exactRecord(text, line) : undefined;
    const clean = text.indexOf("\\") === -1;
    if (message.type === "STATE")
      yield { line, message, exact, clean, stateText: stateText(text, line) };
    else yield { line, message, exact, clean };
  }
}

/** A line nesting deeper than the target accepts: bad input naming line, stream and field. */
function tooDeep(message: SingerMessage, line: number): void {
  if (message.type === "RECORD")
    throw nestedTooDeeply(message.record, { line, stream: message.stream });
  if (message.type === "STATE") {
    const { depth } = deepestField({ value: message.value });
    throw new InputError(
      `STATE value nested ${depth} levels deep; the target accepts at most ${MAX_NESTING} levels`,
      { line },
    );
  }
}

/** The STATE line's `value`, re-read keeping every number's source text. */
function stateText(text: string, line: number): string {
  let parsed: LoadValue;
  try {
    parsed = parseExact(text, { allNumbers: true });
  } catch (cause) {
    throw new InputError("could not re-read the STATE's numbers exactly", { line, cause });
  }
  const value = (parsed as LoadObject).value;
  if (value === undefined) throw new InputError("STATE has no value", { line });
  return stringifyExact(value);
}

function exactRecord(text: string, line: number): LoadObject | undefined {
  let parsed: LoadValue;
  try {
    // The record's properties (envelope, record, property: depth 2) that hold long numbers stay
    // source text: what a jsonb column loads, without a tree of the value.
    parsed = parseExact(text, { rawDepth: 2 });
  } catch (cause) {
    throw new InputError("could not re-read the line's numbers exactly", { line, cause });
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
  const record = (parsed as LoadObject).record;
  return record !== null && typeof record === "object" && !Array.isArray(record)
    ? (record as LoadObject) // an object that is not an array or ExactNumber
    : undefined;
}
