import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { Clock } from "./clock.js";
import { InputError } from "./errors.js";
import {
  IDLE,
  type InputLine,
  readInput,
  readLines,
  readMessages,
  withIdleTicks,
} from "./read-messages.js";

const record = (id: number) => `{"type":"RECORD","stream":"s","record":{"id":${id}}}`;

async function collect(
  chunks: (string | Buffer)[],
  options: Parameters<typeof readMessages>[1] = {},
) {
  const out: { line: number; type: string; id?: unknown }[] = [];
  for await (const { line, message } of readMessages(Readable.from(chunks), options)) {
    out.push({
      line,
      type: message.type,
      ...(message.type === "RECORD" ? { id: message.record.id } : {}),
    });
  }
  return out;
}

async function failure(
  chunks: (string | Buffer)[],
  options: Parameters<typeof readMessages>[1] = {},
) {
  try {
    await collect(chunks, options);
  } catch (error) {
    if (error instanceof InputError) return error.describe();
    throw error;
  }
  throw new Error("expected the read to fail");
}

describe("readMessages", () => {
  it("numbers lines from 1, counting and skipping blank lines", async () => {
    expect(await collect([`${record(1)}\n\n   \n${record(2)}\n`])).toEqual([
      { line: 1, type: "RECORD", id: 1 },
      { line: 4, type: "RECORD", id: 2 },
    ]);
  });

  it("handles CRLF line endings", async () => {
    expect(await collect([`${record(1)}\r\n${record(2)}\r\n`])).toEqual([
      { line: 1, type: "RECORD", id: 1 },
      { line: 2, type: "RECORD", id: 2 },
    ]);
  });

  it("reads a last line without a newline", async () => {
    expect(await collect([`${record(1)}\n${record(2)}`])).toEqual([
      { line: 1, type: "RECORD", id: 1 },
      { line: 2, type: "RECORD", id: 2 },
    ]);
  });

  it("strips a UTF-8 byte order mark", async () => {
    expect(
      await collect([
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${record(1)}\n`)]),
      ]),
    ).toEqual([{ line: 1, type: "RECORD", id: 1 }]);
  });

  it("joins lines and multi-byte characters split across chunks", async () => {
    const text = '{"type":"RECORD","stream":"s","record":{"id":"héllo ✓ 🚀"}}\n';
    const bytes = Buffer.from(text, "utf8");
    const chunks = [...bytes].map((byte) => Buffer.from([byte])); // one byte per chunk
    expect(await collect(chunks)).toEqual([{ line: 1, type: "RECORD", id: "héllo ✓ 🚀" }]);
  });

  it("names the line of invalid JSON and shows a snippet", async () => {
    expect(await failure([`${record(1)}\n{"type":"RECORD","stream":"s","record":{\n`])).toMatch(
      /^line 2: invalid JSON \(.+\): \{"type":"RECORD","stream":"s","record":\{$/,
    );
  });

  it("names the line of a truncated last line", async () => {
    expect(await failure([`${record(1)}\n${record(2).slice(0, 20)}`])).toMatch(
      /^line 2: invalid JSON/,
    );
  });

  it("warns and skips unknown types by default", async () => {
    const warnings: string[] = [];
    const out = await collect([`{"type":"HEARTBEAT"}\n${record(1)}\n`], {
      onWarning: (line, text) => warnings.push(`${line}: ${text}`),
    });
    expect(out).toEqual([{ line: 2, type: "RECORD", id: 1 }]);
    expect(warnings).toEqual(['1: unknown message type "HEARTBEAT", skipped']);
  });

  it("fails on unknown types when asked", async () => {
    expect(await failure([`${record(1)}\n{"type":"HEARTBEAT"}\n`], { unknownTypes: "fail" })).toBe(
      'line 2: unknown message type "HEARTBEAT"',
    );
  });

  it("fails on a line over the limit without buffering the rest of it", async () => {
    let pulled = 0;
    async function* endless() {
      yield `${record(1)}\n`;
      for (;;) {
        pulled += 1;
        yield "x".repeat(1024);
      }
    }
    let message = "";
    try {
      for await (const _ of readMessages(endless(), { maxLineBytes: 10_000 })) {
        // consume
      }
    } catch (error) {
      message = (error as InputError).describe();
    }
    expect(message).toBe(
      "line 2: line is longer than the limit of 10000 bytes (max_line_bytes); is the input NDJSON?",
    );
    expect(pulled).toBeLessThan(12);
  });

  it("accepts a line exactly at the limit", async () => {
    const line = record(1);
    expect(await collect([`${line}\r\n`], { maxLineBytes: Buffer.byteLength(line) })).toHaveLength(
      1,
    );
  });

  it("reads a 20 MB line in linear time (many small chunks)", async () => {
    const big = "y".repeat(20 * 1024 * 1024);
    const text = `{"type":"RECORD","stream":"s","record":{"id":"${big}"}}\n`;
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += 65536) chunks.push(text.slice(i, i + 65536));
    let length = 0;
    for await (const { message } of readMessages(Readable.from(chunks))) {
      if (message.type === "RECORD") length = String(message.record.id).length;
    }
    expect(length).toBe(big.length);
  });
});

describe("readLines", () => {
  it("reports each line's byte size without its line ending", async () => {
    const out = [];
    for await (const line of readLines(Readable.from(["é\r\nab\n"]))) out.push(line);
    expect(out).toEqual([
      { line: 1, text: "é", bytes: 2 },
      { line: 2, text: "ab", bytes: 2 },
    ]);
  });
});

/** A clock whose sleeps wait until the test fires them: no wall-clock sleeps. */
function manualClock() {
  const pending = new Set<() => void>();
  const clock: Clock = {
    now: () => 0,
    sleep: (_ms, signal) =>
      new Promise<void>((resolve, reject) => {
        const wake = () => {
          pending.delete(wake);
          resolve();
        };
        pending.add(wake);
        signal?.addEventListener("abort", () => {
          pending.delete(wake);
          reject(signal.reason);
        });
      }),
  };
  return {
    clock,
    fire: () => {
      for (const wake of [...pending]) wake();
    },
    armed: () => pending.size,
  };
}

/** A source the test feeds chunk by chunk. */
function feed<T>() {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  async function* source(): AsyncGenerator<T> {
    for (;;) {
      const next = queue.shift();
      if (next !== undefined) yield next;
      else if (ended) return;
      else await new Promise<void>((resolve) => (wake = resolve));
    }
  }
  return {
    source: source(),
    push(item: T) {
      queue.push(item);
      wake?.();
    },
    end() {
      ended = true;
      wake?.();
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("readInput", () => {
  it("yields each chunk's messages as one batch, with line numbers and raw text", async () => {
    const chunks = [
      `${record(1)}\n\n{"type":"RECORD", "stream":"s","record":{"id":2}}\n`,
      record(3),
    ];
    const batches: InputLine[][] = [];
    for await (const batch of readInput(Readable.from(chunks))) {
      if (batch !== IDLE) batches.push([...batch]);
    }
    expect(batches.map((batch) => batch.map(({ line, text }) => [line, text]))).toEqual([
      [
        [1, record(1)],
        [3, '{"type":"RECORD", "stream":"s","record":{"id":2}}'],
      ],
      [[4, record(3)]],
    ]);
  });

  it("parses lazily: a bad later line does not hide the earlier ones", async () => {
    const seen: number[] = [];
    let error: unknown;
    try {
      for await (const batch of readInput(
        Readable.from([`${record(1)}\n${record(2)}\nnot json\n`]),
      )) {
        if (batch === IDLE) continue;
        for (const { line } of batch) seen.push(line);
      }
    } catch (caught) {
      error = caught;
    }
    expect(seen).toEqual([1, 2]);
    expect((error as InputError).describe()).toMatch(/^line 3: invalid JSON/);
  });

  it("yields IDLE when no input came for idleMs, losing and reordering nothing", async () => {
    const { clock, fire, armed } = manualClock();
    const input = feed<string>();
    const events: (string | number)[] = [];
    const reading = (async () => {
      for await (const batch of readInput(input.source, { idleMs: 1000, clock })) {
        if (batch === IDLE) events.push("idle");
        else for (const { line } of batch) events.push(line);
      }
    })();
    input.push(`${record(1)}\n`);
    await tick();
    expect(armed()).toBe(1); // waiting for the next chunk, with a tick armed
    fire();
    await tick();
    fire();
    await tick();
    input.push(`${record(2)}\n${record(3)}`);
    await tick();
    input.end();
    await reading;
    expect(events).toEqual([1, "idle", "idle", 2, 3]);
    expect(armed()).toBe(0); // no timer left behind
  });

  it("withIdleTicks passes a source through untouched when the clock never fires", async () => {
    const { clock } = manualClock();
    const out: unknown[] = [];
    for await (const item of withIdleTicks(Readable.from(["a", "b"]), 5, clock)) out.push(item);
    expect(out).toEqual(["a", "b"]);
  });
});

describe("withIdleTicks", () => {
  it("yields IDLE when the clock's tick comes first, then the item, in order", async () => {
    const { clock, fire } = manualClock();
    let release: () => void = () => undefined;
    async function* source() {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      yield "a";
    }
    const ticks = withIdleTicks(source(), 1000, clock);
    const first = ticks.next();
    await tick();
    fire();
    expect((await first).value).toBe(IDLE);
    const second = ticks.next();
    release();
    expect((await second).value).toBe("a");
    expect((await ticks.next()).done).toBe(true);
  });

  it("a failing input cancels the pending tick: no timer outlives the read", async () => {
    const { clock, armed } = manualClock();
    async function* source(): AsyncGenerator<string> {
      await new Promise((resolve) => setImmediate(resolve));
      throw new Error("premature close");
    }
    await expect(withIdleTicks(source(), 1000, clock).next()).rejects.toThrow("premature close");
    expect(armed()).toBe(0);
  });
});

describe("bytes that are not UTF-8", () => {
  it("decode as U+FFFD and flag their line; a real U+FFFD or a character split across chunks does not", async () => {
    const bad = Buffer.concat([
      Buffer.from('{"type":"RECORD","stream":"s","record":{"v":"a'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}}\n'),
    ]);
    const real = Buffer.from('{"type":"RECORD","stream":"s","record":{"v":"\ufffd é"}}\n');
    const split = real.indexOf(0xc3); // the first byte of é
    const chunks = [bad, real.subarray(0, split + 1), real.subarray(split + 1)];
    const lines: { line: number; v: unknown; invalid: boolean }[] = [];
    for await (const batch of readInput(Readable.from(chunks))) {
      if (batch === IDLE) continue;
      for (const { line, message, invalidUtf8 } of batch)
        if (message.type === "RECORD")
          lines.push({ line, v: message.record.v, invalid: invalidUtf8 === true });
    }
    expect(lines).toEqual([
      { line: 1, v: "a\ufffd\ufffd", invalid: true },
      { line: 2, v: "\ufffd é", invalid: false },
    ]);
  });
});
