/**
 * How progress reads: the plain log line, the live status line, and the number formats they share
 * (pure functions of a `Report`; the reporter in progress.ts decides when to show them).
 */

/** What one report shows; `rates[i]` belongs to `streams[i]`. */
export interface Report {
  readonly streams: readonly {
    readonly name: string;
    readonly count: number;
    readonly committed: number;
    readonly total: number | undefined;
  }[];
  readonly rates: readonly number[];
  readonly elapsedMs: number;
  readonly hasCommitted: boolean;
}

/** The plain log line (no ANSI): `progress: users 12,345 (1,234/s); total 12,345 (1,234/s) in 0:10`. */
export function renderLine(report: Report): string {
  const parts = report.streams.map(
    (entry, index) => `${entry.name} ${stateOf(entry, report.rates[index] ?? 0, report)}`,
  );
  return `progress: ${parts.join(", ")}; total ${stateOf(
    totalOf(report),
    sum(report.rates, (rate) => rate),
    report,
  )} in ${formatElapsed(report.elapsedMs)}`;
}

/**
 * The live status line, at most `columns - 1` wide (the last column would wrap on some
 * terminals): `[██████░░░░] 60% 0:10 total 600/1,000 (60/s) | users 600/1,000 60% (60/s)`.
 * The bar shows only when every stream's total is known; otherwise the counts stand alone.
 * Streams still moving come first, so a narrow terminal cuts off the finished ones.
 */
export function renderStatus(report: Report, columns: number): string {
  const total = totalOf(report);
  const rate = sum(report.rates, (value) => value);
  const head: string[] = [];
  if (total.total !== undefined) {
    const done = percent(total.count, total.total);
    const width = Math.max(10, Math.min(30, Math.floor(columns / 5)));
    const filled = Math.round((width * done) / 100);
    head.push(`[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${done}%`);
  }
  head.push(formatElapsed(report.elapsedMs), `total ${stateOf(total, rate, report, false)}`);
  const streams = report.streams.map(
    (entry, index) =>
      [
        report.rates[index] ?? 0,
        `${entry.name} ${stateOf(entry, report.rates[index] ?? 0, report)}`,
      ] as const,
  );
  const moving = streams.filter(([speed]) => speed > 0).map(([, text]) => text);
  const still = streams.filter(([speed]) => speed <= 0).map(([, text]) => text);
  return truncate([head.join(" "), ...moving, ...still].join(" | "), Math.max(1, columns - 1));
}

/** `12,345/27,000 45% (1,234/s, 10,000 committed)`: count, total if known, rate, commits. */
function stateOf(
  entry: Report["streams"][number],
  rate: number,
  report: Report,
  withPercent = true,
): string {
  const share =
    withPercent && entry.total !== undefined ? ` ${percent(entry.count, entry.total)}%` : "";
  const total = entry.total === undefined ? "" : `/${formatCount(entry.total)}${share}`;
  const committed = report.hasCommitted ? `, ${formatCount(entry.committed)} committed` : "";
  return `${formatCount(entry.count)}${total} (${formatRate(rate)}/s${committed})`;
}

/** All streams together; the total is known only when every stream's is. */
function totalOf(report: Report): Report["streams"][number] {
  const totals = report.streams.map((entry) => entry.total);
  return {
    name: "total",
    count: sum(report.streams, (entry) => entry.count),
    committed: sum(report.streams, (entry) => entry.committed),
    total: totals.every((value) => value !== undefined)
      ? sum(totals, (value) => value ?? 0)
      : undefined,
  };
}

/** Whole percent, rounded down (100% only when done), capped at 100 (at-least-once re-reads). */
function percent(count: number, total: number): number {
  return total <= 0 ? 100 : Math.min(100, Math.floor((count * 100) / total));
}

export function sum<T>(items: readonly T[], value: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += value(item);
  return total;
}

// A fixed locale: the same digits on every machine, whatever LANG says.
const INTEGER = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** `12,345`. */
export function formatCount(n: number): string {
  return INTEGER.format(n);
}

/** `1,234`, or one decimal below 10 (`2.5`) so a slow stream does not read as 0. */
export function formatRate(perSecond: number): string {
  return perSecond >= 10 || perSecond <= 0
    ? INTEGER.format(Math.round(Math.max(0, perSecond)))
    : perSecond.toFixed(1);
}

/** `0:10`, `12:05`, `1:02:03`. */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}
