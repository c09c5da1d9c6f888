import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { Logger } from "./log.js";
import { parseLogLevel } from "./log-levels.js";

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
});

function jsonLogger(options: { tty?: boolean; metricsLevel?: "debug" | "info" | "warn" } = {}) {
  const out = Object.assign(
    new PassThrough(),
    options.tty === true ? { isTTY: true, columns: 80 } : {},
  );
  const chunks: string[] = [];
  out.on("data", (chunk: Buffer) => chunks.push(chunk.toString()));
  const log = new Logger({
    name: "tap-x",
    out,
    format: "json",
    now: () => new Date("2026-01-02T03:04:05.678Z"),
    ...(options.metricsLevel === undefined ? {} : { metricsLevel: options.metricsLevel }),
  });
  return { log, text: () => chunks.join("") };
}

describe("Logger, log_format json", () => {
  it("writes every line, METRIC lines included, as one JSON object", () => {
    const { log, text } = jsonLogger();
    log.info("fetched page 3");
    log.metric({ type: "counter", metric: "record_count", value: 3, tags: { stream: "users" } });
    log.warn('quote " and\nnewline \u0000 NUL');
    const lines = text().split("\n").filter(Boolean);
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      {
        time: "2026-01-02T03:04:05.678Z",
        level: "info",
        plugin: "tap-x",
        message: "fetched page 3",
      },
      {
        time: "2026-01-02T03:04:05.678Z",
        level: "info",
        plugin: "tap-x",
        message: "METRIC",
        stream: "users",
        metric_info: {
          type: "counter",
          metric: "record_count",
          value: 3,
          tags: { stream: "users" },
        },
      },
      {
        time: "2026-01-02T03:04:05.678Z",
        level: "warn",
        plugin: "tap-x",
        message: 'quote " and\nnewline \u0000 NUL',
      },
    ]);
    expect(lines).toHaveLength(3); // the newline in the message stays inside its JSON string
  });

  it("redacts secrets in messages and in metric fields", () => {
    const { log, text } = jsonLogger();
    log.addSecrets(["s3cr/et+key", 'pw"x']);
    log.error('token=s3cr%2Fet%2Bkey body {"p":"pw\\"x"} key s3cr/et+key');
    log.metric({ type: "timer", metric: "http", value: 1, tags: { endpoint: "/a/s3cr/et+key" } });
    expect(text()).not.toMatch(/s3cr|pw\\"x|pw"x/);
    for (const line of text().split("\n").filter(Boolean))
      expect(() => JSON.parse(line)).not.toThrow();
  });
});

describe("Logger, metrics on a terminal", () => {
  const timer = (value: number) => ({
    type: "timer" as const,
    metric: "http_request_duration",
    value,
    tags: { endpoint: "/x" },
  });

  it("holds METRIC lines back on a terminal and sums them up in one line", () => {
    const { log, text } = jsonLogger({ tty: true });
    log.metric(timer(0.1));
    log.metric(timer(0.3));
    log.metric({ type: "counter", metric: "record_count", value: 5, tags: {} });
    expect(text()).toBe("");
    log.summariseMetrics();
    log.summariseMetrics(); // nothing more to say
    const lines = text().split("\n").filter(Boolean);
    expect(lines.map((line) => JSON.parse(line).message)).toEqual([
      "metrics: http_request_duration 2× (avg 0.200 s, max 0.300 s); record_count 5",
    ]);
  });

  it("shows them at the metrics level the user picks, and always in a log file", () => {
    const picked = jsonLogger({ tty: true, metricsLevel: "info" });
    picked.log.metric(timer(0.1));
    picked.log.summariseMetrics();
    expect(
      picked
        .text()
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line).message),
    ).toEqual(["METRIC"]);
    const file = jsonLogger();
    file.log.metric(timer(0.1));
    expect(JSON.parse(file.text()).metric_info.value).toBe(0.1);
  });
});
