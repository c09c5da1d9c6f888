import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigError, InputError } from "./errors.js";
import type { JsonObject } from "./json.js";
import type { RecordMessage, SchemaMessage, SingerMessage } from "./messages.js";
import { StreamMapper, streamMapperFromConfig } from "./stream-maps.js";

// The stream the Meltano SDK's stream-map docs use in their examples.
const customersSchema: SchemaMessage = {
  type: "SCHEMA",
  stream: "customers",
  schema: {
    type: "object",
    properties: {
      customer_id: { type: "integer" },
      email: { type: ["string", "null"] },
      owner_email: { type: ["string", "null"] },
      full_name: { type: ["string", "null"] },
      amount: { type: ["number", "null"] },
    },
    required: ["customer_id"],
  },
  key_properties: ["customer_id"],
};
const ada = {
  customer_id: 1,
  email: "ada@example.com",
  owner_email: "owner@corp.io",
  full_name: "Ada",
  amount: 10,
};
const bob = {
  customer_id: 2,
  email: "bob@other.org",
  owner_email: null,
  full_name: "Bob",
  amount: 3,
};
const md5 = (text: string) => createHash("md5").update(text).digest("hex");
const record = (stream: string, value: JsonObject): RecordMessage => ({
  type: "RECORD",
  stream,
  record: value,
});
const addresses: SchemaMessage = {
  type: "SCHEMA",
  stream: "addresses",
  schema: { type: "object", properties: { id: { type: "integer" } } },
  key_properties: ["id"],
};

function mapAll(mapper: StreamMapper, messages: SingerMessage[]): SingerMessage[] {
  return messages.flatMap((message) => {
    const mapped = mapper.mapAll(message);
    return mapped === undefined ? [] : Array.isArray(mapped) ? mapped : [mapped as SingerMessage];
  });
}

const input: SingerMessage[] = [
  customersSchema,
  record("customers", ada),
  record("customers", bob),
  addresses,
  record("addresses", { id: 9 }),
  { type: "STATE", value: { bookmarks: { customers: { x: 1 } } } },
];

