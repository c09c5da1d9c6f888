import { createHash } from "node:crypto";

/**
 * The one naming rule for tables (from stream names) and columns (from property names); see
 * README "Identifiers" and docs/decisions-target.md.
 *
 * 1. NFC-normalise, split camelCase (`clientName` → `client_name`, `HTTPServer` → `http_server`),
 *    lower-case.
 * 2. Every character that is not a Unicode letter, mark, digit or `_` becomes `_`
 *    (`test:SpecialChars!in?attributes` → `test_special_chars_in_attributes`, `a-b` → `a_b`: a
 *    stream name is never split into schema and table).
 * 3. A leading digit gets a `_` prefix; an empty name becomes `_`.
 * 4. Longer than 63 UTF-8 bytes (Postgres's NAMEDATALEN - 1): cut at a character boundary and
 *    end with `_` + 8 hex digits of the SHA-256 of the original name, so two long names that
 *    share a prefix never collide.
 * 5. Two names that conform to the same identifier: the one that already is in conformed form
 *    keeps it, the others (in code point order) get the hash suffix. Columns and tables that
 *    already exist keep their names (the original is read from their COMMENT). Reserved
 *    identifiers — the target's own tables (`_sdc_loads`, `_sdc_rejected`, `_sdc_commits`) and
 *    PostgreSQL's system columns (`xmin`, `ctid`, …) — count as taken, so a name that conforms
 *    to one gets the hash suffix.
 * Reserved words (`order`, `user`) stay as they are: every identifier is always double-quoted.
 */

export const MAX_IDENTIFIER_BYTES = 63;

/** PostgreSQL's system columns: every table has them, so no property may be loaded as one. */
export const SYSTEM_COLUMNS: ReadonlySet<string> = new Set([
  "tableoid",
  "xmin",
  "cmin",
  "xmax",
  "cmax",
  "ctid",
]);
const HASH_HEX = 8;

/** Steps 1–4 of the rule: the identifier a name gets when nothing else claims it. */
export function conformName(name: string): string {
  let out = name
    .normalize("NFC")
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, "$1_$2")
    .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, "$1_$2")
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}_]/gu, "_");
  if (out === "") out = "_";
  if (/^\p{N}/u.test(out)) out = `_${out}`;
  return fitBytes(out, name);
}

/** Keeps an identifier within 63 bytes, replacing the cut tail by a hash of the original. */
function fitBytes(name: string, original: string): string {
  if (Buffer.byteLength(name, "utf8") <= MAX_IDENTIFIER_BYTES) return name;
  return withSuffix(name, original, 0);
}

/** `name` cut so that `name_<hash>` fits 63 bytes; `attempt` varies the hash on a clash. */
function withSuffix(name: string, original: string, attempt: number): string {
  const suffix = `_${shortHash(attempt === 0 ? original : `${original}\u0000${attempt}`)}`;
  return truncateBytes(name, MAX_IDENTIFIER_BYTES - suffix.length) + suffix;
}

export function shortHash(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex").slice(0, HASH_HEX);
}

/** The longest prefix of `text` that fits `maxBytes` of UTF-8, cut between code points. */
export function truncateBytes(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, "utf8");
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}

/** An identifier that already exists, with the original name its COMMENT records (if any). */
export interface ExistingName {
  readonly name: string;
  readonly original: string | undefined;
}

/**
 * Step 5: identifiers for `originals`, given the identifiers already in use. Deterministic for a
 * given input (independent of the order of `originals`), injective, and stable over time: an
 * existing identifier keeps the original its COMMENT names, and an existing identifier without a
 * comment belongs to the original that conforms to it.
 */
export function assignNames(
  originals: readonly string[],
  existing: readonly ExistingName[] = [],
  /** The name an original is conformed from (default itself; `schema_mapping` strips a prefix). */
  baseOf: (original: string) => string = (original) => original,
  /** Identifiers no original may get (the target's own tables, system columns): taken. */
  reserved: ReadonlySet<string> = new Set(),
): Map<string, string> {
  const result = new Map<string, string>();
  const taken = new Set([...existing.map((entry) => entry.name), ...reserved]);
  const unclaimed = new Set<string>();
  const wanted = new Set(originals);
  for (const entry of existing) {
    if (reserved.has(entry.name)) continue;
    if (entry.original === undefined) unclaimed.add(entry.name);
    else if (wanted.has(entry.original) && !result.has(entry.original))
      result.set(entry.original, entry.name);
  }
  const rest = [...wanted].filter((original) => !result.has(original));
  rest.sort((a, b) => rank(baseOf(a)) - rank(baseOf(b)) || (a < b ? -1 : a > b ? 1 : 0));
  for (const original of rest) {
    const base = conformName(baseOf(original));
    if (unclaimed.delete(base)) {
      result.set(original, base);
      continue;
    }
    let name = base;
    for (let attempt = 0; taken.has(name); attempt += 1) name = withSuffix(base, original, attempt);
    taken.add(name);
    result.set(original, name);
  }
  return result;
}

/** Names already in conformed form claim their identifier first. */
function rank(original: string): number {
  return conformName(original) === original ? 0 : 1;
}

/** Double-quotes an identifier (embedded quotes doubled); we quote every identifier we emit. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""').replaceAll("\u0000", "\uFFFD")}"`;
}

/** `"schema"."table"` */
export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/** A SQL string literal (standard_conforming_strings); NUL, which text cannot hold, → U+FFFD. */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''").replaceAll("\u0000", "\uFFFD")}'`;
}

/** The COMMENT that records the original name of a table or column. */
export function nameComment(kind: "stream" | "property", original: string): string {
  return JSON.stringify(
    kind === "stream" ? { singer_stream: original } : { singer_name: original },
  );
}

/** Reads a COMMENT written by {@link nameComment}; anything else (or none) gives `undefined`. */
export function originalFromComment(comment: string | null | undefined): string | undefined {
  if (comment === null || comment === undefined || !comment.startsWith("{")) return undefined;
  try {
    const parsed: unknown = JSON.parse(comment);
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const record = parsed as { singer_stream?: unknown; singer_name?: unknown };
    const value = record.singer_name ?? record.singer_stream;
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}
