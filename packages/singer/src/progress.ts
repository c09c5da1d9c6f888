import type { SettingSchema } from "./config.js";
import type { Logger } from "./log.js";
import {
  formatCount,
  formatElapsed,
  formatRate,
  type Report,
  renderLine,
  renderStatus,
  sum,
} from "./progress-render.js";
import type { MessageWriter } from "./write-messages.js";

/** Seconds between progress reports when `progress_interval_seconds` is not set. */
export const DEFAULT_PROGRESS_INTERVAL_SECONDS = 10;

/**
 * The progress setting every tap and target shares: spread it into the plugin's settings
 * (`properties: { ...mine, ...PROGRESS_SETTINGS }`) so `--about`, the README tables, meltano.yml
 * and `<PLUGIN>_PROGRESS_INTERVAL_SECONDS` all know it.
 */
export const PROGRESS_SETTINGS = {
  progress_interval_seconds: {
    type: "number",
    minimum: 0,
    default: DEFAULT_PROGRESS_INTERVAL_SECONDS,
    description:
      "Seconds between progress lines on stderr: records so far and records/s over the last interval, per stream and in total (on a terminal, a status line redrawn in place instead). 0 turns progress off.",
  },
} as const satisfies { readonly [name: string]: SettingSchema };

/** The interval a validated config asks for, in ms (the default when the setting is absent). */
export function progressIntervalMs(config: object): number {
  const seconds =
    "progress_interval_seconds" in config ? config.progress_interval_seconds : undefined;
  return typeof seconds === "number" && seconds >= 0
    ? seconds * 1000
    : DEFAULT_PROGRESS_INTERVAL_SECONDS * 1000;
}

/**
 * The reporter of a run: the interval from the config's `progress_interval_seconds`, and a live
 * status line only when stderr is a terminal that can redraw a line (not `TERM=dumb`) and stdout
 * is not a terminal (Singer messages printed on the same screen would run into it; then it logs
 * plain lines).
 */
export function progressReporter(
  ctx: { readonly config: object; readonly log: Logger; readonly output: MessageWriter },
  options: { readonly showCommitted?: boolean } = {},
): ProgressReporter {
  return new ProgressReporter({
    log: ctx.log,
    intervalMs: progressIntervalMs(ctx.config),
    live: ctx.log.canRedraw && !ctx.output.isTTY,
    ...options,
  });
}

export interface ProgressOptions {
  readonly log: Logger;
  /** Milliseconds between reports; 0 turns the reporter off (counting is then a no-op). */
  readonly intervalMs: number;
  /** Draw a status line in place instead of log lines. Default: when the log goes to a terminal. */
  readonly live?: boolean;
  /** Show committed rows per stream from the start (a target), not only once one is reported. */
  readonly showCommitted?: boolean;
  /** Clock in ms for rates and elapsed time; read when reporting, never per record. */
  readonly now?: () => number;
}

interface StreamProgress {
  readonly name: string;
  count: number;
  committed: number;
  total: number | undefined;
}

/** Counts per stream at one report, in the order streams were first seen. */
interface Sample {
  readonly at: number;
  readonly counts: readonly number[];
}

/** How often a live status line is redrawn, at most. */
const LIVE_REFRESH_MS = 1000;

/**
 * Reports records per stream and the recent rate on stderr at a steady interval, through the
 * run's Logger. `count()` is the hot path: a map lookup and an addition, no clock, no strings;
 * an `unref()`ed timer does the reporting, so it never keeps a process alive. Not on a terminal
 * it logs one INFO line per interval:
 * `progress: users 12,345 (1,234/s), tables 500/1,000 50% (50/s); total 12,845 (1,284/s) in 0:10`.
 * On a terminal it redraws one status line (a bar when every stream's total is known) through
 * `Logger.status`, which keeps log lines printed meanwhile intact. `stop()` ends it with a
 * summary line. The rate is over the last interval (`intervalMs`), also when a live line is
 * redrawn more often.
 */
