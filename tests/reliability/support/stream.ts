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
