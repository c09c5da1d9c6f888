import type { TestSchema } from "@repo/pg-testing";
import type { SingerMessage } from "@singerkit/singer";
import { keyOf, latestRecords } from "./pipe.js";

/**
 * Reads a loaded table back as objects keyed by the ORIGINAL Singer names, using the mapping the
 * target records in its table and column comments ({"singer_stream": …} / {"singer_name": …}).
 */
export async function tableRows(
  schema: TestSchema,
  stream: string,
): Promise<Record<string, unknown>[]> {
  const tables = await schema.query<{ table: string; comment: string | null }>(
    `select c.relname as table, obj_description(c.oid, 'pg_class') as comment
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind in ('r', 'p')`,
    [schema.name],
  );
  const table = tables.find((t) => originalName(t.comment, "singer_stream") === stream)?.table;
  if (table === undefined) throw new Error(`no table for stream ${stream} in ${schema.name}`);
  const columns = await schema.query<{ column: string; comment: string | null }>(
    `select a.attname as column, col_description(a.attrelid, a.attnum) as comment
       from pg_attribute a
      where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped`,
    [`"${schema.name}"."${table.replaceAll('"', '""')}"`],
  );
  const names = new Map(
    columns.map((c) => [c.column, originalName(c.comment, "singer_name") ?? c.column]),
  );
  const rows = await schema.query<{ row: Record<string, unknown> }>(
    `select to_jsonb(r__) as row from "${schema.name}"."${table.replaceAll('"', '""')}" r__`,
  );
  return rows.map(({ row }) =>
    Object.fromEntries(
      Object.entries(row).map(([column, value]) => [names.get(column) ?? column, value]),
    ),
  );
}

function originalName(comment: string | null, field: string): string | undefined {
  if (comment === null) return undefined;
  try {
    const value = (JSON.parse(comment) as Record<string, unknown>)[field];
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Rows by key; fails on a duplicate key (a target must never hold one). */
export function byKey(rows: Record<string, unknown>[], keyProperties: readonly string[]) {
  const out = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    const key = keyOf(row, keyProperties);
    if (out.has(key)) throw new Error(`duplicate key ${key}`);
    out.set(key, row);
  }
  return out;
}

const ISO = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Microseconds since the epoch for an ISO-8601 text (Date keeps only milliseconds). */
function micros(text: string): string | undefined {
  const match = ISO.exec(text);
  if (match === null) return undefined;
  const [, day, time, fraction = "", zone = "Z"] = match;
  const ms = Date.parse(
    `${day}T${time}${zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`,
  );
  if (Number.isNaN(ms)) return undefined;
  return `${ms / 1000}.${(fraction.slice(1) || "0").padEnd(6, "0").slice(0, 6)}`;
}

/**
 * The value a loaded row should hold for a source value: NUL becomes U+FFFD (the target's
 * documented replacement), date-times compare as instants to the microsecond, the rest as JSON.
 */
export function normalize(value: unknown): unknown {
  if (typeof value === "string") {
    const instant = micros(value);
    return instant ?? value.replaceAll("\u0000", "\uFFFD");
  }
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === "object") {
    // Sorted keys: jsonb stores keys in its own order.
    return Object.fromEntries(
      Object.entries(value)
        .map(([k, v]) => [k.replaceAll("\u0000", "\uFFFD"), normalize(v)] as const)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  }
  return value;
}

/** Every difference between the expected records and the loaded rows of one stream. */
export function differences(
  stream: string,
  expected: Map<string, Record<string, unknown>>,
  actual: Map<string, Record<string, unknown>>,
): string[] {
  const out: string[] = [];
  for (const [key, record] of expected) {
    const row = actual.get(key);
    if (row === undefined) {
      out.push(`${stream} ${key}: missing`);
      continue;
    }
    for (const [field, value] of Object.entries(record)) {
      const want = JSON.stringify(normalize(value));
      const got = JSON.stringify(normalize(row[field] ?? null));
      if (want !== got)
        out.push(
          `${stream} ${key} ${field}: expected ${want.slice(0, 120)}, got ${got.slice(0, 120)}`,
        );
    }
  }
  for (const key of actual.keys())
    if (!expected.has(key)) out.push(`${stream} ${key}: unexpected row`);
  return out;
}

/**
 * Every difference between the schema's tables and the source: the newest record of each key in
 * `messages` (a tap's output), stream by stream. A duplicate key in a table throws (`byKey`).
 */
export async function sourceDifferences(
  schema: TestSchema,
  messages: readonly SingerMessage[],
): Promise<string[]> {
  const { keys, records } = latestRecords(messages);
  const out: string[] = [];
  for (const [stream, expected] of records)
    out.push(
      ...differences(
        stream,
        expected,
        byKey(await tableRows(schema, stream), keys.get(stream) ?? []),
      ),
    );
  return out;
}
