import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Logger } from "./log.js";
import type { LogLevel } from "./log-levels.js";
import {
  PROGRESS_SETTINGS,
  ProgressReporter,
  progressIntervalMs,
  progressReporter,
} from "./progress.js";
import { MessageWriter } from "./write-messages.js";

/** A stderr stand-in: records every write; `tty` makes it look like a terminal of that width. */
class FakeStderr extends Writable {
  readonly writes: string[] = [];
  readonly isTTY: boolean;
  readonly columns: number | undefined;

  constructor(tty?: { columns: number }) {
    super();
    this.isTTY = tty !== undefined;
    this.columns = tty?.columns;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.writes.push(chunk.toString());
    done();
  }

  /** Everything written, as one string. */
  get text(): string {
    return this.writes.join("");
  }

  /** Complete log lines without their timestamp/level/name prefix. */
  get lines(): string[] {
    return this.text
      .split("\n")
      .slice(0, -1)
      .map((line) => line.replace(/^.*? tap-x {2}/, ""));
  }
}

function setup(options: { tty?: { columns: number }; level?: LogLevel; intervalMs?: number }) {
  const out = new FakeStderr(options.tty);
  const log = new Logger({
    name: "tap-x",
    out,
    level: options.level ?? "info",
    now: () => new Date("2026-01-02T03:04:05.678Z"),
  });
  const progress = new ProgressReporter({ log, intervalMs: options.intervalMs ?? 10_000 });
  return { out, log, progress };
}

