import { ConfigError } from "@singerkit/singer";
import { describe, expect, it } from "vitest";
import { checkMappingNames, mappedSchemas, streamTarget } from "./mapping.js";

const base = { default_target_schema: "raw" };

describe("streamTarget", () => {
  it("without mappings: the default schema and the whole stream name", () => {
    expect(streamTarget("public-orders", base)).toEqual({ schema: "raw", base: "public-orders" });
  });

  it("schema_mapping: the source schema before the first dash picks the target schema", () => {
    const config = { ...base, schema_mapping: { public: { target_schema: "app" } } };
    expect(streamTarget("public-orders", config)).toEqual({ schema: "app", base: "orders" });
    expect(streamTarget("public-line-items", config)).toEqual({
      schema: "app",
      base: "line-items",
    });
    expect(streamTarget("sales-orders", config)).toEqual({ schema: "raw", base: "sales-orders" });
    expect(streamTarget("public", config)).toEqual({ schema: "raw", base: "public" });
    expect(streamTarget("-orders", config)).toEqual({ schema: "raw", base: "-orders" });
  });

  it("stream_mapping wins over schema_mapping; either field alone", () => {
    const config = {
      ...base,
      schema_mapping: { public: { target_schema: "app" } },
      stream_mapping: {
        "public-orders": { target_table: "Orders Table" },
        users: { target_schema: "secoda" },
        tags: { target_schema: "secoda", target_table: "secoda_tags" },
      },
    };
    expect(streamTarget("public-orders", config)).toEqual({
      schema: "app",
      table: "Orders Table",
      base: "orders",
    });
    expect(streamTarget("users", config)).toEqual({ schema: "secoda", base: "users" });
    expect(streamTarget("tags", config)).toEqual({
      schema: "secoda",
      table: "secoda_tags",
      base: "tags",
    });
  });

  it("inherited object keys are not mappings", () => {
    const config = { ...base, schema_mapping: {}, stream_mapping: {} };
    expect(streamTarget("constructor", config)).toEqual({ schema: "raw", base: "constructor" });
    expect(streamTarget("toString-x", config)).toEqual({ schema: "raw", base: "toString-x" });
  });
});

describe("checkMappingNames", () => {
  it("accepts names up to 63 bytes and names the setting of a longer one", () => {
    expect(() =>
      checkMappingNames({ ...base, stream_mapping: { a: { target_table: "x".repeat(63) } } }),
    ).not.toThrow();
    const long = "é".repeat(32); // 32 characters, 64 bytes
    expect(() =>
      checkMappingNames({ ...base, stream_mapping: { a: { target_table: long } } }),
    ).toThrow(ConfigError);
    expect(() =>
      checkMappingNames({ ...base, schema_mapping: { public: { target_schema: long } } }),
    ).toThrow(/schema_mapping\.public\.target_schema: .* 63-byte/);
  });

  it.each([
    ["default_target_schema", { ...base, default_target_schema: "a\u0000b" }],
    [
      "schema_mapping.public.target_schema",
      { ...base, schema_mapping: { public: { target_schema: "\u0000" } } },
    ],
    [
      "stream_mapping.s.target_table",
      { ...base, stream_mapping: { s: { target_table: "t\u0000" } } },
    ],
  ])("a NUL in %s is a config error naming the setting", (setting, config) => {
    expect(() => checkMappingNames(config)).toThrow(
      new ConfigError(
        `${setting} contains a NUL character (U+0000), which PostgreSQL schema and table names cannot hold`,
      ),
    );
  });
});

describe("mappedSchemas", () => {
  it("the default schema first, then each mapped one once", () => {
    expect(
      mappedSchemas({
        ...base,
        schema_mapping: { public: { target_schema: "app" }, sales: { target_schema: "app" } },
        stream_mapping: { users: { target_schema: "secoda" }, tags: { target_table: "t" } },
      }),
    ).toEqual(["raw", "app", "secoda"]);
  });
});
