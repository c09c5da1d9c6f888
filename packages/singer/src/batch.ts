import { createReadStream } from "node:fs";
import { fileURLToPath } from "node:url";
import { createGunzip } from "node:zlib";
import { InputError } from "./errors.js";
import { isJsonObject, type JsonObject, preview } from "./json.js";
import type { BatchMessage } from "./messages.js";
import { DEFAULT_MAX_LINE_BYTES, LineSplitter, lineTooLong } from "./read-messages.js";

const NEWLINE = 0x0a;
const CR = 0x0d;

/** One record of a BATCH file, with where it came from (for errors further down the line). */
export interface BatchRecord {
  readonly record: JsonObject;
  /** The manifest entry (a `file://` URL). */
  readonly file: string;
  /** 1-based line in the (decompressed) file. */
  readonly line: number;
  /** The line as read (for an exact re-read of long numbers). */
  readonly text: string;
}

export interface ReadBatchOptions {
  /** The BATCH message's own line in the input, for errors. */
  readonly line?: number;
  readonly maxLineBytes?: number;
}

/**
 * The records of a BATCH message (the Meltano SDK's format: `encoding.format` `jsonl`,
 * `compression` `gzip` or `none`, a manifest of `file://` URLs, one JSON record object per line),
 * file by file and line by line: nothing holds a whole file, and back-pressure reaches the disk
 * read. A missing file, a corrupt or truncated gzip stream, or a line that is not a JSON object
 * fails with an InputError naming the file and the line.
 */
export async function* readBatchRecords(
  message: BatchMessage,
  options: ReadBatchOptions = {},
): AsyncGenerator<BatchRecord> {
  const { where, gzip, maxLineBytes } = plan(message, options);
  for (const file of message.manifest) {
    let lines = 0;
    const chunks = fileChunks(file, gzip, where, () => lines);
    for await (const split of splitLines(chunks, maxLineBytes)) {
      lines = split.line;
      const record = parseRecord(split.text, file, split.line, where);
      if (record !== undefined) yield { record, file, line: split.line, text: split.text };
    }
  }
}

export interface CheckBatchOptions extends ReadBatchOptions {
  /**
   * Decompressed bytes the check may keep so that `records()` does not read and decompress the
   * files a second time; past this the check keeps nothing (default 0).
   */
  readonly keepBytes?: number;
}

/** A BATCH message whose files were read to their end. */
export interface CheckedBatch {
  /** How many lines its files hold. */
  readonly lines: number;
  /** Its records, as readBatchRecords yields them: from the kept bytes, or from the files again. */
  records(): AsyncGenerator<BatchRecord>;
}

/**
 * Reads every file of a BATCH message to its end without decoding or parsing its lines: a
 * missing, unreadable, corrupt or truncated file, or a line over the limit, fails here (the same
 * InputError as readBatchRecords), before a single record of the message is loaded. It only finds
 * newlines in the decompressed bytes, so it costs the decompression and little more, and it keeps
 * those bytes when they fit in `keepBytes`, so that loading does not decompress them again.
 */
export async function checkBatch(
  message: BatchMessage,
  options: CheckBatchOptions = {},
): Promise<CheckedBatch> {
  const { where, gzip, maxLineBytes } = plan(message, options);
  let budget = options.keepBytes ?? 0;
  let kept: Buffer[][] | undefined = [];
  let lines = 0;
  for (const file of message.manifest) {
    const counter = new LineCounter(maxLineBytes);
    const chunks: Buffer[] = [];
    for await (const chunk of fileChunks(file, gzip, where, () => counter.lines)) {
      counter.push(chunk);
      budget -= chunk.length;
      if (budget < 0) kept = undefined;
      else chunks.push(chunk);
    }
    lines += counter.end();
    kept?.push(chunks);
  }
  const fromMemory = kept;
  return {
    lines,
    records:
      fromMemory === undefined
        ? () => readBatchRecords(message, options)
        : () => keptRecords(message.manifest, fromMemory, maxLineBytes, where),
  };
}

/** checkBatch's count alone: the lines of a BATCH message's files, each read to its end. */
export async function checkBatchFiles(
  message: BatchMessage,
  options: ReadBatchOptions = {},
): Promise<number> {
  return (await checkBatch(message, { ...options, keepBytes: 0 })).lines;
}

async function* keptRecords(
  manifest: readonly string[],
  kept: readonly (readonly Buffer[])[],
  maxLineBytes: number,
  where: Where,
): AsyncGenerator<BatchRecord> {
  for (const [i, file] of manifest.entries()) {
    for await (const { line, text } of splitLines(kept[i] ?? [], maxLineBytes)) {
      const record = parseRecord(text, file, line, where);
      if (record !== undefined) yield { record, file, line, text };
    }
  }
}

async function* splitLines(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  maxLineBytes: number,
): AsyncGenerator<{ readonly line: number; readonly text: string }> {
  const splitter = new LineSplitter(maxLineBytes);
  for await (const chunk of chunks) yield* splitter.push(chunk);
  const last = splitter.end();
  if (last !== undefined) yield last;
}