export class ProgressReporter {
  readonly #log: Logger;
  readonly #live: boolean;
  readonly #now: () => number;
  readonly #started: number;
  readonly #streams = new Map<string, StreamProgress>();
  readonly #order: StreamProgress[] = [];
  /** Earlier reports, oldest first; the oldest is where the rate is measured from. */
  readonly #samples: Sample[];
  readonly #window: number;
  #timer: NodeJS.Timeout | undefined;
  #showCommitted: boolean;

  constructor(options: ProgressOptions) {
    this.#log = options.log;
    this.#live = options.live ?? options.log.canRedraw;
    this.#now = options.now ?? Date.now;
    this.#started = this.#now();
    this.#samples = [{ at: this.#started, counts: [] }];
    this.#showCommitted = options.showCommitted ?? false;
    const interval = options.intervalMs;
    const every = this.#live ? Math.min(interval, LIVE_REFRESH_MS) : interval;
    this.#window = every > 0 ? Math.max(1, Math.round(interval / every)) : 1;
    if (every > 0 && options.log.isEnabled("info")) {
      this.#timer = setInterval(() => this.#report(), every);
      this.#timer.unref(); // progress never keeps a finished run alive
    }
  }

  /** False when progress is off (interval 0, or the log level hides INFO) or stopped. */
  get isActive(): boolean {
    return this.#timer !== undefined;
  }

  /** Adds `n` records to a stream's count. Cheap enough for every record. */
  count(stream: string, n = 1): void {
    const entry = this.#streams.get(stream);
    if (entry !== undefined) entry.count += n;
    else if (this.#timer !== undefined) this.#add(stream).count += n;
  }

  /** The number of records a stream will have in all, when the source says: shows a percentage. */
  setTotal(stream: string, total: number): void {
    if (this.#timer === undefined) return;
    (this.#streams.get(stream) ?? this.#add(stream)).total = total;
  }

  /** Adds `n` rows of a stream that are safely stored (a target's commits). */
  committed(stream: string, n: number): void {
    if (this.#timer === undefined) return;
    (this.#streams.get(stream) ?? this.#add(stream)).committed += n;
    this.#showCommitted = true;
  }

  /** Stops the timer, removes the status line and logs the summary. Safe to call twice. */
  stop(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#live) this.#log.status(undefined);
    // Metrics held back on a terminal are summed up first, so the progress summary stays last.
    this.#log.summariseMetrics();
    if (this.#order.length > 0) this.#log.info(this.#summary());
  }

  #add(stream: string): StreamProgress {
    const entry: StreamProgress = { name: stream, count: 0, committed: 0, total: undefined };
    this.#streams.set(stream, entry);
    this.#order.push(entry);
    return entry;
  }

  #report(): void {
    if (this.#order.length === 0) return; // nothing counted yet
    const now = this.#now();
    const since = this.#samples[0] ?? { at: this.#started, counts: [] };
    const seconds = (now - since.at) / 1000;
    const counts = this.#order.map((entry) => entry.count);
    const rates = counts.map((count, index) =>
      seconds > 0 ? (count - (since.counts[index] ?? 0)) / seconds : 0,
    );
    this.#samples.push({ at: now, counts });
    if (this.#samples.length > this.#window) this.#samples.shift();
    const report: Report = {
      streams: this.#order,
      rates,
      elapsedMs: now - this.#started,
      hasCommitted: this.#showCommitted,
    };
    if (this.#live) this.#log.status(renderStatus(report, this.#log.columns ?? 80));
    else this.#log.info(renderLine(report));
  }

  #summary(): string {
    const elapsedMs = this.#now() - this.#started;
    const total = sum(this.#order, (entry) => entry.count);
    const rate = elapsedMs > 0 ? (total * 1000) / elapsedMs : 0;
    const streams = this.#order.map(
      (entry) =>
        `${entry.name} ${formatCount(entry.count)}${this.#showCommitted ? ` (${formatCount(entry.committed)} committed)` : ""}`,
    );
    const committed = this.#showCommitted
      ? `, ${formatCount(sum(this.#order, (entry) => entry.committed))} committed`
      : "";
    return `progress: finished in ${formatElapsed(elapsedMs)}: ${streams.join(", ")}; total ${formatCount(total)} (${formatRate(rate)}/s${committed})`;
  }
}
