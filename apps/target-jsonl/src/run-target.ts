import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import {
  assertNever,
  compileValidator,
  InputError,
  type RecordValidator,
  type RunContext,
  readMessages,
} from "@singerkit/singer";

export interface JsonlConfig {
  readonly destination_path: string;
  readonly validate_records: boolean | "strict";
}

interface StreamFile {
  readonly out: WriteStream;
  readonly validate: RecordValidator | undefined;
}

/**
 * Appends every RECORD's `record` to `<destination_path>/<stream>.jsonl`. A STATE is printed once
 * every line before it has been handed to the OS (each file's pending writes have drained).
 */
export async function runJsonlTarget(ctx: RunContext<JsonlConfig>, input: Readable): Promise<void> {
  await mkdir(ctx.config.destination_path, { recursive: true });
  const files = new Map<string, StreamFile>();
  const drain = async () => {
    await Promise.all(
      [...files.values()].map(({ out }) =>
        out.writableNeedDrain
          ? new Promise<void>((resolve) => out.once("drain", () => resolve()))
          : undefined,
      ),
    );
  };
  try {
    const lines = readMessages(input, {
      onWarning: (line, text) => ctx.log.warn(`line ${line}: ${text}`),
    });
    for await (const { line, message } of lines) {
      switch (message.type) {
        case "SCHEMA": {
          const existing = files.get(message.stream);
          const out =
            existing?.out ?? createWriteStream(fileFor(ctx.config, message.stream), { flags: "a" });
          const validate = ctx.config.validate_records
            ? compileValidator(message.schema, { stream: message.stream, formats: "lenient" })
            : undefined;
          files.set(message.stream, { out, validate });
          break;
        }
        case "RECORD": {
          const file = files.get(message.stream);
          if (file === undefined)
            throw new InputError("RECORD before its SCHEMA", { line, stream: message.stream });
          file.validate?.(message.record, line);
          if (!file.out.write(`${JSON.stringify(message.record)}\n`)) await drain();
          break;
        }
        case "STATE":
          await drain();
          await ctx.output.writeLine(JSON.stringify(message.value)); // targets echo the bare value
          break;
        case "ACTIVATE_VERSION":
        case "BATCH":
          ctx.log.warn(`line ${line}: ${message.type} is not supported by target-jsonl, skipped`);
          break;
        default:
          assertNever(message, "message");
      }
    }
  } finally {
    for (const { out } of files.values()) out.end();
    await Promise.all([...files.values()].map(({ out }) => finished(out)));
  }
}

function fileFor(config: JsonlConfig, stream: string): string {
  return join(config.destination_path, `${stream.replace(/[^\w.-]/g, "_")}.jsonl`);
}
