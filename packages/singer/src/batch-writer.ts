import { randomUUID } from "node:crypto";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createGzip, type Gzip } from "node:zlib";
import { ConfigError } from "./errors.js";
import { isJsonObject } from "./json.js";
import type { BatchMessage } from "./messages.js";

/** A tap's `batch_config` (the Meltano SDK's setting), checked. */
export interface BatchConfig {
  readonly compression: "gzip" | "none";
  /** The folder the files are written to (`storage.root`). */
  readonly folder: string;
  /** Put in front of every file name (`storage.prefix`; not a folder). */
  readonly prefix: string;
  /** Records per file (`batch_size`); a file is also closed before any other message. */
  readonly batchSize: number;
}

/** Where files go when `storage.root` is unset or `file://`: a folder of the OS temp dir. */
export const DEFAULT_BATCH_FOLDER = join(tmpdir(), "singerkit-batches");
const DEFAULT_BATCH_SIZE = 10_000;

/**
 * `batch_config` as SDK taps take it: `{ encoding: { format: "jsonl", compression: "gzip" |
 * "none" }, storage: { root: "file:///path", prefix }, batch_size }`. Undefined when unset;
 * a ConfigError naming the field for what cannot be honoured (parquet, s3://, a bad size).
 */
export function parseBatchConfig(value: unknown): BatchConfig | undefined {
  if (value === undefined || value === null) return undefined;
  const fail = (text: string) => new ConfigError(`batch_config: ${text}`);
  if (!isJsonObject(value)) throw fail("must be an object");
  const encoding = value.encoding ?? {};
  const storage = value.storage ?? {};
  if (!isJsonObject(encoding)) throw fail("encoding must be an object");
  if (!isJsonObject(storage)) throw fail("storage must be an object");
  const format = encoding.format ?? "jsonl";
  if (format !== "jsonl")
    throw fail(`encoding.format ${JSON.stringify(format)} is not supported (only jsonl)`);
  const compression = encoding.compression ?? "gzip";
  if (compression !== "gzip" && compression !== "none")
    throw fail(`encoding.compression must be "gzip" or "none", got ${JSON.stringify(compression)}`);
  const prefix = storage.prefix ?? "";
  if (typeof prefix !== "string" || /[/\\]/.test(prefix))
    throw fail("storage.prefix must be a string without path separators");
  const size = value.batch_size ?? DEFAULT_BATCH_SIZE;
  if (typeof size !== "number" || !Number.isInteger(size) || size < 1)
    throw fail(`batch_size must be a positive integer, got ${JSON.stringify(size)}`);
  return { compression, folder: folderOf(storage.root, fail), prefix, batchSize: size };
}

function folderOf(root: unknown, fail: (text: string) => ConfigError): string {
  if (root === undefined || root === null || root === "file://") return DEFAULT_BATCH_FOLDER;
  if (typeof root !== "string" || !root.startsWith("file://"))
    throw fail(
      `storage.root must be a file:// URL (only local files are supported), got ${JSON.stringify(root)}`,
    );
  try {
    return fileURLToPath(root);
  } catch {
    throw fail(
      `storage.root ${JSON.stringify(root)} is not a valid file:// URL (use file:///absolute/path)`,
    );
  }
}

/** Resolves when `sink` takes writes again, or is ending (closed by closeAll meanwhile). */
function roomIn(sink: Gzip | WriteStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      for (const event of ["drain", "finish", "close", "error"]) sink.off(event, done);
      resolve();
    };
    for (const event of ["drain", "finish", "close", "error"]) sink.on(event, done);
  });
}

interface OpenFile {
  readonly path: string;
  readonly out: WriteStream;
  readonly sink: Gzip | WriteStream;
  records: number;
  error?: Error;
  closing?: Promise<void>;
}

/**
 * Writes a tap's records to BATCH files instead of RECORD messages: one open file per stream,
 * closed by `closeAll()` (the writer calls it when a file holds `batchSize` records and before
 * any message other than RECORD or STATE), and announced with one BATCH message per file through
 * `emit`. Files are named
 * `<prefix><stream>-<run id>-<n>.jsonl[.gz]`, never overwritten, and left for the target.
 */
export class BatchFileWriter {
  readonly #config: BatchConfig;
  readonly #emit: (message: BatchMessage) => Promise<void> | undefined;
  readonly #run = randomUUID();
  readonly #files = new Map<string, OpenFile>();
  #count = 0;

  constructor(config: BatchConfig, emit: (message: BatchMessage) => Promise<void> | undefined) {
    this.#config = config;
    this.#emit = emit;
  }

  /** Appends one record (its JSON text); a promise only when the file must be waited for. */
  add(stream: string, recordJson: string): Promise<void> | undefined {
    const file = this.#files.get(stream) ?? this.#open(stream);
    if (file.error !== undefined)
      throw new Error(`could not write BATCH file ${file.path}: ${file.error.message}`, {
        cause: file.error,
      });
    file.records += 1;
    const room = file.sink.write(`${recordJson}\n`);
    return room ? undefined : roomIn(file.sink);
  }

  /** True when the stream's open file holds `batchSize` records: time for closeAll(). */
  isFull(stream: string): boolean {
    return (this.#files.get(stream)?.records ?? 0) >= this.#config.batchSize;
  }

  /** Closes every open file, announcing each with its BATCH message, in the order opened. */
  async closeAll(): Promise<void> {
    for (const [stream, file] of [...this.#files]) await this.#close(stream, file);
  }

  #open(stream: string): OpenFile {
    const { folder, prefix, compression } = this.#config;
    mkdirSync(folder, { recursive: true });
    this.#count += 1;
    const name = `${prefix}${stream.replace(/[^\w.-]/g, "_")}-${this.#run}-${this.#count}`;
    const path = join(folder, `${name}.jsonl${compression === "gzip" ? ".gz" : ""}`);
    const out = createWriteStream(path, { flags: "wx" });
    const sink = compression === "gzip" ? createGzip() : out;
    if (sink !== out) sink.pipe(out);
    const file: OpenFile = { path, out, sink, records: 0 };
    const failed = (error: Error) => {
      file.error ??= error; // reported by the next add(), or by finished() at the close
    };
    out.on("error", failed);
    if (sink !== out) sink.on("error", failed);
    this.#files.set(stream, file);
    return file;
  }

  #close(stream: string, file: OpenFile): Promise<void> {
    file.closing ??= this.#finish(stream, file);
    return file.closing;
  }

  async #finish(stream: string, file: OpenFile): Promise<void> {
    if (this.#files.get(stream) === file) this.#files.delete(stream);
    file.sink.end();
    await finished(file.out);
    const message: BatchMessage = {
      type: "BATCH",
      stream,
      encoding: { format: "jsonl", compression: this.#config.compression },
      manifest: [pathToFileURL(file.path).href],
    };
    await this.#emit(message);
  }
}
