import { createReadStream } from "node:fs";
import { fileURLToPath } from "node:url";
import { createGunzip } from "node:zlib";
import { InputError } from "./errors.js";
import { isJsonObject, type JsonObject, preview } from "./json.js";
import type { BatchMessage } from "./messages.js";
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from "./read-messages.js";

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
    for await (const { line, text } of fileLines(file, gzip, maxLineBytes, where)) {
      const record = parseRecord(text, file, line, where);
      if (record !== undefined) yield { record, file, line, text };
    }
  }
}

/**
 * Reads every file of a BATCH message to its end without parsing its lines, and returns how many
 * lines they hold: a missing, unreadable, corrupt or truncated file fails here (the same
 * InputError as readBatchRecords), before a single record of the message is loaded.
 */
export async function checkBatchFiles(
  message: BatchMessage,
  options: ReadBatchOptions = {},
): Promise<number> {
  const { where, gzip, maxLineBytes } = plan(message, options);
  let lines = 0;
  for (const file of message.manifest) {
    for await (const _ of fileLines(file, gzip, maxLineBytes, where)) lines += 1;
  }
  return lines;
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

/** The lines of one file, decompressed; read and gzip errors name the file and the line. */
async function* fileLines(
  file: string,
  gzip: boolean,
  maxLineBytes: number,
  where: Where,
): AsyncGenerator<{ readonly line: number; readonly text: string }> {
  const path = localPath(file, where);
  const source = createReadStream(path);
  const bytes = gzip ? source.pipe(createGunzip()) : source;
  if (gzip) source.on("error", (error) => bytes.destroy(error)); // pipe() does not forward errors
  const splitter = new LineSplitter(maxLineBytes);
  let lines = 0;
  const fail = (text: string, cause?: unknown) =>
    new InputError(`BATCH file ${file}, line ${lines + 1}: ${text}`, { ...where, cause });
  try {
    for await (const chunk of bytes as AsyncIterable<Buffer>) {
      for (const split of splitter.push(chunk)) {
        lines = split.line;
        yield split;
      }
    }
    const last = splitter.end();
    if (last !== undefined) {
      lines = last.line;
      yield last;
    }
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
