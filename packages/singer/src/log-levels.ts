/** Log levels and line formats: their names, order and labels, and parsing them from settings. */

export const LOG_LEVELS = ["debug", "info", "warn", "error", "fatal"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const RANK: Record<LogLevel, number> = {
  debug: 10,
  info: 20,
  warn: 30,
  error: 40,
  fatal: 50,
};
export const LABEL: Record<LogLevel, string> = {
  debug: "DEBUG",
  info: "INFO ",
  warn: "WARN ",
  error: "ERROR",
  fatal: "FATAL",
};

export const LOG_FORMATS = ["text", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Parses a log level name (case-insensitive; `warning`/`critical` as Python spells them). */
export function parseLogLevel(text: string | undefined): LogLevel | undefined {
  if (text === undefined) return undefined;
  const lower = text.trim().toLowerCase();
  if (lower === "warning") return "warn";
  if (lower === "critical") return "fatal";
  return (LOG_LEVELS as readonly string[]).includes(lower) ? (lower as LogLevel) : undefined; // checked by includes
}

/** Parses a log format name (`text` or `json`, case-insensitive). */
export function parseLogFormat(text: string | undefined): LogFormat | undefined {
  const lower = text?.trim().toLowerCase();
  return (LOG_FORMATS as readonly (string | undefined)[]).includes(lower)
    ? (lower as LogFormat)
    : undefined; // checked by includes
}
