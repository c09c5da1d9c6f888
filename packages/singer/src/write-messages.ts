import type { Writable } from "node:stream";
import { type BatchConfig, BatchFileWriter } from "./batch-writer.js";
import { OutputClosedError } from "./errors.js";
import { parseMessage, type SingerMessage } from "./messages.js";

export interface MessageWriterOptions {
  /**
   * Serialised messages are gathered up to this many bytes before one `write()` call (stdout to
   * a pipe is a syscall per write on Linux). The gathered text is also written whenever the event
   * loop turns, so output is never held back while we wait for I/O. Default 64 KiB.
   */
  readonly chunkBytes?: number;
  /**
   * Applied to every message before it is written (a tap's stream maps): the message to write
   * instead, several (a stream and its copies), or `undefined` to drop it. Lines given to
   * `writeLine` are parsed for it first.
   */
  readonly map?: (message: SingerMessage) => Mapped;
  /**
   * A tap's `batch_config`: RECORDs (after the map) go to BATCH files instead of stdout; every
   * other message first closes the open files, so their BATCH messages come before it.
   */
  readonly batch?: BatchConfig;
}

/** What a map makes of one message: itself or another, several, or nothing. */
export type Mapped = SingerMessage | readonly SingerMessage[] | undefined;

/**
 * The only thing that writes Singer messages to stdout: compact JSON, one message per line.
 * `write()` resolves once the text is handed to the stream; when the stream is full it waits for
 * `drain`, so memory stays bounded however slow the reader is. When the reader goes away (EPIPE)
 * every pending and later write rejects with an OutputClosedError instead of an unhandled error.
 */
export class MessageWriter {
  readonly #out: Writable;
  readonly #chunkBytes: number;
  readonly #map: ((message: SingerMessage) => Mapped) | undefined;
  readonly #batch: BatchFileWriter | undefined;
  /** With batch files: the writes in order (closing files is asynchronous). */
  #chain: Promise<void> | undefined;
  /** With batch files: the latest STATE, written after the next BATCH messages. */
  #heldState: string | undefined;
  #buffer = "";
  #scheduled = false;
  #closed: OutputClosedError | undefined;
  #drained: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(out: Writable, options: MessageWriterOptions = {}) {
    this.#out = out;
    this.#chunkBytes = options.chunkBytes ?? 64 * 1024;
    this.#map = options.map;
    this.#batch =
      options.batch === undefined
        ? undefined
        : new BatchFileWriter(options.batch, (message) => this.#queue(JSON.stringify(message)));
    out.on("error", (error: NodeJS.ErrnoException) => this.#fail(error));
  }

  /** Queues one message; awaits only when the stream asked us to slow down. */
  write(message: SingerMessage): Promise<void> | undefined {
    return this.#writeMapped(this.#map === undefined ? message : this.#map(message));
  }

  #writeMapped(mapped: Mapped): Promise<void> | undefined {
    if (mapped === undefined) return this.#drained;
    if (!isList(mapped)) return this.#writeOne(mapped);
    // Every write is queued in order; waiting on the last one waits for the room they all need.
    let wait: Promise<void> | undefined;
    for (const message of mapped) wait = this.#writeOne(message) ?? wait;
    return wait;
  }

  #writeOne(message: SingerMessage): Promise<void> | undefined {
    if (this.#batch !== undefined) return this.#batched(message, this.#batch);
    return this.#queue(JSON.stringify(message));
  }

