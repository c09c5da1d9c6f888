// Secoda timestamps carry microseconds ("2023-08-16T23:12:53.245493Z", secoda-api.md §4), which
// Date drops, and plain string comparison is wrong across formats ("…:00Z" sorts after
// "…:00.000001Z"). So bookmarks compare through a key that sorts like the instant.

const ISO =
  /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2})(?::(\d{2})(?:[.,](\d{1,12}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)$/;

/**
 * `YYYY-MM-DDTHH:MM:SS.fffffffffZ` in UTC (nanosecond digits), so that keys compare as strings in
 * time order. `undefined` for anything that is not an RFC 3339 / ISO-8601 date-time with a zone.
 */
export function instantKey(text: string): string | undefined {
  const match = ISO.exec(text);
  if (match === null) return undefined;
  const [, date = "", hoursMinutes = "", seconds = "00", digits = "", zone = "Z"] = match;
  const fraction = digits.slice(0, 9).padEnd(9, "0");
  if (zone === "Z" || zone === "z" || /^[+-]00:?(00)?$/.test(zone)) {
    return `${date}T${hoursMinutes}:${seconds}.${fraction}Z`;
  }
  // Offsets are whole minutes, so only the seconds and above move; the fraction stays.
  const offset = zone.length === 3 ? `${zone}:00` : zone.replace(/^([+-]\d{2})(\d{2})$/, "$1:$2");
  const ms = Date.parse(`${date}T${hoursMinutes}:${seconds}${offset}`);
  if (Number.isNaN(ms)) return undefined;
  return `${new Date(ms).toISOString().slice(0, 19)}.${fraction}Z`;
}

/** The later of two date-time texts (by instant); unparseable values lose. */
export function laterOf(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const keyA = instantKey(a);
  const keyB = instantKey(b);
  if (keyA === undefined) return b;
  if (keyB === undefined) return a;
  return keyB > keyA ? b : a;
}