describe("stream maps (the SDK's documented examples)", () => {
  it("drops a property, adds a domain and a seeded hash (schema and records agree)", () => {
    const mapper = new StreamMapper(
      {
        customers: {
          email: null,
          email_domain: "owner_email.split('@')[-1]",
          email_hash: "md5(config['hash_seed'] + email)",
        },
      },
      { hash_seed: "01AWZh7A6DzGm6iJZZ2T" },
    );
    const [schema, first, second, ...rest] = mapAll(mapper, input);
    expect(schema).toMatchObject({
      stream: "customers",
      key_properties: ["customer_id"],
      schema: {
        properties: {
          customer_id: { type: "integer" },
          email_domain: { type: ["string", "null"] },
          email_hash: { type: ["string", "null"] },
        },
      },
    });
    expect(Object.keys((schema as SchemaMessage).schema.properties)).not.toContain("email");
    expect((first as RecordMessage).record).toEqual({
      customer_id: 1,
      owner_email: "owner@corp.io",
      full_name: "Ada",
      amount: 10,
      email_domain: "corp.io",
      email_hash: md5("01AWZh7A6DzGm6iJZZ2Tada@example.com"),
    });
    expect((second as RecordMessage).record.email_domain).toBeNull(); // null-safe: no owner_email
    expect(rest).toEqual(input.slice(3)); // other streams and STATE untouched
  });

  it("hashes with md5 exactly as md5(text) hex", () => {
    const mapper = new StreamMapper({ customers: { email: "md5(email)" } }, {});
    const [, first] = mapAll(mapper, input);
    expect((first as RecordMessage).record.email).toBe(md5("ada@example.com"));
    expect(md5("ada@example.com")).toMatch(/^[0-9a-f]{32}$/);
  });

  it("filters records with __filter__", () => {
    const mapper = new StreamMapper(
      { customers: { __filter__: "email.endswith('@example.com')" } },
      {},
    );
    const out = mapAll(mapper, input).filter(
      (message) => message.type === "RECORD" && message.stream === "customers",
    );
    expect(out.map((message) => (message as RecordMessage).record.customer_id)).toEqual([1]);
  });

  it("aliases a stream with __alias__ (SCHEMA, RECORD and ACTIVATE_VERSION)", () => {
    const mapper = new StreamMapper({ customers: { __alias__: "customers_v2" } }, {});
    const out = mapAll(mapper, [
      ...input,
      { type: "ACTIVATE_VERSION", stream: "customers", version: 3 },
    ]);
    expect(
      out
        .filter((message) => message.type !== "STATE")
        .map((message) => "stream" in message && message.stream),
    ).toEqual([
      "customers_v2",
      "customers_v2",
      "customers_v2",
      "addresses",
      "addresses",
      "customers_v2",
    ]);
    expect((out[1] as RecordMessage).record).toEqual(ada);
  });

  it("drops a stream mapped to null", () => {
    const mapper = new StreamMapper({ addresses: null }, {});
    expect(
      mapAll(mapper, input).map((message) => (message.type === "STATE" ? "STATE" : message.stream)),
    ).toEqual(["customers", "customers", "customers", "STATE"]);
  });

  it('keeps only named streams with a top-level "__else__": null', () => {
    const mapper = new StreamMapper({ customers: {}, __else__: null }, {});
    expect(
      mapAll(mapper, input).some(
        (message) => message.type !== "STATE" && message.stream === "addresses",
      ),
    ).toBe(false);
    expect(mapAll(mapper, input)).toHaveLength(4);
  });

  it('keeps only named properties (and the key) with "__else__": null', () => {
    const mapper = new StreamMapper({ customers: { full_name: "full_name", __else__: null } }, {});
    const [schema, first] = mapAll(mapper, input);
    expect(Object.keys((schema as SchemaMessage).schema.properties)).toEqual([
      "customer_id",
      "full_name",
    ]);
    expect((schema as SchemaMessage).schema.properties.full_name).toEqual({
      type: ["string", "null"],
    });
    expect((first as RecordMessage).record).toEqual({ customer_id: 1, full_name: "Ada" });
  });

  it("replaces the key with __key_properties__ (hashed id)", () => {
    const mapper = new StreamMapper(
      {
        customers: {
          customer_id: null,
          customer_id_hashed: "md5(str(customer_id))",
          __key_properties__: ["customer_id_hashed"],
        },
      },
      {},
    );
    const [schema, first] = mapAll(mapper, input);
    expect((schema as SchemaMessage).key_properties).toEqual(["customer_id_hashed"]);
    expect((schema as SchemaMessage).schema.required).toEqual([]);
    expect((first as RecordMessage).record.customer_id_hashed).toBe(
      "c4ca4238a0b923820dcc509a6f75849b",
    ); // md5("1")
  });

  it("moves the key with a renamed key property, and drops a dropped one with a warning", () => {
    const renamed = new StreamMapper({ customers: { id: "customer_id", customer_id: null } }, {});
    expect((renamed.map(customersSchema) as SchemaMessage).key_properties).toEqual(["id"]);
    expect((renamed.map(customersSchema) as SchemaMessage).schema.properties.id).toEqual({
      type: ["integer", "null"],
    });
    const warnings: string[] = [];
    const dropped = new StreamMapper({ customers: { customer_id: null } }, {}, (text) =>
      warnings.push(text),
    );
    expect((dropped.map(customersSchema) as SchemaMessage).key_properties).toEqual([]);
    expect(warnings).toEqual([expect.stringContaining('drops key property "customer_id"')]);
  });

  it("fails on __key_properties__ naming a property the stream does not have", () => {
    const mapper = new StreamMapper({ customers: { __key_properties__: ["nope"] } }, {});
    expect(() => mapper.map(customersSchema)).toThrow(
      'stream_maps.customers.__key_properties__: "nope" not in the mapped stream',
    );
  });

  it("infers computed types from the expression", () => {
    const mapper = new StreamMapper(
      {
        customers: {
          doubled: "amount * 2",
          big: "amount > 5",
          n: "int(full_name == 'Ada')",
          at: "datetime('2026-01-01')",
          copy: "self",
          amount: "float(amount)",
        },
      },
      {},
    );
    const { properties } = (mapper.map(customersSchema) as SchemaMessage).schema;
    expect(properties).toMatchObject({
      doubled: { type: ["number", "null"] },
      big: { type: ["boolean", "null"] },
      n: { type: ["integer", "null"] },
      at: { type: ["string", "null"], format: "date-time" },
      amount: { type: ["number", "null"] },
    });
  });
});

