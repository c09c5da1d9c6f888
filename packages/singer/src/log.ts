import type { Writable } from "node:stream";
import type { JsonObject, JsonValue } from "./json.js";
import { LABEL, type LogFormat, type LogLevel, RANK } from "./log-levels.js";
import { type Metric, MetricSummary } from "./metrics.js";

export interface LoggerOptions {
  /** Name shown on every line, e.g. `tap-secoda`. */
  readonly name: string;
  readonly level?: LogLevel;
  readonly out: Writable;
  readonly now?: () => Date;
  /** `text` (default): `<time> INFO  <plugin>  <message>`; `json`: one JSON object per line. */
  readonly format?: LogFormat;
  /**
   * Level of METRIC lines. Unset: INFO when the output is not a terminal (logs keep every metric),
   * and on a terminal DEBUG plus one summary line per metric at `summariseMetrics()`, so a person
   * watching is not flooded (the status line stays readable).
   */
  readonly metricsLevel?: LogLevel;
  /**
   * Whether a terminal output can redraw a line in place (`\r` and ANSI erase-line); false for
   * `TERM=dumb` (Emacs shells, some CI consoles), where the status line is not drawn. Default true.
   */
  readonly redraw?: boolean;
}

/** Extra fields of a structured (JSON) log line, e.g. `{ stream: "users" }`. */
export type LogFields = { readonly [key: string]: JsonValue };

/** C0 controls but tab and line breaks, and DEL (anything not tab, CR, LF, printable ASCII or
 * beyond ASCII): what a log line must not carry raw. */
const CONTROLS = /[^\t\n\r -~\u0080-\uffff]/g;

/**
 * Control characters from data (a NUL or an ESC in a stream name, a field value in an error) are
 * written as `\u0000`-style escapes: raw, they cut lines in log tools or drive the terminal.
 */
