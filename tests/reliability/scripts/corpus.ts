/**
 * The hostile Singer streams, generated at test time (the 100 MB line is never committed).
 * Every file starts with valid data that a target with `batch_size_rows: 1` commits before it
 * reaches the hostile part: a SCHEMA for stream `s`, the record `{id: 1}` and a STATE
 * `{"committed": "<case>"}`. The tests check that row and that STATE survive the hostile part.
 */
import { createWriteStream } from "node:fs";
import { join } from "node:path";

export const PREFIX_STREAM = "s";

export const prefixSchema = {
  type: "SCHEMA",
  stream: PREFIX_STREAM,
  schema: {
    type: "object",
    properties: { id: { type: "integer" }, v: { type: ["string", "null"] }, j: {} },
  },
  key_properties: ["id"],
} as const;

export function prefixLines(name: string): string[] {
  return [
    JSON.stringify(prefixSchema),
    JSON.stringify({ type: "RECORD", stream: PREFIX_STREAM, record: { id: 1, v: "committed" } }),
    JSON.stringify({ type: "STATE", value: { committed: name } }),
  ];
}

const record = (stream: string, value: unknown) =>
  JSON.stringify({ type: "RECORD", stream, record: value });
const schema = (stream: string, value: unknown, keys: readonly string[] = ["id"]) =>
  JSON.stringify({ type: "SCHEMA", stream, schema: value, key_properties: keys });

/** Text chunks after the prefix (joined as written: a chunk ends its line itself). */
export type Body = () => Iterable<string>;

export const INJECTION = `"; DROP TABLE canary; --`;

export const corpus: Record<string, Body> = {
  "malformed-json": () => [`${record("s", { id: 2 }).slice(0, 30)},,}\n`],
  "truncated-last-line": () => [record("s", { id: 2, v: "cut" }).slice(0, -7)],
  "huge-line-100mb": function* () {
    yield `{"type":"RECORD","stream":"s","record":{"id":2,"v":"`;
    const chunk = "x".repeat(1 << 20);
    for (let i = 0; i < 100; i++) yield chunk;
    yield `"}}\n`;
    yield `${JSON.stringify({ type: "STATE", value: { after: "huge" } })}\n`;
  },
  "deep-nesting-10k": () => [
    `{"type":"RECORD","stream":"s","record":{"id":2,"j":${"[".repeat(10_000)}${"]".repeat(10_000)}}}\n`,
  ],
  "deep-nesting-10k-objects": () => [
    `{"type":"RECORD","stream":"s","record":{"id":2,"j":${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}}}\n`,
  ],
  "record-10k-properties": () => {
    const wide: Record<string, unknown> = { id: 2 };
    for (let i = 0; i < 10_000; i++) wide[`p${i}`] = i;
    return [`${record("s", wide)}\n`];
  },
  "schema-10k-properties": () => {
    const properties: Record<string, unknown> = { id: { type: "integer" } };
    for (let i = 0; i < 10_000; i++) properties[`p${i}`] = { type: "integer" };
    return [`${schema("s", { type: "object", properties })}\n`];
  },
  "record-array": () => [`{"type":"RECORD","stream":"s","record":[1,2]}\n`],
  "record-string": () => [`{"type":"RECORD","stream":"s","record":"id=2"}\n`],
  "record-null": () => [`{"type":"RECORD","stream":"s","record":null}\n`],
  "message-not-object": () => [`[{"type":"RECORD","stream":"s","record":{"id":2}}]\n`],
  "schema-ref-unresolvable": () => [
    `${schema("s", { type: "object", properties: { id: { type: "integer" }, v: { $ref: "#/definitions/missing" } } })}\n`,
    `${record("s", { id: 2, v: "x" })}\n`,
  ],
  "schema-ref-recursive": () => [
    `${schema("s", {
      type: "object",
      definitions: {
        node: { type: "object", properties: { next: { $ref: "#/definitions/node" } } },
      },
      properties: { id: { type: "integer" }, j: { $ref: "#/definitions/node" } },
    })}\n`,
    `${record("s", { id: 2, j: { next: { next: {} } } })}\n`,
  ],
  "schema-ref-self": () => [
    `${schema("s", { type: "object", properties: { id: { type: "integer" }, j: { $ref: "#" } } })}\n`,
  ],
  "schema-invalid-type": () => [
    `${schema("s", { type: "object", properties: { id: { type: "integer" }, v: { type: "strnig" } } })}\n`,
  ],
  "schema-not-object": () => [
    `{"type":"SCHEMA","stream":"s","schema":5,"key_properties":["id"]}\n`,
  ],
  "key-not-in-schema": () => [
    `${schema("s", { type: "object", properties: { id: { type: "integer" } } }, ["id", "missing_key"])}\n`,
  ],
  "invalid-date": () => [
    `{"type":"SCHEMA","stream":"s","schema":{"type":"object","properties":{"id":{"type":"integer"},"v":{"type":["string","null"]},"j":{},"at":{"type":"string","format":"date-time"}}},"key_properties":["id"]}\n`,
    `{"type":"RECORD","stream":"s","record":{"id":2,"at":"2024-02-30T25:61:00Z"}}\n`,
  ],
  "invalid-date-without-validation": () => [
    `{"type":"SCHEMA","stream":"s","schema":{"type":"object","properties":{"id":{"type":"integer"},"v":{"type":["string","null"]},"j":{},"at":{"type":"string","format":"date-time"}}},"key_properties":["id"]}\n`,
    `{"type":"RECORD","stream":"s","record":{"id":2,"at":"2024-02-30T25:61:00Z"}}\n`,
  ],
  "state-number": () => [`{"type":"STATE","value":5}\n`],
  "state-array": () => [`{"type":"STATE","value":[1]}\n`],
  "state-null": () => [`{"type":"STATE","value":null}\n`],
};

