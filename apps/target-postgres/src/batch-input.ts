import { type BatchMessage, type Clock, checkBatch, InputError } from "@singerkit/singer";
import {
  ExactNumber,
  type LoadObject,
  mayHaveLongNumber,
  parseExact,
  RawJson,
} from "./exact-json.js";
import { MAX_NESTING, nestedTooDeeply, nestsDeeperThan } from "./nesting.js";
import type { Pipeline } from "./pipeline.js";

/** Decompressed bytes of one BATCH message kept between its check and its load. */
export const BATCH_KEEP_BYTES = 32 * 1024 * 1024;

/**
 * A BATCH message (the Meltano SDK's `jsonl` / `jsonl.gz` files): first every file of the
 * manifest is read to its end without parsing (a missing, unreadable, corrupt or truncated file
 * fails here, before one record of the message is loaded), keeping the decompressed bytes when
 * they fit in BATCH_KEEP_BYTES (the SDK's files of 10,000 records do), then its records go one by
 * one through the RECORD path (validation, flattening, the stream's batch, COPY, merge), with the
 * same flush checks after each: from the kept bytes, or streamed from the files again when the
 * message is larger, so a large file is never held whole. A STATE after the BATCH is printed once its
 * records are committed, as after RECORDs. The files hold bare records: they take the table
 * version of the stream's last ACTIVATE_VERSION (or versioned RECORD) of this run, so a closing
 * ACTIVATE_VERSION keeps them. Returns the number of records read.
 */
export async function loadBatchMessage(
  pipeline: Pipeline,
  message: BatchMessage,
  line: number,
  clock: Clock,
  stopped: () => boolean,
): Promise<number> {
  const checked = await checkBatch(message, { line, keepBytes: BATCH_KEEP_BYTES });
  const version = pipeline.currentVersion(message.stream);
  const stamp = version === undefined ? {} : { version };
  let records = 0;
  for await (const read of checked.records()) {
    if (stopped()) break;
    const now = clock.now();
    try {
      // Before anything recursive (the exact parser, validation) sees the line (+1: the record).
      if (nestsDeeperThan(read.text, MAX_NESTING + 1))
        throw nestedTooDeeply(read.record, { line, stream: message.stream });
      const exact = mayHaveLongNumber(read.text) ? exactRecord(read.text) : undefined;
      const clean = read.text.indexOf("\\") === -1;
      const record = {
        type: "RECORD",
        stream: message.stream,
        record: read.record,
        ...stamp,
      } as const;
      const waiting = pipeline.record(record, exact, clean, line, now);
      if (waiting !== undefined) await waiting;
    } catch (error) {
      throw inFile(error, read.file, read.line);
    }
    const due = pipeline.flushIfDue(now, message.stream);
    if (due !== undefined) await due;
    records += 1;
  }
  return records;
}

function exactRecord(text: string): LoadObject | undefined {
  // JSON.parse already read this line: it is valid JSON. A bare record: its properties are
  // depth 1 (see input.ts).
  const parsed = parseExact(text, { rawDepth: 1 });
  if (parsed === null || typeof parsed !== "object") return undefined;
  return Array.isArray(parsed) || parsed instanceof ExactNumber || parsed instanceof RawJson
    ? undefined
    : parsed;
}

/** A record's error, told with the file and line it came from. */
function inFile(error: unknown, file: string, line: number): unknown {
  if (!(error instanceof InputError)) return error;
  return new InputError(`BATCH file ${file}, line ${line}: ${error.message}`, {
    ...error.context,
    cause: error,
  });
}