/** Counts lines in bytes as LineSplitter splits them, and fails on the same over-long line. */
class LineCounter {
  readonly #max: number;
  /** Complete lines so far. */
  lines = 0;
  /** Bytes of the line not yet ended, and the last of them. */
  #open = 0;
  #lastByte = 0;
  #first = true;

  constructor(maxLineBytes: number) {
    this.#max = maxLineBytes;
  }

  push(chunk: Buffer): void {
    let start = 0;
    if (this.#first && chunk.length > 0) {
      this.#first = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) start = 3; // a BOM, skipped
    }
    let end = chunk.indexOf(NEWLINE, start);
    while (end !== -1) {
      this.#close(this.#open + end - start, chunk[end - 1] ?? this.#lastByte);
      start = end + 1;
      end = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) {
      this.#open += chunk.length - start;
      this.#lastByte = chunk[chunk.length - 1] ?? 0;
      if (this.#open > this.#max + 1) throw lineTooLong(this.lines + 1, this.#max);
    }
  }

  /** The total, counting a last line that has no newline. */
  end(): number {
    if (this.#open > 0) this.#close(this.#open, this.#lastByte);
    return this.lines;
  }

  /** A line of `bytes` bytes (its newline excluded) ended; `last` is its last byte. */
  #close(bytes: number, last: number): void {
    this.lines += 1;
    const length = bytes > 0 && last === CR ? bytes - 1 : bytes;
    if (length > this.#max) throw lineTooLong(this.lines, this.#max);
    this.#open = 0;
    this.#lastByte = 0;
  }
}

interface Where {
  readonly stream: string;
  readonly line?: number;
}

function plan(message: BatchMessage, options: ReadBatchOptions) {
  const where: Where = {
    stream: message.stream,
    ...(options.line === undefined ? {} : { line: options.line }),
  };
  const { format, compression } = message.encoding;
  if (format !== "jsonl")
    throw new InputError(
      `BATCH format ${JSON.stringify(format)} is not supported (only jsonl)`,
      where,
    );
  if (compression !== undefined && compression !== "gzip" && compression !== "none")
    throw new InputError(
      `BATCH compression ${JSON.stringify(compression)} is not supported (gzip or none)`,
      where,
    );
  for (const file of message.manifest) localPath(file, where); // refuse before opening anything
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  return { where, gzip: compression === "gzip", maxLineBytes };
}

/**
 * The bytes of one file, decompressed. Read and gzip errors become InputErrors naming the file
 * and the line being read (`linesRead()` is how many lines the caller has completed).
 */
async function* fileChunks(
  file: string,
  gzip: boolean,
  where: Where,
  linesRead: () => number,
): AsyncGenerator<Buffer> {
  const path = localPath(file, where);
  const source = createReadStream(path);
  const bytes = gzip ? source.pipe(createGunzip()) : source;
  if (gzip) source.on("error", (error) => bytes.destroy(error)); // pipe() does not forward errors
  const fail = (text: string, cause?: unknown) =>
    new InputError(`BATCH file ${file}, line ${linesRead() + 1}: ${text}`, { ...where, cause });
  try {
    yield* bytes as AsyncIterable<Buffer>;
  } catch (cause) {
    if (cause instanceof InputError) throw cause;
    const error = cause as NodeJS.ErrnoException; // fs and zlib errors carry a code
    if (error.code === "ENOENT")
      throw new InputError(`BATCH file ${file} does not exist`, { ...where, cause });
    if (error.code === "EACCES")
      throw new InputError(`BATCH file ${file} cannot be read (EACCES)`, { ...where, cause });
    if (error.code?.startsWith("Z_") === true || error.code === "ERR_BUFFER_TOO_LARGE")
      throw fail(`not a valid gzip stream (${error.message})`, cause);
    throw fail(`could not be read: ${error.message}`, cause);
  } finally {
    source.destroy();
  }
}

function localPath(file: string, where: Where): string {
  if (file.startsWith("file://")) {
    try {
      return fileURLToPath(file);
    } catch (cause) {
      throw new InputError(`BATCH manifest entry ${JSON.stringify(file)} is not a valid file URL`, {
        ...where,
        cause,
      });
    }
  }
  throw new InputError(
    `BATCH manifest entry ${JSON.stringify(preview(file))} is not supported (only file:// URLs)`,
    where,
  );
}

function parseRecord(
  text: string,
  file: string,
  line: number,
  where: Where,
): JsonObject | undefined {
  if (text.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new InputError(
      `BATCH file ${file}, line ${line}: invalid JSON (${reason}): ${preview(text)}`,
      {
        ...where,
        cause,
      },
    );
  }
  if (!isJsonObject(value))
    throw new InputError(
      `BATCH file ${file}, line ${line}: a record must be a JSON object: ${preview(text)}`,
      where,
    );
  return value;
}
