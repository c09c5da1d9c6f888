import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { Logger } from "./log.js";
import { MetricCounter } from "./metrics.js";

/** A logger at INFO whose lines are kept (their timestamps are not looked at). */
function logLines() {
  const out = new PassThrough();
  let text = "";
  out.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { log: new Logger({ name: "tap-x", out }), lines: () => text.split("\n").filter(Boolean) };
}

describe("MetricCounter", () => {
  it("logs counts at most once per interval and at flush", () => {
    const { log, lines } = logLines();
    let now = 0;
    const counter = new MetricCounter(log, "record_count", { intervalMs: 60_000, now: () => now });
    counter.increment({ stream: "a" });
    counter.increment({ stream: "a" }, 4);
    counter.increment({ stream: "b" });
    expect(lines()).toEqual([]);
    now = 60_000;
    counter.increment({ stream: "a" });
    expect(lines().map((line) => line.split("METRIC: ")[1])).toEqual([
      '{"type":"counter","metric":"record_count","value":6,"tags":{"stream":"a"}}',
      '{"type":"counter","metric":"record_count","value":1,"tags":{"stream":"b"}}',
    ]);
    counter.increment({ stream: "b" }, 2);
    counter.flush();
    expect(lines().at(-1)?.split("METRIC: ")[1]).toBe(
      '{"type":"counter","metric":"record_count","value":2,"tags":{"stream":"b"}}',
    );
  });
});