describe("__source__: a copy of a stream under a new name", () => {
  const streamOf = (message: SingerMessage) =>
    message.type === "STATE" ? "STATE" : `${message.type} ${message.stream}`;

  it("emits the copy after each message of its source, which still flows; STATE is not copied", () => {
    const mapper = new StreamMapper({ customers_copy: { __source__: "customers" } }, {});
    const out = mapAll(mapper, input);
    expect(out.map(streamOf)).toEqual([
      "SCHEMA customers",
      "SCHEMA customers_copy",
      "RECORD customers",
      "RECORD customers_copy",
      "RECORD customers",
      "RECORD customers_copy",
      "SCHEMA addresses",
      "RECORD addresses",
      "STATE",
    ]);
    const copy = out[1] as SchemaMessage;
    expect(copy.schema).toEqual(customersSchema.schema);
    expect(copy.key_properties).toEqual(["customer_id"]);
    expect((out[3] as RecordMessage).record).toEqual(ada);
    // The source's own messages are the input objects themselves (written byte for byte).
    expect(out[0]).toBe(customersSchema);
  });

  it("the copy has its own map (filter, hash, dropped property, keys); the source can be dropped", () => {
    const mapper = new StreamMapper(
      {
        customers: null,
        rich: {
          __source__: "customers",
          __filter__: "amount > 5",
          email: null,
          email_hash: "md5(email)",
          __key_properties__: ["email_hash"],
        },
      },
      {},
    );
    const out = mapAll(mapper, input);
    expect(out.map(streamOf)).toEqual([
      "SCHEMA rich",
      "RECORD rich",
      "SCHEMA addresses",
      "RECORD addresses",
      "STATE",
    ]);
    const schema = out[0] as SchemaMessage;
    expect(Object.keys(schema.schema.properties)).not.toContain("email");
    expect(schema.schema.properties.email_hash).toEqual({ type: ["string", "null"] });
    expect(schema.key_properties).toEqual(["email_hash"]);
    expect((out[1] as RecordMessage).record).toMatchObject({
      customer_id: 1,
      email_hash: md5("ada@example.com"),
    });
  });

  it('two copies of one stream, and a copy kept under a top-level "__else__": null', () => {
    const mapper = new StreamMapper(
      { a: { __source__: "addresses" }, b: { __source__: "addresses" }, __else__: null },
      {},
    );
    expect(mapAll(mapper, input).map(streamOf)).toEqual([
      "SCHEMA a",
      "SCHEMA b",
      "RECORD a",
      "RECORD b",
      "STATE",
    ]);
    expect(mapper.copyNames()).toEqual(["a", "b"]);
  });
});

describe("invalid stream maps fail at startup or at SCHEMA, naming stream, map and position", () => {
  it.each([
    [
      { customers: { email_hash: "md5(email" } },
      'stream_maps.customers.email_hash: expected ")", found end of expression at column 10 of "md5(email"',
    ],
    [{ customers: { __filter__: "amount >> 3" } }, "stream_maps.customers.__filter__: unexpected"],
    [{ customers: { x: 3 } }, "stream_maps.customers.x must be an expression (a string) or null"],
    [{ copy: { __source__: 3 } }, "stream_maps.copy.__source__ must be the name of the stream"],
    [
      { copy: { __source__: "customers", __alias__: "x" } },
      "stream_maps.copy: a copy (__source__) is named by its entry; __alias__ does not apply",
    ],
    [{ customers: { __bogus__: "x" } }, "stream_maps.customers.__bogus__: unknown operation"],
    [{ customers: "x" }, "stream_maps.customers must be an object"],
    [{ __else__: {} }, "stream_maps.__else__ can only be null"],
  ])("%j", (maps, message) => {
    expect(() => new StreamMapper(maps as JsonObject, {})).toThrow(ConfigError);
    expect(() => new StreamMapper(maps as JsonObject, {})).toThrow(message);
  });

  it("names an unknown property or function when the SCHEMA arrives", () => {
    expect(() =>
      new StreamMapper({ customers: { x: "md5(emial)" } }, {}).map(customersSchema),
    ).toThrow(
      'stream_maps.customers.x: stream customers has no property "emial" (column 5 of "md5(emial)")',
    );
    expect(() =>
      new StreamMapper({ customers: { x: "shout(email)" } }, {}).map(customersSchema),
    ).toThrow('stream_maps.customers.x: unknown function shout() at column 1 of "shout(email)"');
  });

  it("does not take Object.prototype's names for properties", () => {
    expect(() =>
      new StreamMapper({ customers: { x: "constructor" } }, {}).map(customersSchema),
    ).toThrow('stream customers has no property "constructor"');
    const mapper = new StreamMapper({ customers: { toString: "str(customer_id)" } }, {});
    expect((mapper.map(customersSchema) as SchemaMessage).schema.properties.toString).toEqual({
      type: ["string", "null"],
    });
  });

  it("a failing expression on a record names the map, stream and line", () => {
    const mapper = new StreamMapper({ customers: { x: "full_name + amount" } }, {});
    mapper.map(customersSchema);
    let error: unknown;
    try {
      mapper.map(record("customers", ada), 12);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).describe()).toBe(
      'line 12, stream customers: stream_maps.customers.x: cannot apply + to a string and a number at column 1 in "full_name + amount"',
    );
  });

  it("no stream_maps (or an empty one) means no mapper", () => {
    expect(streamMapperFromConfig({})).toBeUndefined();
    expect(streamMapperFromConfig({ stream_maps: {} })).toBeUndefined();
    expect(streamMapperFromConfig({ stream_maps: { a: null } })).toBeInstanceOf(StreamMapper);
  });
});
