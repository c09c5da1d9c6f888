import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { OutputClosedError } from "./errors.js";
import { message } from "./messages.js";
import { MessageWriter } from "./write-messages.js";

/** A writable that takes `capacity` bytes, then holds further chunks until release(). */
class SlowSink extends Writable {
  readonly chunks: string[] = [];
  #held: (() => void)[] = [];
  constructor(highWaterMark: number) {
    super({ highWaterMark, decodeStrings: false });
  }
  override _write(
    chunk: string,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    this.chunks.push(String(chunk));
    this.#held.push(() => callback());
  }
  release(): void {
    const held = this.#held;
    this.#held = [];
    for (const done of held) done();
  }
  get text(): string {
    return this.chunks.join("");
  }
}

describe("MessageWriter", () => {
  it("writes compact JSON, one message per line", async () => {
    const sink = new SlowSink(1 << 20);
    const writer = new MessageWriter(sink);
    await writer.write(
      message.schema("s", { type: "object", properties: { id: { type: "integer" } } }, ["id"]),
    );
    await writer.write(
      message.record("s", { id: 1, name: "Ann" }, new Date("2024-01-02T03:04:05.000Z")),
    );
    await writer.write(message.state({ bookmarks: { s: { id: 1 } } }));
    sink.release();
    await writer.close();
    expect(sink.text).toBe(
      [
        '{"type":"SCHEMA","stream":"s","schema":{"type":"object","properties":{"id":{"type":"integer"}}},"key_properties":["id"]}',
        '{"type":"RECORD","stream":"s","record":{"id":1,"name":"Ann"},"time_extracted":"2024-01-02T03:04:05.000Z"}',
        '{"type":"STATE","value":{"bookmarks":{"s":{"id":1}}}}',
        "",
      ].join("\n"),
    );
  });

  it("waits for drain when the stream is full, so memory stays bounded", async () => {
    const sink = new SlowSink(1024);
    const writer = new MessageWriter(sink, { chunkBytes: 512 });
    let written = 0;
    const producer = (async () => {
      for (let id = 0; id < 1000; id += 1) {
        await writer.write(message.record("s", { id, pad: "x".repeat(100) }));
        written += 1;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Nothing was consumed: the producer must be parked after about one high-water mark of data.
    expect(written).toBeLessThan(30);
    const parkedAt = written;
    const pump = setInterval(() => sink.release(), 1);
    await producer;
    clearInterval(pump);
    sink.release();
    await writer.close();
    expect(parkedAt).toBeGreaterThan(0);
    expect(sink.text.trimEnd().split("\n")).toHaveLength(1000);
  });

  it("rejects writes with OutputClosedError once the stream fails with EPIPE", async () => {
    const sink = new SlowSink(16);
    const writer = new MessageWriter(sink, { chunkBytes: 1 });
    const pending = writer.write(message.record("s", { id: 1 }));
    const epipe = Object.assign(new Error("write EPIPE"), { code: "EPIPE" });
    sink.destroy(epipe);
    await expect(pending).rejects.toBeInstanceOf(OutputClosedError);
    await expect(writer.write(message.record("s", { id: 2 }))).rejects.toThrow(
      "the process reading our output closed the pipe (EPIPE); stopping",
    );
    expect(writer.isClosed).toBe(true);
  });
});

describe("EPIPE on a real pipe", () => {
  it("exits non-zero with one clear line and no stack trace when the reader goes away", () => {
    const script = fileURLToPath(new URL("../test/fixtures/emit-forever.mjs", import.meta.url));
    const errFile = join(mkdtempSync(join(tmpdir(), "epipe-")), "stderr.txt");
    // `head` reads one line and exits; the tap's next writes hit EPIPE.
    const result = spawnSync(
      "bash",
      ["-c", 'node "$SCRIPT" 2>"$ERR" | head -n 1 >/dev/null; exit "$' + '{PIPESTATUS[0]}"'],
      {
        env: { ...process.env, SCRIPT: script, ERR: errFile },
        encoding: "utf8",
        timeout: 30_000,
      },
    );
    expect(result.status).toBe(1);
    const stderr = readFileSync(errFile, "utf8").trim().split("\n");
    expect(stderr).toEqual([
      expect.stringMatching(
        /^\S+Z FATAL tap-forever {2}the process reading our output closed the pipe \(EPIPE\); stopping$/,
      ),
    ]);
  });
});
