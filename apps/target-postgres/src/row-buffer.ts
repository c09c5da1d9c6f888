/**
 * A stream's pending rows, already encoded as COPY text, stored as UTF-8 in a few large Buffers
 * (no per-row object survives the record it came from, so memory is the encoded size plus a few
 * bytes of index per row). A row with a huge field (given in parts) is kept as its text instead,
 * a chunk of its own, and encoded a megabyte at a time as the COPY reads it: its field is a slice
 * of the input line, which is in memory anyway while the record is loaded, so a 60 MB jsonb value
 * is not held twice. For keyed streams a later row with the same key replaces the earlier one
 * (last write wins inside a batch, so the merge never touches a row twice).
 */

/** A row's COPY text, or its parts in order (a row with a huge field, see record-encoder.ts). */
export type RowText = string | readonly string[];

/** A row kept as text (see above): its parts, in order. */
type TextChunk = readonly string[];
type Chunk = Buffer | TextChunk;

const FIRST_CHUNK = 64 * 1024;
const MAX_CHUNK = 4 * 1024 * 1024;
const FIRST_ROWS = 256;
/** Characters of a text chunk encoded per COPY piece. */
const TEXT_PIECE = 1024 * 1024;

/** A sealed batch, ready for COPY. */
export interface Batch {
  /** Rows to load (duplicates already removed). */
  readonly rows: number;
  /** Encoded size of those rows, in bytes. */
  readonly bytes: number;
  /** The COPY data, in order; each chunk is released once it has been handed out. */
  chunks(): Generator<Buffer>;
  /** The input line of the n-th (1-based) row of the COPY data, for error messages. */
  inputLine(copyRow: number): number | undefined;
}

export class RowBuffer {
  readonly #keyed: boolean;
  #chunks: Chunk[] = [];
  #chunk: Buffer = Buffer.alloc(0);
  #used = 0;
  #nextChunkSize = FIRST_CHUNK;
  #count = 0;
  #dead = 0;
  #written = 0;
  #liveBytes = 0;
  #chunkOf = new Uint32Array(FIRST_ROWS);
  #start = new Uint32Array(FIRST_ROWS);
  #end = new Uint32Array(FIRST_ROWS);
  #line = new Float64Array(FIRST_ROWS);
  #isDead = new Uint8Array(FIRST_ROWS);
  #keys: Map<string, number> | undefined;

  constructor(keyed: boolean) {
    this.#keyed = keyed;
    this.#keys = keyed ? new Map() : undefined;
  }

  /** Rows added since the last take (duplicates included: they used memory). */
  get count(): number {
    return this.#count;
  }

  /** Bytes written since the last take. */
  get bytes(): number {
    return this.#written;
  }

  /** Adds one encoded row (ending in "\n"); returns its size in bytes. */
  add(row: RowText, key: string | undefined, line: number): number {
    const text = typeof row !== "string";
    const size = text ? this.#keepText(row) : this.#write(row);
    const start = text ? 0 : this.#used;
    const index = this.#count;
    if (index === this.#start.length) this.#grow();
    this.#chunkOf[index] = this.#chunks.length - 1;
    this.#start[index] = start;
    this.#end[index] = start + size;
    this.#line[index] = line;
    if (!text) this.#used += size;
    this.#count += 1;
    this.#written += size;
    this.#liveBytes += size;
    if (this.#keys !== undefined && key !== undefined) {
      const previous = this.#keys.get(key);
      if (previous !== undefined) {
        this.#isDead[previous] = 1;
        this.#dead += 1;
        this.#liveBytes -= (this.#end[previous] ?? 0) - (this.#start[previous] ?? 0);
      }
      this.#keys.set(key, index);
    }
    return size;
  }

  /** Writes one row's text at the end of the current chunk (or a new one); returns its size. */
  #write(row: string): number {
    // A huge row gets a chunk of its exact size: at 3 bytes a character a 60 MB row would
    // reserve 180 MB, and sealing the batch would copy the used part again.
    const bound = row.length > MAX_CHUNK / 3 ? Buffer.byteLength(row) : row.length * 3;
    if (this.#used + bound > this.#chunk.length) this.#newChunk(bound);
    return this.#chunk.write(row, this.#used, "utf8");
  }

  /** A row given in parts becomes a text chunk of its own; returns its size in bytes. */
  #keepText(parts: TextChunk): number {
    this.#trimChunk();
    this.#chunks.push(parts);
    // The next row starts a new Buffer chunk.
    this.#chunk = Buffer.alloc(0);
    this.#used = 0;
    let size = 0;
    for (const part of parts) size += Buffer.byteLength(part);
    return size;
  }