  /**
   * One RECORD from its record's JSON text and the rest of the line (`,"time_extracted":…}`):
   * written as it is, or (with batch files) the record text goes to its file unchanged, so no
   * number is re-read on the way.
   */
  writeRecord(stream: string, recordJson: string, suffix = "}"): Promise<void> | undefined {
    const line = `{"type":"RECORD","stream":${JSON.stringify(stream)},"record":${recordJson}${suffix}`;
    const batch = this.#batch;
    if (batch === undefined || this.#map !== undefined) return this.writeLine(line);
    return this.#batchRecord(batch, stream, recordJson);
  }

  /** Queues one already-serialised message or other line, e.g. a catalog (no newline). */
  writeLine(text: string): Promise<void> | undefined {
    if (this.#batch !== undefined) {
      const message = parseMessage(text, 0);
      return message === undefined ? this.#queue(text) : this.write(message);
    }
    if (this.#map === undefined) return this.#queue(text);
    const message = parseMessage(text, 0);
    const mapped = message === undefined ? message : this.#map(message);
    if (mapped === message) return this.#queue(text); // unmapped: the original text, byte for byte
    return this.#writeMapped(mapped);
  }

  /**
   * With batch files: a RECORD goes to its stream's file; a STATE is held (the latest wins) and
   * written after the BATCH messages of the next closing, so it always follows the records
   * before it; any other message closes the files first. Files close when one is full.
   */
  #batched(message: SingerMessage, batch: BatchFileWriter): Promise<void> | undefined {
    if (message.type === "RECORD")
      return this.#batchRecord(batch, message.stream, JSON.stringify(message.record));
    const text = JSON.stringify(message);
    if (message.type === "STATE") {
      if (this.#chain === undefined) this.#heldState = text;
      else
        return this.#then(() => {
          this.#heldState = text;
          return undefined;
        });
      return undefined;
    }
    return this.#then(async () => {
      await this.#closeFiles(batch);
      await this.#queue(text);
    });
  }

  #batchRecord(batch: BatchFileWriter, stream: string, text: string): Promise<void> | undefined {
    const add = async () => {
      await batch.add(stream, text);
      if (batch.isFull(stream)) await this.#closeFiles(batch);
    };
    if (this.#chain !== undefined) return this.#then(add);
    const room = batch.add(stream, text);
    if (!batch.isFull(stream)) return room;
    return this.#then(async () => {
      await room;
      await this.#closeFiles(batch);
    });
  }

  /** Closes every open file (their BATCH messages), then writes the held STATE. */
  async #closeFiles(batch: BatchFileWriter): Promise<void> {
    await batch.closeAll();
    const state = this.#heldState;
    this.#heldState = undefined;
    if (state !== undefined) await this.#queue(state);
  }

  /** Runs `step` after every write before it; the chain ends when nothing is pending. */
  #then(step: () => Promise<void> | undefined): Promise<void> {
    const next = (this.#chain ?? Promise.resolve()).then(step);
    this.#chain = next;
    const settled = () => {
      if (this.#chain === next) this.#chain = undefined;
    };
    next.then(settled, settled);
    return next;
  }

  #queue(text: string): Promise<void> | undefined {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    this.#buffer += `${text}\n`;
    if (this.#buffer.length >= this.#chunkBytes) return this.#push();
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        // A failure here surfaces on the next write() or flush(); nothing else may throw.
        this.#push()?.catch(() => undefined);
      });
    }
    return this.#drained;
  }

  /** Hands everything queued to the stream and waits until it has room again. */
  async flush(): Promise<void> {
    if (this.#chain !== undefined) await this.#chain;
    await this.#push();
    if (this.#closed !== undefined) throw this.#closed;
  }

  /** Closes the open BATCH files, writing their BATCH messages (end of a tap's run). */
  async closeBatches(): Promise<void> {
    const batch = this.#batch;
    if (batch !== undefined) await this.#then(() => this.#closeFiles(batch));
  }

  /** Flushes and waits until the stream has taken every byte (end of run). */
  async close(): Promise<void> {
    await this.closeBatches();
    await this.flush();
    const out = this.#out;
    if (out.writableNeedDrain) await this.#waitDrain();
    if (this.#closed !== undefined) throw this.#closed;
  }

  #push(): Promise<void> | undefined {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    if (this.#buffer.length === 0) return this.#drained;
    const text = this.#buffer;
    this.#buffer = "";
    const hasRoom = this.#out.write(text);
    if (!hasRoom && this.#drained === undefined) this.#drained = this.#waitDrain();
    return this.#drained;
  }

  #waitDrain(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        this.#out.off("drain", done);
        this.#out.off("close", done);
        this.#drained = undefined;
        this.#wake = undefined;
        if (this.#closed === undefined) resolve();
        else reject(this.#closed);
      };
      this.#wake = done;
      this.#out.on("drain", done);
      this.#out.on("close", done);
    });
  }

  #fail(error: NodeJS.ErrnoException): void {
    if (this.#closed !== undefined) return;
    const why =
      error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED"
        ? "the process reading our output closed the pipe (EPIPE); stopping"
        : `could not write output: ${error.message}`;
    this.#closed = new OutputClosedError(why, { cause: error });
    this.#buffer = "";
    this.#wake?.();
  }

  /** True once the reader went away; producers should stop. */
  /** True when stdout is a terminal: a person reads the messages on the screen stderr uses. */
  get isTTY(): boolean {
    return (this.#out as { isTTY?: unknown }).isTTY === true; // tty.WriteStream sets it
  }

  get isClosed(): boolean {
    return this.#closed !== undefined;
  }
}

function isList(
  mapped: SingerMessage | readonly SingerMessage[],
): mapped is readonly SingerMessage[] {
  return Array.isArray(mapped);
}