function escapeControls(text: string): string {
  return text.replace(CONTROLS, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * Writes one line per event to stderr:
 * `2026-11-22T10:00:00.123Z INFO  tap-secoda  fetched collections page 3`.
 * Secrets are redacted by value (also URL-encoded), wherever they appear in the text, so a key
 * inside a URL or a driver's error message is caught too.
 */
export class Logger {
  readonly name: string;
  #level: LogLevel;
  readonly #out: Writable;
  readonly #now: () => Date;
  #secrets: string[] = [];
  /** The status line currently drawn on the terminal, if any. */
  #status: string | undefined;
  #format: LogFormat;
  #metricsLevel: LogLevel | undefined;
  readonly #redraw: boolean;
  /** Metrics held back on a terminal. */
  readonly #held = new MetricSummary();

  constructor(options: LoggerOptions) {
    this.name = options.name;
    this.#level = options.level ?? "info";
    this.#out = options.out;
    this.#now = options.now ?? (() => new Date());
    this.#format = options.format ?? "text";
    this.#metricsLevel = options.metricsLevel;
    this.#redraw = options.redraw ?? true;
  }

  get format(): LogFormat {
    return this.#format;
  }

  setFormat(format: LogFormat): void {
    this.#format = format;
  }

  setMetricsLevel(level: LogLevel | undefined): void {
    this.#metricsLevel = level;
  }

  get level(): LogLevel {
    return this.#level;
  }

  setLevel(level: LogLevel): void {
    this.#level = level;
  }

  /** Adds secret values to redact from every later line (and from `redact()`). */
  addSecrets(values: Iterable<string>): void {
    for (const value of values) {
      if (value.length < 3) continue; // too short to redact without mangling ordinary text
      for (const form of new Set([
        value,
        encodeURIComponent(value),
        JSON.stringify(value).slice(1, -1),
      ])) {
        if (!this.#secrets.includes(form)) this.#secrets.push(form);
      }
    }
    this.#secrets.sort((a, b) => b.length - a.length); // longest first: no partial leftovers
  }

  /** The text with every known secret replaced by `***`. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.replaceAll(secret, "***");
    return out;
  }

  isEnabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.#level];
  }

  // `fields` (e.g. `{ stream }`) are extra keys of a JSON line; text lines show the message only.
  debug(message: string, fields?: LogFields): void {
    this.log("debug", message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.log("info", message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.log("warn", message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.log("error", message, fields);
  }
  fatal(message: string, fields?: LogFields): void {
    this.log("fatal", message, fields);
  }

  /**
   * Logs a Singer metric line (`METRIC: {...}`; in JSON format `"metric_info": {...}`), at INFO
   * or the configured metrics level; on a terminal without one, it is summarised instead.
   */
  metric(metric: Metric): void {
    const level = this.#metricsLevel ?? (this.isTTY ? "debug" : "info");
    if (this.#metricsLevel === undefined && this.isTTY) this.#held.add(metric);
    if (!this.isEnabled(level)) return;
    const stream = metric.tags.stream;
    this.log(level, `METRIC: ${JSON.stringify(metric)}`, {
      metric_info: metric as unknown as JsonObject, // a Metric is plain JSON data
      ...(typeof stream === "string" ? { stream } : {}),
    });
  }

  /**
   * Logs one INFO line summing the metrics held back on a terminal (see `metricsLevel`), then
   * forgets them; nothing when none were held. The CLI shell calls it when a run ends.
   */
  summariseMetrics(): void {
    const summary = this.#held.take();
    if (summary !== undefined) this.info(summary);
  }

  log(level: LogLevel, message: string, fields?: LogFields): void {
    if (!this.isEnabled(level)) return;
    const line =
      this.#format === "json"
        ? `${this.redact(this.#json(level, message, fields))}\n`
        : `${this.#now().toISOString()} ${LABEL[level]} ${this.name}  ${escapeControls(this.redact(message))}\n`;
    // One write: the status line is cleared, the log line printed and the status drawn again.
    this.#out.write(this.#status === undefined ? line : `${CLEAR_LINE}${line}${this.#status}`);
  }

  /**
   * A structured line. `message` is redacted before it is serialised and the whole line again
   * after (the JSON-escaped form of every secret is on the list), so fields cannot leak either.
   */
  #json(level: LogLevel, message: string, fields: LogFields | undefined): string {
    const isMetric = fields?.metric_info !== undefined;
    return JSON.stringify({
      time: this.#now().toISOString(),
      level,
      plugin: this.name,
      message: isMetric ? "METRIC" : this.redact(message),
      ...fields,
    });
  }

  /** True when the output is a terminal, where a status line can be redrawn in place. */
  get isTTY(): boolean {
    return (this.#out as { isTTY?: unknown }).isTTY === true; // tty.WriteStream sets it; others lack it
  }

  /** True when the output is a terminal that can redraw a status line in place (not TERM=dumb). */
  get canRedraw(): boolean {
    return this.isTTY && this.#redraw;
  }

  /** The terminal's width in columns, when the output is a terminal that says. */
  get columns(): number | undefined {
    const columns = (this.#out as { columns?: unknown }).columns; // tty.WriteStream's width
    return this.isTTY && typeof columns === "number" && columns > 0 ? columns : undefined;
  }

  /**
   * Shows `text` as a status line under the log on a terminal, rewritten in place (`\r` and
   * erase-line), or removes it (`undefined`). Log lines printed meanwhile clear it, print, and
   * draw it again, so neither is mangled. The caller keeps `text` to one line within `columns`;
   * it is redacted like any log line. Does nothing unless the output is a terminal that can
   * redraw (`canRedraw`).
   */
  status(text: string | undefined): void {
    if (!this.canRedraw) return;
    if (text === undefined) {
      if (this.#status !== undefined) this.#out.write(CLEAR_LINE);
      this.#status = undefined;
      return;
    }
    this.#status = this.redact(text);
    this.#out.write(`${CLEAR_LINE}${this.#status}`);
  }
}

/** Carriage return, then ANSI "erase entire line" (EL 2). */
const CLEAR_LINE = "\r\x1b[2K";
