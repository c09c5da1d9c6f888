import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { Logger, MetricCounter, parseLogLevel } from "./log.js";

function logger(level: Parameters<typeof parseLogLevel>[0] = "info") {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on("data", (chunk: Buffer) => chunks.push(chunk.toString()));
  const log = new Logger({
    name: "tap-x",
    level: parseLogLevel(level) ?? "info",
    out,
    now: () => new Date("2026-01-02T03:04:05.678Z"),
  });
  return { log, lines: () => chunks.join("").split("\n").filter(Boolean) };
}

describe("Logger", () => {
  it("writes one formatted line per event at or above its level", () => {
    const { log, lines } = logger("warning");
    log.debug("d");
    log.info("i");
    log.warn("careful");
    log.fatal("boom");
    expect(lines()).toEqual([
      "2026-01-02T03:04:05.678Z WARN  tap-x  careful",
      "2026-01-02T03:04:05.678Z FATAL tap-x  boom",
    ]);
  });

  it("redacts secrets by value, also URL-encoded and JSON-escaped", () => {
    const { log, lines } = logger();
    log.addSecrets(["s3cr/et+key", 'pw"x']);
    log.error(
      'GET https://h/api?token=s3cr%2Fet%2Bkey failed; key s3cr/et+key; body {"p":"pw\\"x"}',
    );
    expect(lines()).toEqual([
      '2026-01-02T03:04:05.678Z ERROR tap-x  GET https://h/api?token=*** failed; key ***; body {"p":"***"}',
    ]);
  });

  it("escapes control characters from data (NUL, ESC, BEL) but keeps tabs", () => {
    const { log, lines } = logger();
    log.info("stream a\u0000b: \u001b[2Jcleared\u0007\tok");
    expect(lines()).toEqual([
      "2026-01-02T03:04:05.678Z INFO  tap-x  stream a\\u0000b: \\u001b[2Jcleared\\u0007\tok",
    ]);
  });

  it("writes Singer metric lines", () => {
    const { log, lines } = logger();
    log.metric({ type: "counter", metric: "record_count", value: 3, tags: { stream: "users" } });
    expect(lines()).toEqual([
      '2026-01-02T03:04:05.678Z INFO  tap-x  METRIC: {"type":"counter","metric":"record_count","value":3,"tags":{"stream":"users"}}',
    ]);
  });

  it.each([
    ["DEBUG", "debug"],
    ["Warning", "warn"],
    ["critical", "fatal"],
    ["loud", undefined],
    [undefined, undefined],
  ])("parses level %s", (text, expected) => {
    expect(parseLogLevel(text)).toBe(expected);
  });
});

describe("MetricCounter", () => {
  it("logs counts at most once per interval and at flush", () => {
    const { log, lines } = logger();
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