  /** Hands the rows over as a Batch and starts empty. */
  take(): Batch {
    // A sealed batch keeps memory in proportion to its rows: the last chunk and the per-row
    // arrays are copied to their used size when most of them is empty (a one-row batch would
    // otherwise hold 64 KB and 256-row arrays while it waits for its commit).
    const chunks = this.#chunks;
    const used = this.#used;
    const lastChunk = chunks.length - 1;
    const last = chunks[lastChunk];
    if (last !== undefined && !isText(last) && used * 2 < last.length)
      chunks[lastChunk] = Buffer.from(last.subarray(0, used));
    const rows = this.#count - this.#dead;
    const bytes = this.#liveBytes;
    const count = this.#count;
    const chunkOf = fitted(this.#chunkOf, count);
    const start = fitted(this.#start, count);
    const end = fitted(this.#end, count);
    const lines = fitted(this.#line, count);
    const isDead = this.#dead > 0 ? fitted(this.#isDead, count) : undefined;
    this.#reset();
    return {
      rows,
      bytes,
      chunks: () =>
        isDead === undefined
          ? wholeChunks(chunks, used)
          : liveRows(chunks, count, chunkOf, start, end, isDead),
      inputLine: (copyRow) => {
        let seen = 0;
        for (let i = 0; i < count; i += 1) {
          if (isDead?.[i] === 1) continue;
          seen += 1;
          if (seen === copyRow) return lines[i];
        }
        return undefined;
      },
    };
  }

  /** The finished Buffer chunk keeps only its used part (rows never span chunks). */
  #trimChunk(): void {
    const last = this.#chunks.length - 1;
    if (last >= 0 && this.#chunks[last] === this.#chunk)
      this.#chunks[last] = this.#chunk.subarray(0, this.#used);
  }

  #newChunk(bound: number): void {
    this.#trimChunk();
    const size = Math.max(this.#nextChunkSize, bound);
    this.#nextChunkSize = Math.min(this.#nextChunkSize * 2, MAX_CHUNK);
    this.#chunk = Buffer.allocUnsafe(size);
    this.#chunks.push(this.#chunk);
    this.#used = 0;
  }

  #grow(): void {
    const size = this.#start.length * 2;
    this.#chunkOf = grown(this.#chunkOf, new Uint32Array(size));
    this.#start = grown(this.#start, new Uint32Array(size));
    this.#end = grown(this.#end, new Uint32Array(size));
    this.#line = grown(this.#line, new Float64Array(size));
    this.#isDead = grown(this.#isDead, new Uint8Array(size));
  }

  #reset(): void {
    this.#chunks = [];
    this.#chunk = Buffer.alloc(0);
    this.#used = 0;
    this.#nextChunkSize = FIRST_CHUNK;
    this.#count = 0;
    this.#dead = 0;
    this.#written = 0;
    this.#liveBytes = 0;
    this.#chunkOf = new Uint32Array(FIRST_ROWS);
    this.#start = new Uint32Array(FIRST_ROWS);
    this.#end = new Uint32Array(FIRST_ROWS);
    this.#line = new Float64Array(FIRST_ROWS);
    this.#isDead = new Uint8Array(FIRST_ROWS);
    this.#keys = this.#keyed ? new Map() : undefined;
  }
}

/** `array` cut to `count` items (a copy) when most of it is unused. */
function fitted<T extends Uint32Array | Float64Array | Uint8Array>(array: T, count: number): T {
  return count * 2 < array.length ? (array.slice(0, count) as T) : array;
}

function grown<T extends Uint32Array | Float64Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/**
 * Every chunk (the last one up to its used length). Chunks are kept, not dropped once yielded:
 * a flush whose connection fails is replayed from the same batch (retry.ts, flush_retries).
 */
function* wholeChunks(chunks: readonly Chunk[], lastUsed: number): Generator<Buffer> {
  for (let i = 0; i < chunks.length; i += 1) {
    const chunk = chunks[i];
    if (chunk === undefined) continue;
    if (isText(chunk)) yield* textBytes(chunk);
    else yield i === chunks.length - 1 ? chunk.subarray(0, lastUsed) : chunk;
  }
}

function isText(chunk: Chunk): chunk is TextChunk {
  return Array.isArray(chunk);
}

/** A text chunk as UTF-8, TEXT_PIECE characters at a time (never between a surrogate pair). */
function* textBytes(parts: TextChunk): Generator<Buffer> {
  for (const part of parts) {
    let from = 0;
    while (from < part.length) {
      let to = Math.min(from + TEXT_PIECE, part.length);
      const last = part.charCodeAt(to - 1);
      if (to < part.length && last >= 0xd800 && last <= 0xdbff) to += 1;
      yield Buffer.from(part.slice(from, to), "utf8");
      from = to;
    }
  }
}

/** Live rows only, contiguous live rows of one chunk coalesced into one slice. */
function* liveRows(
  chunks: readonly Chunk[],
  count: number,
  chunkOf: Uint32Array,
  start: Uint32Array,
  end: Uint32Array,
  isDead: Uint8Array,
): Generator<Buffer> {
  let run: { chunk: number; from: number; to: number } | undefined;
  for (let i = 0; i < count; i += 1) {
    if (isDead[i] === 1) continue;
    const chunk = chunkOf[i] ?? 0;
    const from = start[i] ?? 0;
    const to = end[i] ?? 0;
    if (run !== undefined && run.chunk === chunk && run.to === from) {
      run.to = to;
      continue;
    }
    if (run !== undefined) yield* slice(chunks, run);
    run = { chunk, from, to };
  }
  if (run !== undefined) yield* slice(chunks, run);
}

/** A run of rows of one chunk (a text chunk holds one row: all of it). */
function* slice(
  chunks: readonly Chunk[],
  run: { chunk: number; from: number; to: number },
): Generator<Buffer> {
  const chunk = chunks[run.chunk];
  if (chunk === undefined) return;
  if (isText(chunk)) yield* textBytes(chunk);
  else yield chunk.subarray(run.from, run.to);
}
