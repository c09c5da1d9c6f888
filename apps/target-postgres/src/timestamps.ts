/**
 * Date and time strings as real taps write them → text PostgreSQL's date/timestamptz input reads
 * with the meaning the tap meant, or `undefined` when there is no such text (the column then
 * widens to text and keeps the value verbatim; see record-encoder.ts).
 *
 * Read as meant (PostgreSQL parses these itself): `T` or a space between date and time; no zone
 * (UTC: every transaction runs with TimeZone UTC, db.ts); `Z`, `+hh`, `+hhmm`, `+hh:mm`; any
 * number of fractional digits (rounded to microseconds, timestamptz's precision); years up to
 * 294276. Rewritten: an offset written twice (`+00:00+00:00`, `Z+00:00`) keeps the first, the
 * doubled suffix some taps append to values that already had one. Not a date at all:
 * `0000-00-00`, month 13, February 30, year 0 (PostgreSQL would reject them, failing the batch).
 */

const DATE_TIME =
  /^(\d{4,6})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)? ?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const OFFSET = /(Z|[+-]\d{2}(?::?\d{2})?)$/i;
const DATE = /^(\d{4,6})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** timestamptz's last year (PostgreSQL's limit, 294276 AD). */
const MAX_YEAR = 294276;

// RFC 3339 in UTC, the form nearly every tap writes: read by one regex and the range checks,
// without the offset rewriting (a lone `Z` has nothing to rewrite) that costs four more.
const UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?Z$/;

/** Text for a `timestamp with time zone` column, or undefined when the value is not one. */
export function timestampText(text: string): string | undefined {
  const utc = UTC.exec(text);
  if (utc !== null) {
    const [, year, month, day, hour, minute, second] = utc;
    return isDate(Number(year), Number(month), Number(day)) &&
      isTime(Number(hour), Number(minute), Number(second))
      ? text
      : undefined;
  }
  const match = DATE_TIME.exec(undoubleOffset(text));
  if (match === null) return undefined;
  const [whole, year, month, day, hour, minute, second, offset] = match;
  if (!isDate(Number(year), Number(month), Number(day))) return undefined;
  if (hour !== undefined && !isTime(Number(hour), Number(minute), Number(second ?? 0)))
    return undefined;
  if (offset !== undefined && offset.length >= 3 && Number(offset.slice(1, 3)) > 15)
    return undefined;
  return whole;
}

/** Text for a `date` column (a date without time), or undefined. */
export function dateText(text: string): string | undefined {
  const match = DATE.exec(text);
  if (match === null) return undefined;
  return isDate(Number(match[1]), Number(match[2]), Number(match[3])) ? text : undefined;
}

/** Text for a `time without time zone` column, or undefined. */
export function timeText(text: string): string | undefined {
  const match = TIME.exec(text);
  if (match === null) return undefined;
  return isTime(Number(match[1]), Number(match[2]), Number(match[3] ?? 0)) ? text : undefined;
}

/** `…+00:00+00:00` / `…Z+00:00` → `…+00:00` / `…Z`: the first offset is the value's own. */
function undoubleOffset(text: string): string {
  const last = OFFSET.exec(text);
  if (last === null) return text;
  const rest = text.slice(0, last.index);
  const first = OFFSET.exec(rest);
  if (first === null || !/\d$/.test(rest.slice(0, first.index))) return text;
  // Only a time ends in digits before an offset; a bare date's "-dd" is not an offset.
  if (!/\d{2}:\d{2}/.test(rest)) return text;
  return sameOffset(first[1] ?? "", last[1] ?? "") ? rest : text;
}

function minutesOf(offset: string): number {
  if (offset.toUpperCase() === "Z") return 0;
  const digits = offset.slice(1).replace(":", "");
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0);
  return offset.startsWith("-") ? -minutes : minutes;
}

function sameOffset(a: string, b: string): boolean {
  return minutesOf(a) === minutesOf(b);
}

function isDate(year: number, month: number, day: number): boolean {
  if (year < 1 || year > MAX_YEAR || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= days;
}

function isTime(hour: number, minute: number, second: number): boolean {
  // 24:00:00 is midnight at the end of the day and :60 a leap second; PostgreSQL reads both.
  if (hour === 24) return minute === 0 && second === 0;
  return hour <= 23 && minute <= 59 && second <= 60;
}
