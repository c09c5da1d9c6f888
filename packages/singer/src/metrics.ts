import type { JsonObject } from "./json.js";
import type { Logger } from "./log.js";

/** A Singer metric: `METRIC: {"type":"counter","metric":"record_count","value":1,"tags":{...}}`. */
export interface Metric {
  readonly type: "counter" | "timer";
  readonly metric: string;
  readonly value: number;
  readonly tags: JsonObject;
}

/**
 * Metrics held back on a terminal (see `LoggerOptions.metricsLevel`), per metric name: how many,
 * their sum and their maximum, summed up in one line when the run ends.
 */
export class MetricSummary {
  readonly #held = new Map<
    string,
    { type: Metric["type"]; count: number; sum: number; max: number }
  >();

  add(metric: Metric): void {
    const held = this.#held.get(metric.metric);
    if (held === undefined)
      this.#held.set(metric.metric, {
        type: metric.type,
        count: 1,
        sum: metric.value,
        max: metric.value,
      });
    else {
      held.count += 1;
      held.sum += metric.value;
      held.max = Math.max(held.max, metric.value);
    }
  }

  /** The summary line's text, and the held metrics forgotten; undefined when none were held. */
  take(): string | undefined {
    if (this.#held.size === 0) return undefined;
    const parts = [...this.#held].map(([name, { type, count, sum, max }]) =>
      type === "timer"
        ? `${name} ${count}× (avg ${(sum / count).toFixed(3)} s, max ${max.toFixed(3)} s)`
        : `${name} ${sum}`,
    );
    this.#held.clear();
    return `metrics: ${parts.join("; ")}`;
  }
}

/**
 * Counts per tag set and logs `counter` metrics at most every `intervalMs` (SDK cadence: 60 s)
 * and once more at `flush()`. Counting is a map update; logging is rare.
 */
export class MetricCounter {
  readonly #log: Logger;
  readonly #metric: string;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #counts = new Map<string, { tags: JsonObject; value: number }>();
  #lastLogged: number;

  constructor(
    log: Logger,
    metric: string,
    options: { intervalMs?: number; now?: () => number } = {},
  ) {
    this.#log = log;
    this.#metric = metric;
    this.#intervalMs = options.intervalMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    this.#lastLogged = this.#now();
  }

  /**
   * Adds to the count of a tag set. `key` identifies the tag set (default: its JSON); pass a
   * precomputed one (e.g. the stream name) on a per-record path to skip the serialisation.
   */
  increment(tags: JsonObject, by = 1, key = JSON.stringify(tags)): void {
    const entry = this.#counts.get(key);
    if (entry === undefined) this.#counts.set(key, { tags, value: by });
    else entry.value += by;
    if (this.#now() - this.#lastLogged >= this.#intervalMs) this.flush();
  }

  /** Logs every non-zero count since the last flush and resets them. */
  flush(): void {
    this.#lastLogged = this.#now();
    for (const { tags, value } of this.#counts.values()) {
      if (value > 0) this.#log.metric({ type: "counter", metric: this.#metric, value, tags });
    }
    this.#counts.clear();
  }
}
