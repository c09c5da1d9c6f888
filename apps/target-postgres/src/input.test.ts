import { PassThrough, Readable } from "node:stream";
import { IDLE, Logger } from "@singerkit/singer";
import { describe, expect, it } from "vitest";
import { readInput } from "./input.js";

describe("readInput: bytes that are not UTF-8", () => {
  it("load as U+FFFD with one WARN per stream naming the first line", async () => {
    const out = new PassThrough();
    let stderr = "";
    out.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const record = (stream: string, bytes: number[]) =>
      Buffer.concat([
        Buffer.from(`{"type":"RECORD","stream":"${stream}","record":{"v":"`),
        Buffer.from(bytes),
        Buffer.from('"}}\n'),
      ]);
    const input = Readable.from([
      record("a", [0x41]),
      record("a", [0xc3]),
      record("a", [0xff]),
      record("b", [0xfe, 0x42]),
    ]);
    const values: unknown[] = [];
    for await (const batch of readInput(input, new Logger({ name: "t", out }), 0))
      if (batch !== IDLE)
        for (const { message } of batch)
          if (message.type === "RECORD") values.push(message.record.v);
    expect(values).toEqual(["A", "\ufffd", "\ufffd", "\ufffdB"]);
    const warns = stderr.split("\n").filter((line) => line.includes(" WARN "));
    expect(warns.map((line) => line.replace(/^.* WARN +t +/, ""))).toEqual([
      "line 2, stream a: bytes that are not UTF-8 were replaced by U+FFFD (warned once per stream)",
      "line 4, stream b: bytes that are not UTF-8 were replaced by U+FFFD (warned once per stream)",
    ]);
  });
});
