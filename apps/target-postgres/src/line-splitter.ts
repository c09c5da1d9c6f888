import { InputError } from "@repo/singer";

/**
 * Cuts bytes into numbered lines (from 1; CRLF, a UTF-8 BOM and a last line without newline
 * handled; a line over `maxLineBytes` fails as soon as it passes the limit). The same rules as
 * @repo/singer's reader, whose splitter is not exported: the target feeds it chunk by chunk so
 * it can interleave idle ticks (see input.ts).
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

  push(piece: Buffer | string): { line: number; text: string }[] {
    let chunk = typeof piece === "string" ? Buffer.from(piece, "utf8") : piece;
    if (this.#first && chunk.length > 0) {
      this.#first = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    }
    const lines: { line: number; text: string }[] = [];
    let start = 0;
    let end = chunk.indexOf(0x0a, start);
    while (end !== -1) {
      let bytes = chunk.subarray(start, end);
      if (this.#pendingBytes > 0) {
        this.#pending.push(bytes);
        bytes = Buffer.concat(this.#pending, this.#pendingBytes + bytes.length);
        this.#pending = [];
        this.#pendingBytes = 0;
      }
      lines.push(this.#take(bytes));
      start = end + 1;
      end = chunk.indexOf(0x0a, start);
    }
    if (start < chunk.length) {
      this.#pending.push(chunk.subarray(start));
      this.#pendingBytes += chunk.length - start;
      if (this.#pendingBytes > this.#max + 1) throw tooLong(this.#line + 1, this.#max);
    }
    return lines;
  }

  /** The last line when the input did not end with a newline. */
  end(): { line: number; text: string } | undefined {
    if (this.#pendingBytes === 0) return undefined;
    const bytes = Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    return this.#take(bytes);
  }

  #take(bytes: Buffer): { line: number; text: string } {
    this.#line += 1;
    const length =
      bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    if (length > this.#max) throw tooLong(this.#line, this.#max);
    return { line: this.#line, text: bytes.toString("utf8", 0, length) };
  }
}

function tooLong(line: number, max: number): InputError {
  return new InputError(`line is longer than the limit of ${max} bytes; is the input NDJSON?`, {
    line,
  });
}
