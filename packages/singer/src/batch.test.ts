import { mkdtempSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { type BatchRecord, checkBatch, checkBatchFiles, readBatchRecords } from "./batch.js";
import { InputError } from "./errors.js";
import type { BatchMessage } from "./messages.js";

const dir = mkdtempSync(join(tmpdir(), "batch-test-"));
function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return pathToFileURL(path).href;
}
const batch = (manifest: string[], compression?: string): BatchMessage => ({
  type: "BATCH",
  stream: "users",
  encoding: { format: "jsonl", ...(compression === undefined ? {} : { compression }) },
  manifest,
});

async function collect(message: BatchMessage): Promise<BatchRecord[]> {
  const out: BatchRecord[] = [];
  for await (const record of readBatchRecords(message, { line: 7 })) out.push(record);
  return out;
}

async function failure(message: BatchMessage): Promise<string> {
  try {
    await collect(message);
  } catch (error) {
    if (error instanceof InputError) return error.describe();
    throw error;
  }
  throw new Error("no error");
}

const lines = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => JSON.stringify({ id: from + i })).join("\n");

describe("readBatchRecords (the SDK's jsonl BATCH files)", () => {
  it("reads jsonl and jsonl.gz files of a manifest in order, CRLF and blank lines too", async () => {
    const plain = file("a.jsonl", `${lines(1, 2)}\r\n\n{"id":3}`);
    const gz = file("b.jsonl.gz", gzipSync(`${lines(4, 5)}\n`));
    expect((await collect(batch([plain]))).map(({ record, line }) => [record.id, line])).toEqual([
      [1, 1],
      [2, 2],
      [3, 4],
    ]);
    expect((await collect(batch([gz], "gzip"))).map(({ record }) => record.id)).toEqual([4, 5]);
    const both = await collect({ ...batch([plain]), manifest: [plain, plain] });
    expect(both).toHaveLength(6);
  });

  it("streams a large gzip file without holding it (the first record comes before the end)", async () => {
    const big = file("big.jsonl.gz", gzipSync(lines(1, 200_000)));
    const reader = readBatchRecords(batch([big], "gzip"));
    const first = await reader.next();
    expect(first.value).toMatchObject({ record: { id: 1 }, line: 1 });
    await reader.return(undefined); // stops reading and closes the file
    let count = 0;
    for await (const _ of readBatchRecords(batch([big], "gzip"))) count += 1;
    expect(count).toBe(200_000);
  });

  it("names the file for a missing one", async () => {
    const missing = pathToFileURL(join(dir, "nope.jsonl.gz")).href;
    expect(await failure(batch([missing], "gzip"))).toBe(
      `line 7, stream users: BATCH file ${missing} does not exist`,
    );
  });

  it("names the file and line for a truncated gzip file", async () => {
    const whole = gzipSync(`${lines(1, 50_000)}\n`);
    const cut = file("cut.jsonl.gz", whole.subarray(0, Math.floor(whole.length / 2)));
    const error = await failure(batch([cut], "gzip"));
    expect(error).toMatch(
      new RegExp(
        `^line 7, stream users: BATCH file ${cut}, line \\d+: not a valid gzip stream \\(unexpected end of file\\)$`,
      ),
    );
  });

  it("names the file and line for a gzip file that is not gzip, and for bad JSON", async () => {
    const notGzip = file("plain.jsonl.gz", lines(1, 3));
    expect(await failure(batch([notGzip], "gzip"))).toMatch(
      /BATCH file .*plain\.jsonl\.gz, line 1: not a valid gzip stream \(incorrect header check\)/,
    );
    const bad = file("bad.jsonl", `{"id":1}\n{"id":\n`);
    expect(await failure(batch([bad]))).toMatch(
      /BATCH file .*bad\.jsonl, line 2: invalid JSON \(.*\): \{"id":$/,
    );
    const array = file("array.jsonl", "[1]\n");
    expect(await failure(batch([array]))).toMatch(/line 1: a record must be a JSON object: \[1\]$/);
  });

  it("checkBatchFiles reads every file to its end: it counts lines, and fails as the reader does", async () => {
    const plain = file("c.jsonl", `${lines(1, 3)}\n`);
    const gz = file("d.jsonl.gz", gzipSync(`${lines(1, 40_000)}\n`));
    expect(await checkBatchFiles(batch([plain, plain]))).toBe(6);
    expect(await checkBatchFiles(batch([gz], "gzip"))).toBe(40_000);
    const whole = gzipSync(`${lines(1, 50_000)}\n`);
    const cut = file("cut2.jsonl.gz", whole.subarray(0, Math.floor(whole.length / 2)));
    await expect(checkBatchFiles(batch([gz, cut], "gzip"), { line: 3 })).rejects.toThrow(
      /BATCH file .*cut2\.jsonl\.gz, line \d+: not a valid gzip stream \(unexpected end of file\)/,
    );
    // Lines are not parsed: a bad line is the loading pass's error, with its file and line.
    expect(await checkBatchFiles(batch([file("e.jsonl", "{not json\n")]))).toBe(1);
  });

  it("checkBatchFiles counts and limits lines as the reader splits them, without decoding them", async () => {
    const both = async (text: string, maxLineBytes: number) => {
      const message = batch([file(`lim-${maxLineBytes}.jsonl`, text)]);
      const check = await checkBatchFiles(message, { maxLineBytes }).catch((e: Error) => e.message);
      const read: string[] = [];
      try {
        for await (const r of readBatchRecords(message, { maxLineBytes })) read.push(r.text);
      } catch (error) {
        return { check, read: (error as Error).message };
      }
      return { check, read: read.length };
    };
    // CRLF endings, a BOM, a last line without newline, empty lines: the same count as the reader
    // (which skips empty lines as records but counts them as lines).
    const bom = "\ufeff";
    expect(await checkBatchFiles(batch([file("crlf.jsonl", `${bom}{"a":1}\r\n\r\n{"a":2}`)]))).toBe(
      3,
    );
    // A line of exactly the limit passes (its CR not counted); one byte more fails, in both passes.
    expect(await both('{"a":"12"}\r\n{"a":1}\n', 10)).toEqual({ check: 2, read: 2 });
    const over = await both('{"a":1}\n{"a":"123"}\n', 10);
    expect(over.check).toMatch(/^line is longer than the limit of 10 bytes/);
    expect(over.check).toBe(over.read);
    // The limit also holds for a last line without newline, and across chunk boundaries.
    const long = `{"a":1}\n{"a":"${"x".repeat(200_000)}"}`;
    const cut = await both(long, 100_000);
    expect(cut.check).toMatch(/^line is longer than the limit of 100000 bytes/);
    expect(
      await checkBatchFiles(batch([file("long.jsonl", long)]), { maxLineBytes: 300_000 }),
    ).toBe(2);
  });

  it("checkBatch keeps what fits in keepBytes: the records come from memory, the same as from disk", async () => {
    const a = file("keep-a.jsonl.gz", gzipSync(`${lines(1, 3000)}\n`));
    const expected = await collect(batch([a], "gzip"));
    const checked = await checkBatch(batch([a], "gzip"), { keepBytes: 1 << 20 });
    expect(checked.lines).toBe(3000);
    unlinkSync(fileURLToPath(a)); // records() can only read the kept bytes now
    const kept: BatchRecord[] = [];
    for await (const r of checked.records()) kept.push(r);
    expect(kept).toEqual(expected);
    // Over the budget nothing is kept: records() reads the file again (and sees it changed).
    const b = file("keep-b.jsonl", `${lines(1, 2)}\n`);
    const over = await checkBatch(batch([b]), { keepBytes: 10 });
    expect(over.lines).toBe(2);
    writeFileSync(fileURLToPath(b), `${lines(7, 7)}\n`);
    const again: BatchRecord[] = [];
    for await (const r of over.records()) again.push(r);
    expect(again.map((r) => r.record)).toEqual([{ id: 7 }]);
  });

  it("refuses what it cannot read, before opening anything", async () => {
    expect(await failure({ ...batch([]), encoding: { format: "parquet" } })).toBe(
      'line 7, stream users: BATCH format "parquet" is not supported (only jsonl)',
    );
    expect(await failure(batch([], "zstd"))).toContain('BATCH compression "zstd" is not supported');
    expect(await failure(batch(["s3://bucket/users.jsonl"]))).toContain(
      'BATCH manifest entry "s3://bucket/users.jsonl" is not supported (only file:// URLs)',
    );
  });
});
