import { Writable } from "node:stream";
import { Logger } from "@singerkit/singer";
import { describe, expect, it } from "vitest";
import { parseExact, RawJson } from "./exact-json.js";
import { OffSchemaLog } from "./off-schema.js";
import { RecordEncoder } from "./record-encoder.js";

const log = new Logger({ name: "test", out: new Writable({ write: (_c, _e, done) => done() }) });

function encoder(): RecordEncoder {
  const encoder = new RecordEncoder("s", {
    nul: "replace",
    validate: "off",
    log,
    offSchema: new OffSchemaLog(log),
  });
  encoder.configure(
    {
      type: "SCHEMA",
      stream: "s",
      key_properties: ["id"],
      schema: { type: "object", properties: { id: { type: "integer" }, j: {}, t: {} } },
    },
    [
      { property: "id", name: "id", type: "bigint", parseJsonStrings: false },
      { property: "j", name: "j", type: "jsonb", parseJsonStrings: false },
      { property: "t", name: "t", type: "text", parseJsonStrings: false },
    ],
    1,
  );
  return encoder;
}

describe("RecordEncoder: a huge field (decisions: Hot path and memory)", () => {
  it("a field of 1 Mi characters or more is handed over in parts, not joined into the row", () => {
    const huge = `[${"12345678901234567890,".repeat(60_000)}1]`; // 1.26 M characters
    const line = `{"record":{"id":7,"j":${huge},"t":"x"}}`;
    const exact = (parseExact(line, { rawDepth: 2 }) as { record: Record<string, never> }).record;
    expect(exact.j).toBeInstanceOf(RawJson);
    const { row, key } = encoder().encode({ id: 7, j: [], t: "x" }, exact, true, 2);
    expect(row).toEqual(["7\t", huge, "\tx\n"]);
    expect(key).toBe("7");
  });

  it("a row without a huge field stays one string", () => {
    const line = '{"record":{"id":7,"j":[12345678901234567890],"t":"x"}}';
    const exact = (parseExact(line, { rawDepth: 2 }) as { record: Record<string, never> }).record;
    const { row } = encoder().encode({ id: 7, j: [], t: "x" }, exact, true, 2);
    expect(row).toBe("7\t[12345678901234567890]\tx\n");
  });
});