/** Cases whose input is valid Singer that must load exactly (the corpus of hostile names/values). */
export const loadable: Record<string, Body> = {
  "numbers-beyond-64-bit": () => [
    `{"type":"SCHEMA","stream":"n","schema":{"type":"object","properties":{"id":{"type":"integer"},"big":{"type":"integer"},"num":{"type":"number"}}},"key_properties":["id"]}\n`,
    `{"type":"RECORD","stream":"n","record":{"id":1,"big":123456789012345678901234567890,"num":${"9".repeat(100)}}}\n`,
    `{"type":"RECORD","stream":"n","record":{"id":2,"big":-9223372036854775809,"num":0.${"1".repeat(99)}}}\n`,
    `{"type":"RECORD","stream":"n","record":{"id":3,"big":9223372036854775807,"num":1e400}}\n`,
  ],
  "sql-injection-names": () => [
    `${schema(INJECTION, { type: "object", properties: { id: { type: "integer" }, [INJECTION]: { type: "string" }, "a'); DROP TABLE canary; --": { type: "string" } } })}\n`,
    `${record(INJECTION, { id: 1, [INJECTION]: "v1", "a'); DROP TABLE canary; --": "v2" })}\n`,
  ],
  "colliding-names": () => [
    `${schema("Coll", { type: "object", properties: { id: { type: "integer" }, Id: { type: "string" }, "a-b": { type: "string" }, a_b: { type: "string" }, aB: { type: "string" } } })}\n`,
    `${schema("coll", { type: "object", properties: { id: { type: "integer" } } })}\n`,
    `${record("Coll", { id: 1, Id: "upper", "a-b": "dash", a_b: "underscore", aB: "camel" })}\n`,
    `${record("coll", { id: 7 })}\n`,
  ],
  "nul-everywhere": () => [
    `${schema("n\u0000ul", { type: "object", properties: { id: { type: "string" }, "c\u0000ol": { type: "string" }, j: {} } })}\n`,
    `${record("n\u0000ul", { id: "k\u0000ey", "c\u0000ol": "v\u0000al", j: { "k\u0000": ["\u0000"] } })}\n`,
  ],
  "lone-surrogates": () => [
    `${schema("sur", { type: "object", properties: { id: { type: "integer" }, t: { type: "string" }, j: {} } })}\n`,
    `{"type":"RECORD","stream":"sur","record":{"id":1,"t":"a\\ud800b","j":{"k\\udc00":"\\udfff"}}}\n`,
  ],
};

/** Writes one case (prefix + body) to `dir/<name>.jsonl` and returns the path. */
export async function writeCase(dir: string, name: string, body: Body): Promise<string> {
  const path = join(dir, `${name}.jsonl`);
  const out = createWriteStream(path);
  const write = (text: string) =>
    new Promise<void>((resolve, reject) => {
      if (out.write(text)) resolve();
      else out.once("drain", resolve).once("error", reject);
    });
  await write(`${prefixLines(name).join("\n")}\n`);
  for (const chunk of body()) await write(chunk);
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return path;
}
