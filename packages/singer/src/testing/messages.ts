/** Small builders for the conformance streams: Singer messages as NDJSON text. */

export type Line = Record<string, unknown> | string;

export const schemaOf = (
  stream: string,
  properties: Record<string, unknown>,
  keys: readonly string[] = [],
  extra: Record<string, unknown> = {},
): Record<string, unknown> => ({
  type: "SCHEMA",
  stream,
  key_properties: keys,
  schema: { type: "object", properties, ...extra },
});

export const recordOf = (
  stream: string,
  record: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> => ({ type: "RECORD", stream, record, ...extra });

export const stateOf = (value: unknown): Record<string, unknown> => ({ type: "STATE", value });

/** One message per line; a string is taken as a line written by hand (escapes as a tap wrote them). */
export function ndjson(lines: readonly Line[]): string {
  return `${lines.map((line) => (typeof line === "string" ? line : JSON.stringify(line))).join("\n")}\n`;
}

/** The `value` of every STATE line of an NDJSON text, in order. */
export function statesIn(input: string): unknown[] {
  return parsedLines(input).flatMap((m) => (m.type === "STATE" ? [m.value] : []));
}

/** The records of one stream in an NDJSON text, in order. */
export function recordsIn(input: string, stream: string): Record<string, unknown>[] {
  return parsedLines(input).flatMap((m) =>
    m.type === "RECORD" && m.stream === stream ? [m.record as Record<string, unknown>] : [],
  );
}

function parsedLines(input: string): Record<string, unknown>[] {
  return input
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
