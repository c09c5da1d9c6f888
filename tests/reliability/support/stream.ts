/** A synthetic Singer stream: `count` records of stream `name`, a STATE `{upto: id}` every `every`. */
export function syntheticStream(options: {
  name: string;
  from?: number;
  count: number;
  every: number;
  pad?: number;
}): string {
  const { name, count, every } = options;
  const from = options.from ?? 1;
  const pad = "p".repeat(options.pad ?? 100);
  const lines = [
    JSON.stringify({
      type: "SCHEMA",
      stream: name,
      schema: {
        type: "object",
        properties: { id: { type: "integer" }, v: { type: "string" }, n: { type: "number" } },
      },
      key_properties: ["id"],
    }),
  ];
  for (let id = from; id < from + count; id++) {
    lines.push(
      JSON.stringify({ type: "RECORD", stream: name, record: { id, v: `${pad}${id}`, n: id / 8 } }),
    );
    if ((id - from + 1) % every === 0 || id === from + count - 1)
      lines.push(JSON.stringify({ type: "STATE", value: { upto: id } }));
  }
  return `${lines.join("\n")}\n`;
}

/** The whole numbers `from` … `to`. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/**
 * Stream `s` of `{id, v}` records, keyed by `id` unless `keyed` is false: its SCHEMA, a RECORD
 * `{id, v: "v<id>"}` for each of `ids` (of table version `version` when given) with a STATE
 * `{upto: id}` after every id divisible by 500, then the `extra` messages.
 */
export function idStream(
  ids: readonly number[],
  options: { keyed?: boolean; version?: number; extra?: readonly object[] } = {},
): string {
  const { keyed = true, version, extra = [] } = options;
  const lines: object[] = [
    {
      type: "SCHEMA",
      stream: "s",
      schema: { type: "object", properties: { id: { type: "integer" }, v: { type: "string" } } },
      key_properties: keyed ? ["id"] : [],
    },
  ];
  for (const id of ids) {
    const record = { type: "RECORD", stream: "s", record: { id, v: `v${id}` } };
    lines.push(version === undefined ? record : { ...record, version });
    if (id % 500 === 0) lines.push({ type: "STATE", value: { upto: id } });
  }
  lines.push(...extra);
  return `${lines.map((line) => JSON.stringify(line)).join("\n")}\n`;
}