const CLEAR = "\r\x1b[2K";

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("ProgressReporter, not on a terminal", () => {
  it("logs one plain line per interval: per stream count and rate, then the total", () => {
    const { out, progress } = setup({});
    progress.count("users", 12_345);
    progress.count("tables", 400);
    progress.count("tables", 100);
    vi.advanceTimersByTime(9_999);
    expect(out.lines).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(out.lines).toEqual([
      "progress: users 12,345 (1,235/s), tables 500 (50/s); total 12,845 (1,285/s) in 0:10",
    ]);
    expect(out.text).not.toContain("\x1b");
    progress.stop();
  });

  it("measures the rate over the last interval, not the whole run", () => {
    const { out, progress } = setup({});
    progress.count("users", 1_000);
    vi.advanceTimersByTime(10_000);
    progress.count("users", 25);
    vi.advanceTimersByTime(10_000);
    expect(out.lines).toEqual([
      "progress: users 1,000 (100/s); total 1,000 (100/s) in 0:10",
      "progress: users 1,025 (2.5/s); total 1,025 (2.5/s) in 0:20",
    ]);
    progress.stop();
  });

  it("shows n/total and a percentage where the total is known", () => {
    const { out, progress } = setup({});
    progress.setTotal("users", 2_000);
    progress.count("users", 500);
    progress.count("tags", 7);
    vi.advanceTimersByTime(10_000);
    expect(out.lines).toEqual([
      "progress: users 500/2,000 25% (50/s), tags 7 (0.7/s); total 507 (51/s) in 0:10",
    ]);
    progress.stop();
  });

  it("adds committed rows when they are reported (a target)", () => {
    const { out, progress } = setup({});
    progress.count("users", 300);
    progress.committed("users", 200);
    vi.advanceTimersByTime(10_000);
    expect(out.lines).toEqual([
      "progress: users 300 (30/s, 200 committed); total 300 (30/s, 200 committed) in 0:10",
    ]);
    progress.stop();
  });

  it("shows committed rows from the start when asked (a target)", () => {
    const out = new FakeStderr();
    const log = new Logger({ name: "tap-x", out });
    const progress = new ProgressReporter({ log, intervalMs: 10_000, showCommitted: true });
    progress.count("users", 300);
    vi.advanceTimersByTime(10_000);
    expect(out.lines).toEqual([
      "progress: users 300 (30/s, 0 committed); total 300 (30/s, 0 committed) in 0:10",
    ]);
    progress.stop();
  });

  it("says nothing until something is counted", () => {
    const { out, progress } = setup({});
    vi.advanceTimersByTime(60_000);
    progress.stop();
    expect(out.writes).toEqual([]);
  });

  it("stop() logs the summary once: per stream counts, total and the overall rate", () => {
    const { out, progress } = setup({});
    progress.count("users", 90);
    progress.count("tables", 30);
    vi.advanceTimersByTime(61_000);
    out.writes.length = 0;
    progress.stop();
    progress.stop();
    expect(out.lines).toEqual([
      "progress: finished in 1:01: users 90, tables 30; total 120 (2.0/s)",
    ]);
    expect(progress.isActive).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("the summary names committed rows per stream when there are any", () => {
    const { out, progress } = setup({});
    progress.count("users", 3);
    progress.committed("users", 3);
    vi.advanceTimersByTime(1_000);
    progress.stop();
    expect(out.lines).toEqual([
      "progress: finished in 0:01: users 3 (3 committed); total 3 (3.0/s, 3 committed)",
    ]);
  });

  it("interval 0 turns it off: no timer, no lines, no summary", () => {
    const { out, progress } = setup({ intervalMs: 0 });
    expect(vi.getTimerCount()).toBe(0);
    progress.count("users", 5);
    progress.setTotal("users", 10);
    progress.committed("users", 5);
    vi.advanceTimersByTime(60_000);
    progress.stop();
    expect(progress.isActive).toBe(false);
    expect(out.writes).toEqual([]);
  });

  it("stays quiet when the log level hides INFO", () => {
    const { out, progress } = setup({ level: "warn" });
    progress.count("users", 5);
    vi.advanceTimersByTime(60_000);
    progress.stop();
    expect(out.writes).toEqual([]);
  });
});

describe("ProgressReporter, on a terminal", () => {
  it("redraws one status line in place, at most every second, and logs no progress lines", () => {
    const { out, progress } = setup({ tty: { columns: 120 } });
    progress.count("users", 50);
    vi.advanceTimersByTime(1_000);
    expect(out.writes).toEqual([`${CLEAR}0:01 total 50 (50/s) | users 50 (50/s)`]);
    progress.count("users", 50);
    vi.advanceTimersByTime(1_000);
    expect(out.writes.at(-1)).toBe(`${CLEAR}0:02 total 100 (50/s) | users 100 (50/s)`);
    expect(out.text).not.toContain("\n");
    progress.stop();
  });

  it("measures the rate over the last interval also when it redraws every second", () => {
    const { out, progress } = setup({ tty: { columns: 120 }, intervalMs: 4_000 });
    progress.count("users", 400);
    vi.advanceTimersByTime(4_000);
    expect(out.writes.at(-1)).toBe(`${CLEAR}0:04 total 400 (100/s) | users 400 (100/s)`);
    progress.count("users", 200);
    vi.advanceTimersByTime(2_000); // the last 4 s (2 s to 6 s) hold only these 200
    expect(out.writes.at(-1)).toBe(`${CLEAR}0:06 total 600 (50/s) | users 600 (50/s)`);
    progress.stop();
  });

  it("draws a bar when every stream's total is known, sized to the terminal", () => {
    const { out, progress } = setup({ tty: { columns: 100 } });
    progress.setTotal("users", 1_000);
    progress.count("users", 600);
    vi.advanceTimersByTime(1_000);
    expect(out.writes.at(-1)).toBe(
      `${CLEAR}[████████████░░░░░░░░] 60% 0:01 total 600/1,000 (600/s) | users 600/1,000 60% (600/s)`,
    );
    progress.stop();
  });

  it("lists the streams still moving first, so a narrow terminal cuts off finished ones", () => {
    const { out, progress } = setup({ tty: { columns: 120 }, intervalMs: 1_000 });
    progress.count("tables", 10);
    vi.advanceTimersByTime(1_000);
    progress.count("columns", 30);
    vi.advanceTimersByTime(1_000);
    expect(out.writes.at(-1)).toBe(
      `${CLEAR}0:02 total 40 (30/s) | columns 30 (30/s) | tables 10 (0/s)`,
    );
    progress.stop();
  });

  it("keeps log lines printed meanwhile whole: clear, print the line, redraw", () => {
    const { out, log, progress } = setup({ tty: { columns: 80 } });
    progress.count("users", 5);
    vi.advanceTimersByTime(1_000);
    log.warn("slow down");
    expect(out.writes.at(-1)).toBe(
      `${CLEAR}2026-01-02T03:04:05.678Z WARN  tap-x  slow down\n0:01 total 5 (5.0/s) | users 5 (5.0/s)`,
    );
    progress.stop();
  });

  it("stop() clears the status line and leaves the summary as an ordinary log line", () => {
    const { out, log, progress } = setup({ tty: { columns: 80 } });
    progress.count("users", 5);
    vi.advanceTimersByTime(2_000);
    out.writes.length = 0;
    progress.stop();
    log.info("bye");
    expect(out.writes).toEqual([
      CLEAR,
      "2026-01-02T03:04:05.678Z INFO  tap-x  progress: finished in 0:02: users 5; total 5 (2.5/s)\n",
      "2026-01-02T03:04:05.678Z INFO  tap-x  bye\n",
    ]);
  });

  it("stop() sums up the metrics held back on the terminal just before its summary", () => {
    const { out, log, progress } = setup({ tty: { columns: 80 } });
    progress.count("users", 5);
    log.metric({ type: "timer", metric: "http_request_duration", value: 0.5, tags: {} });
    log.metric({ type: "counter", metric: "record_count", value: 5, tags: { stream: "users" } });
    vi.advanceTimersByTime(2_000);
    expect(out.text).not.toContain("METRIC"); // not on the terminal
    out.writes.length = 0;
    progress.stop();
    expect(out.lines).toEqual([
      `${CLEAR}2026-01-02T03:04:05.678Z INFO  tap-x  metrics: http_request_duration 1× (avg 0.500 s, max 0.500 s); record_count 5`,
      "progress: finished in 0:02: users 5; total 5 (2.5/s)",
    ]);
  });

  it("cuts the status line to the terminal's width, leaving the last column free", () => {
    const { out, progress } = setup({ tty: { columns: 40 } });
    for (const stream of ["users", "tables", "columns", "dashboards"]) progress.count(stream, 1);
    vi.advanceTimersByTime(1_000);
    const drawn = (out.writes.at(-1) ?? "").slice(CLEAR.length);
    expect(drawn).toBe("0:01 total 4 (4.0/s) | users 1 (1.0/s)…");
    expect(drawn.length).toBe(39);
  });
});

describe("progressReporter", () => {
  it("takes the interval from the config and draws in place only when stdout is not the terminal too", () => {
    const runOn = (stdout: FakeStderr) => {
      const stderr = new FakeStderr({ columns: 80 });
      const log = new Logger({ name: "tap-x", out: stderr });
      const output = new MessageWriter(stdout);
      const progress = progressReporter({ config: { progress_interval_seconds: 2 }, log, output });
      progress.count("users", 4);
      vi.advanceTimersByTime(2_000);
      progress.stop();
      return stderr.writes[0];
    };
    expect(runOn(new FakeStderr())).toBe(`${CLEAR}0:01 total 4 (4.0/s) | users 4 (4.0/s)`);
    expect(runOn(new FakeStderr({ columns: 80 }))).toMatch(
      / INFO {2}tap-x {2}progress: users 4 \(2\.0\/s\); total 4 \(2\.0\/s\) in 0:02\n$/,
    );
  });
});

describe("Logger.status", () => {
  it("is ignored when the output is not a terminal", () => {
    const out = new FakeStderr();
    const log = new Logger({ name: "tap-x", out });
    log.status("50%");
    log.info("line");
    log.status(undefined);
    expect(out.text).not.toContain("\x1b");
    expect(out.lines).toEqual(["line"]);
  });

  it("is ignored on a terminal that cannot redraw (TERM=dumb): progress is logged as lines", () => {
    const out = new FakeStderr({ columns: 80 });
    const log = new Logger({ name: "tap-x", out, redraw: false, now: () => new Date(0) });
    expect([log.isTTY, log.canRedraw]).toEqual([true, false]);
    log.status("50%");
    expect(out.text).toBe("");
    const progress = new ProgressReporter({ log, intervalMs: 1_000 });
    progress.count("users", 5);
    vi.advanceTimersByTime(1_000);
    progress.stop();
    expect(out.text).not.toContain("\x1b");
    expect(out.lines[0]).toMatch(/users 5/);
  });

  it("redacts secrets in the status line", () => {
    const out = new FakeStderr({ columns: 80 });
    const log = new Logger({ name: "tap-x", out });
    log.addSecrets(["hunter2"]);
    log.status("stream hunter2");
    expect(out.text).toBe(`${CLEAR}stream ***`);
  });
});

describe("settings", () => {
  it("defines progress_interval_seconds: a number ≥ 0, default 10, with a description", () => {
    const setting = PROGRESS_SETTINGS.progress_interval_seconds;
    expect([setting.type, setting.minimum, setting.default]).toEqual(["number", 0, 10]);
    expect(setting.description).toContain("0 turns progress off");
  });

  it.each([
    [{ progress_interval_seconds: 0.2 }, 200],
    [{ progress_interval_seconds: 0 }, 0],
    [{}, 10_000],
  ])("progressIntervalMs(%j) is %i", (config, expected) => {
    expect(progressIntervalMs(config)).toBe(expected);
  });
});
