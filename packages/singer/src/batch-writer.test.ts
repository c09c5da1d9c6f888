import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { DEFAULT_BATCH_FOLDER, parseBatchConfig } from "./batch-writer.js";
import { MessageWriter } from "./write-messages.js";

function collect() {
  const out = new PassThrough();
  let text = "";
  out.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
  });
  return { out, lines: () => text.trimEnd().split("\n") };
}

/** The records of a BATCH message's one file, as text lines. */
function fileLines(line: string): string[] {
  const message = JSON.parse(line) as { manifest: string[]; encoding: { compression: string } };
  const [url] = message.manifest;
  if (url === undefined) throw new Error("empty manifest");
  const bytes = readFileSync(fileURLToPath(url));
  const text =
    message.encoding.compression === "gzip" ? gunzipSync(bytes).toString() : bytes.toString();
  return text.trimEnd().split("\n");
}

const folder = () => mkdtempSync(join(tmpdir(), "batch-writer-test-"));

describe("parseBatchConfig (the SDK's batch_config)", () => {
  it("is undefined when unset; fills the SDK's defaults", () => {
    expect(parseBatchConfig(undefined)).toBeUndefined();
    expect(parseBatchConfig({})).toEqual({
      compression: "gzip",
      folder: DEFAULT_BATCH_FOLDER,
      prefix: "",
      batchSize: 10_000,
    });
    const dir = folder();
    expect(
      parseBatchConfig({
        encoding: { format: "jsonl", compression: "none" },
        storage: { root: pathToFileURL(dir).href, prefix: "run-" },
        batch_size: 500,
      }),
    ).toEqual({ compression: "none", folder: dir, prefix: "run-", batchSize: 500 });
  });

  it.each([
    [
      { encoding: { format: "parquet" } },
      'encoding.format "parquet" is not supported (only jsonl)',
    ],
    [{ encoding: { compression: "zstd" } }, 'encoding.compression must be "gzip" or "none"'],
    [{ storage: { root: "s3://bucket/x" } }, "storage.root must be a file:// URL"],
    [{ storage: { prefix: "a/b" } }, "storage.prefix must be a string without path separators"],
    [{ batch_size: 0 }, "batch_size must be a positive integer, got 0"],
  ])("refuses %j naming the field", (value, text) => {
    expect(() => parseBatchConfig(value)).toThrow(`batch_config: ${text}`);
  });
});

describe("MessageWriter with batch files", () => {
  it("writes records to files of batch_size; a full file closes all; the latest STATE follows them", async () => {
    const dir = folder();
    const { out, lines } = collect();
    const config = parseBatchConfig({
      storage: { root: pathToFileURL(dir).href, prefix: "t-" },
      batch_size: 2,
    });
    const writer = new MessageWriter(out, config === undefined ? {} : { batch: config });
    await writer.write({
      type: "SCHEMA",
      stream: "a",
      schema: { properties: {} },
      key_properties: ["id"],
    });
    for (const id of [1, 2, 3])
      await writer.writeRecord("a", `{"id":${id}}`, ',"time_extracted":"x"}');
    await writer.write({ type: "RECORD", stream: "b", record: { id: 10 } });
    await writer.writeRecord("a", '{"id":1234567890123456789}');
    await writer.write({ type: "STATE", value: { at: 4 } });
    await writer.writeRecord("b", '{"id":11}');
    await writer.close();
    const printed = lines();
    expect(printed.map((line) => (JSON.parse(line) as { type: string }).type)).toEqual([
      "SCHEMA",
      "BATCH", // a: 1, 2 (batch_size)
      "BATCH", // a: 3, 1234567890123456789 (batch_size: every open file closes)
      "BATCH", // b: 10
      "BATCH", // b: 11 (closed at the end)
      "STATE", // held until the files of the records before it were announced
    ]);
    expect(printed.filter((line) => line.includes('"BATCH"')).map(fileLines)).toEqual([
      ['{"id":1}', '{"id":2}'],
      ['{"id":3}', '{"id":1234567890123456789}'],
      ['{"id":10}'],
      ['{"id":11}'],
    ]);
    expect(JSON.parse(printed[1] ?? "")).toMatchObject({
      type: "BATCH",
      stream: "a",
      encoding: { format: "jsonl", compression: "gzip" },
    });
    const files = readdirSync(dir);
    expect(files).toHaveLength(4);
    expect(files.every((name) => /^t-[ab]-[0-9a-f-]{36}-\d\.jsonl\.gz$/.test(name))).toBe(true);
  });

  it("holds only the latest STATE, after the files before it, also when writes are not awaited", async () => {
    const dir = folder();
    const { out, lines } = collect();
    const config = parseBatchConfig({
      encoding: { compression: "none" },
      storage: { root: pathToFileURL(dir).href },
    });
    const writer = new MessageWriter(out, config === undefined ? {} : { batch: config });
    const pending = [
      writer.writeRecord("a", '{"id":1}'),
      writer.write({ type: "STATE", value: { n: 1 } }),
      writer.writeRecord("a", '{"id":2}'),
      writer.write({ type: "STATE", value: { n: 2 } }),
    ];
    await Promise.all(pending);
    await writer.close();
    const printed = lines().map((line) => JSON.parse(line) as { type: string; value?: unknown });
    expect(printed.map((m) => m.value ?? m.type)).toEqual(["BATCH", { n: 2 }]);
  });

  it("a record write waiting for room in its file ends when another message closes that file", async () => {
    const dir = folder();
    const { out, lines } = collect();
    const config = parseBatchConfig({ storage: { root: pathToFileURL(dir).href } });
    const writer = new MessageWriter(out, config === undefined ? {} : { batch: config });
    const big = "x".repeat(100_000); // more than the gzip stream buffers: the write must wait
    const waiting = writer.writeRecord("a", JSON.stringify({ id: 1, big }));
    expect(waiting).toBeInstanceOf(Promise);
    const schema = writer.write({
      type: "SCHEMA",
      stream: "b",
      schema: { properties: {} },
      key_properties: [],
    });
    await Promise.all([waiting, schema]);
    await writer.close();
    expect(lines().map((line) => (JSON.parse(line) as { type: string }).type)).toEqual([
      "BATCH",
      "SCHEMA",
    ]);
  });

  it("without batch_config, writeRecord writes the RECORD line as given", async () => {
    const { out, lines } = collect();
    const writer = new MessageWriter(out);
    await writer.writeRecord("a", '{"id":1234567890123456789}', ',"version":3}');
    await writer.close();
    expect(lines()).toEqual([
      '{"type":"RECORD","stream":"a","record":{"id":1234567890123456789},"version":3}',
    ]);
  });
});
