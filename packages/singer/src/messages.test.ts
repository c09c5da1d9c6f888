import { describe, expect, it } from "vitest";
import { InputError } from "./errors.js";
import { parseMessage } from "./messages.js";

const schemaLine = (extra = "") =>
  `{"type":"SCHEMA","stream":"users","schema":{"type":"object","properties":{"id":{"type":"integer"}}},"key_properties":["id"]${extra}}`;

describe("parseMessage", () => {
  it.each([
    [
      "RECORD",
      '{"type":"RECORD","stream":"users","record":{"id":1}}',
      { type: "RECORD", stream: "users", record: { id: 1 } },
    ],
    [
      "lower-case type",
      '{"type":"record","stream":"users","record":{"id":1}}',
      { type: "RECORD", stream: "users", record: { id: 1 } },
    ],
    [
      "RECORD with time_extracted and version",
      '{"type":"RECORD","stream":"u","record":{},"time_extracted":"2024-01-01T00:00:00Z","version":1700000000000}',
      {
        type: "RECORD",
        stream: "u",
        record: {},
        time_extracted: "2024-01-01T00:00:00Z",
        version: 1700000000000,
      },
    ],
    [
      "STATE",
      '{"type":"State","value":{"bookmarks":{}}}',
      { type: "STATE", value: { bookmarks: {} } },
    ],
    [
      "ACTIVATE_VERSION",
      '{"type":"ACTIVATE_VERSION","stream":"u","version":3}',
      { type: "ACTIVATE_VERSION", stream: "u", version: 3 },
    ],
    [
      "BATCH",
      '{"type":"BATCH","stream":"u","encoding":{"format":"jsonl","compression":"gzip"},"manifest":["file:///a"]}',
      {
        type: "BATCH",
        stream: "u",
        encoding: { format: "jsonl", compression: "gzip" },
        manifest: ["file:///a"],
      },
    ],
  ])("parses %s", (_name, text, expected) => {
    expect(parseMessage(text, 1)).toEqual(expected);
  });

  it("parses SCHEMA with key and bookmark properties", () => {
    expect(parseMessage(schemaLine(',"bookmark_properties":["updated_at"]'), 3)).toEqual({
      type: "SCHEMA",
      stream: "users",
      schema: { type: "object", properties: { id: { type: "integer" } } },
      key_properties: ["id"],
      bookmark_properties: ["updated_at"],
    });
  });

  it("warns and treats a missing key_properties as []", () => {
    const warnings: string[] = [];
    const text = '{"type":"SCHEMA","stream":"s","schema":{"properties":{}}}';
    expect(
      parseMessage(text, 7, (line, message) => warnings.push(`${line}: ${message}`)),
    ).toMatchObject({
      key_properties: [],
    });
    expect(warnings).toEqual([
      '7: SCHEMA for stream s has no "key_properties"; treating it as [] (append only)',
    ]);
  });

  it("returns undefined for an unknown type", () => {
    expect(parseMessage('{"type":"HEARTBEAT"}', 1)).toBeUndefined();
  });

  it.each([
    ["invalid JSON", '{"type":"RECORD",', 4, /^line 4: invalid JSON \(.+\): \{"type":"RECORD",$/],
    ["a number", "42", 5, /^line 5: expected a JSON object, got a number: 42$/],
    ["an array", "[1,2]", 1, /expected a JSON object, got an array/],
    ["no type", '{"stream":"x"}', 2, /^line 2: message has no string "type"/],
    [
      "RECORD without stream",
      '{"type":"RECORD","record":{}}',
      9,
      /^line 9: RECORD needs a non-empty string "stream", got nothing$/,
    ],
    [
      "RECORD with a non-object record",
      '{"type":"RECORD","stream":"s","record":[1]}',
      3,
      /^line 3, stream s: RECORD needs an object "record", got an array$/,
    ],
    [
      "RECORD with a bad time_extracted",
      '{"type":"RECORD","stream":"s","record":{},"time_extracted":"yesterday"}',
      1,
      /stream s: "time_extracted" must be an RFC 3339 date-time/,
    ],
    [
      "RECORD with a fractional version",
      '{"type":"RECORD","stream":"s","record":{},"version":1.5}',
      1,
      /stream s: "version" must be an integer, got a number/,
    ],
    [
      "SCHEMA without schema",
      '{"type":"SCHEMA","stream":"s","key_properties":[]}',
      8,
      /^line 8, stream s: SCHEMA needs an object "schema", got nothing$/,
    ],
    [
      "SCHEMA without properties",
      '{"type":"SCHEMA","stream":"s","schema":{"type":"object"},"key_properties":[]}',
      2,
      /^line 2, stream s: schema has no "properties"/,
    ],
    [
      "SCHEMA with non-string keys",
      '{"type":"SCHEMA","stream":"s","schema":{"properties":{}},"key_properties":[1]}',
      2,
      /"key_properties" must be a list of strings, got an array/,
    ],
    ["STATE without value", '{"type":"STATE"}', 6, /^line 6: STATE needs a "value"$/],
    [
      "STATE with a non-object value",
      '{"type":"STATE","value":"x"}',
      6,
      /^line 6: STATE "value" must be a JSON object, got a string$/,
    ],
    [
      "ACTIVATE_VERSION without version",
      '{"type":"ACTIVATE_VERSION","stream":"s"}',
      1,
      /"version" must be an integer, got nothing/,
    ],
    [
      "BATCH without encoding",
      '{"type":"BATCH","stream":"s","manifest":[]}',
      1,
      /BATCH needs "encoding"/,
    ],
  ])("rejects %s with the line number", (_name, text, line, pattern) => {
    let caught: unknown;
    try {
      parseMessage(text, line);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).describe()).toMatch(pattern);
  });

  it("shows only a short snippet of a long bad line", () => {
    const text = `{"type":"RECORD","stream":"s","record":{"x":"${"a".repeat(10_000)}"`;
    expect(() => parseMessage(text, 1)).toThrow(/…$/);
    try {
      parseMessage(text, 1);
    } catch (error) {
      expect((error as InputError).describe().length).toBeLessThan(300);
    }
  });
});
