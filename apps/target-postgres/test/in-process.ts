import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import {
  type Clock,
  Logger,
  loadConfig,
  MessageWriter,
  type ProcessIo,
  type RunContext,
} from "@singerkit/singer";
import { SETTINGS, type TargetConfig } from "../src/config.js";
import { runTarget } from "../src/run-target.js";

/**
 * A clock that moves only when told: `advance(ms)` moves `now` and wakes the sleeps that are due.
 * The target's age limit and idle ticks then run on test time, without waiting for real time.
 */
export function manualClock(start = Date.parse("2026-01-01T00:00:00Z")) {
  let now = start;
  const sleeping = new Set<{ readonly at: number; readonly wake: () => void }>();
  const clock: Clock = {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted === true) {
          reject(signal.reason);
          return;
        }
        const entry = { at: now + ms, wake: resolve };
        sleeping.add(entry);
        signal?.addEventListener(
          "abort",
          () => {
            sleeping.delete(entry);
            reject(signal.reason);
          },
          { once: true },
        );
      }),
  };
  const advance = (ms: number) => {
    now += ms;
    for (const entry of [...sleeping]) {
      if (entry.at > now) continue;
      sleeping.delete(entry);
      entry.wake();
    }
  };
  return { clock, advance };
}

export interface InProcessRun {
  /** stdin of the target: write lines, end() for end of input. */
  readonly input: PassThrough;
  /** Resolves when runTarget returns (rejects with its error). */
  readonly done: Promise<void>;
}

/**
 * Runs runTarget in this process with `clock`, the way the CLI would (config with defaults from
 * the settings, a MessageWriter on stdout); every stdout line goes to `onLine`.
 */
export async function runInProcess(
  settings: Record<string, unknown>,
  clock: Clock,
  onLine: (line: string) => void,
): Promise<InProcessRun> {
  const dir = mkdtempSync(join(tmpdir(), "target-postgres-"));
  const file = join(dir, "config.json");
  writeFileSync(file, JSON.stringify(settings));
  const { config } = await loadConfig<TargetConfig>({
    plugin: "target-postgres",
    settings: SETTINGS,
    files: [file],
    env: {},
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
  let partial = "";
  const stdout = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) onLine(line);
      callback();
    },
  });
  const stderr = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  const input = new PassThrough();
  const io: ProcessIo = {
    argv: [],
    stdin: input,
    stdout,
    stderr,
    env: {},
    now: () => new Date(clock.now()),
    onSignal: () => () => undefined,
  };
  const output = new MessageWriter(stdout);
  const ctx: RunContext<TargetConfig> = {
    config,
    log: new Logger({ name: "target-postgres", level: "warn", out: stderr }),
    io,
    output,
    signal: new AbortController().signal,
  };
  const done = runTarget(ctx, input, clock).finally(() => output.close());
  return { input, done };
}
