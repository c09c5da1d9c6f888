import { describe, expect, it } from "vitest";
import { RowBuffer } from "./row-buffer.js";

const text = (chunks: Iterable<Buffer>) => Buffer.concat([...chunks]).toString("utf8");

describe("RowBuffer", () => {
  it("a sealed one-row batch holds memory in proportion to its row, not a 64 KB chunk", () => {
    const buffer = new RowBuffer(true);
    const held = new Set<ArrayBufferLike>();
    let bytes = 0;
    for (let i = 0; i < 1000; i += 1) {
      buffer.add(`${i}\tvalue\n`, String(i), i);
      const [chunk] = [...buffer.take().chunks()];
      expect(chunk?.toString("utf8")).toBe(`${i}\tvalue\n`);
      if (chunk !== undefined && !held.has(chunk.buffer)) {
        held.add(chunk.buffer);
        bytes += chunk.buffer.byteLength;
      }
    }
    // Small copies share Node's 8 KB pool slabs: about 10 bytes a row, not 64 KB.
    expect(bytes).toBeLessThan(1000 * 100);
  });

  it("keeps rows in order as UTF-8 COPY data and counts them", () => {
    const buffer = new RowBuffer(false);
    buffer.add("1\tä\n", undefined, 10);
    buffer.add("2\tb\n", undefined, 11);
    expect(buffer.count).toBe(2);
    expect(buffer.bytes).toBe(9);
    const batch = buffer.take();
    expect(batch.rows).toBe(2);
    expect(text(batch.chunks())).toBe("1\tä\n2\tb\n");
    expect(batch.inputLine(2)).toBe(11);
    expect(buffer.count).toBe(0);
  });

  it("keyed: a later row with the same key replaces the earlier one (last write wins)", () => {
    const buffer = new RowBuffer(true);
    buffer.add("1\ta\n", "1", 1);
    buffer.add("2\tb\n", "2", 2);
    buffer.add("1\tc\n", "1", 3);
    buffer.add("1\td\n", "1", 4);
    const batch = buffer.take();
    expect(batch.rows).toBe(2);
    expect(batch.bytes).toBe(8);
    expect(text(batch.chunks())).toBe("2\tb\n1\td\n");
    expect(batch.inputLine(1)).toBe(2);
    expect(batch.inputLine(2)).toBe(4);
  });

  it("spans many chunks, including a row larger than a chunk, and grows its index", () => {
    const buffer = new RowBuffer(true);
    const rows: string[] = [];
    for (let i = 0; i < 5000; i += 1) {
      const row = `${i % 4000}\t${"x".repeat(i === 1234 ? 3_000_000 : i % 97)}\n`;
      rows.push(row);
      buffer.add(row, String(i % 4000), i + 1);
    }
    const live = new Map<string, string>();
    for (const [i, row] of rows.entries()) {
      live.delete(String(i % 4000));
      live.set(String(i % 4000), row);
    }
    const batch = buffer.take();
    expect(batch.rows).toBe(4000);
    expect(text(batch.chunks())).toBe([...live.values()].join(""));
  });

  it("a taken batch is independent of the next one", () => {
    const buffer = new RowBuffer(false);
    buffer.add("a\n", undefined, 1);
    const first = buffer.take();
    buffer.add("b\n", undefined, 2);
    expect(text(first.chunks())).toBe("a\n");
    expect(text(buffer.take().chunks())).toBe("b\n");
  });

  it("a batch can be read again (a flush replayed after a lost connection)", () => {
    for (const keyed of [false, true]) {
      const buffer = new RowBuffer(keyed);
      const rows = Array.from({ length: 5000 }, (_, i) => `${i % 3000}\t${"x".repeat(i % 50)}\n`);
      for (const [i, row] of rows.entries()) buffer.add(row, String(i % 3000), i + 1);
      const batch = buffer.take();
      const once = text(batch.chunks());
      expect(text(batch.chunks())).toBe(once);
      expect(once.split("\n").length - 1).toBe(keyed ? 3000 : 5000);
    }
  });

  it("a row given in parts (a huge field) is kept as text and read back as its UTF-8 bytes", () => {
    for (const keyed of [false, true]) {
      const buffer = new RowBuffer(keyed);
      // A surrogate pair across the 1 Mi-character piece boundary stays whole.
      const big = `${"x".repeat(1024 * 1024 - 1)}😀ä${"y".repeat(10)}`;
      buffer.add("1\ta\n", "1", 1);
      const size = buffer.add(["2\t", big, "\n"], "2", 2);
      buffer.add("3\tc\n", "3", 3);
      if (keyed) buffer.add("1\tA\n", "1", 4); // the first row is replaced: live rows only
      expect(size).toBe(Buffer.byteLength(`2\t${big}\n`));
      const batch = buffer.take();
      const expected = `2\t${big}\n3\tc\n${keyed ? "1\tA\n" : ""}`;
      expect(text(batch.chunks())).toBe(keyed ? expected : `1\ta\n${expected}`);
      expect(text(batch.chunks())).toBe(text(batch.chunks())); // read again for a replay
      expect(batch.bytes).toBe(Buffer.byteLength(keyed ? expected : `1\ta\n${expected}`));
      expect(Math.max(...[...batch.chunks()].map((c) => c.length))).toBeLessThan(4 * 1024 * 1024);
    }
  });
});
