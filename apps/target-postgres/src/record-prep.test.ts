import type { RecordMessage, SchemaMessage } from "@singerkit/singer";
import { describe, expect, it } from "vitest";
import type { TargetConfig } from "./config.js";
import { ExactNumber, type LoadObject } from "./exact-json.js";
import { RecordPreparation } from "./record-prep.js";

const config = (settings: Partial<TargetConfig>) =>
  ({
    flattening_enabled: false,
    flattening_max_depth: 1,
    add_record_metadata: false,
    process_activate_version_messages: true,
    load_method: "upsert",
    ...settings,
  }) as TargetConfig; // only the settings RecordPreparation reads

const schema: SchemaMessage = {
  type: "SCHEMA",
  stream: "s",
  key_properties: ["id"],
  schema: {
    type: "object",
    properties: {
      id: { type: "integer" },
      o: { type: "object", properties: { n: { type: "number" } } },
    },
  },
};

describe("RecordPreparation", () => {
  it("flattens and stamps the record and its exact twin alike", () => {
    const prep = new RecordPreparation(
      config({ flattening_enabled: true, add_record_metadata: true }),
    );
    prep.schema(schema);
    const message: RecordMessage = {
      type: "RECORD",
      stream: "s",
      record: { id: 1, o: { n: 12345678901234567e3 } }, // JSON.parse of the line, rounded
      version: 7,
    };
    const exact: LoadObject = { id: 1, o: { n: new ExactNumber("12345678901234567890") } };
    prep.prepare(message, exact, Date.parse("2026-01-01T00:00:00Z"));
    expect(Object.keys(message.record).sort()).toEqual(Object.keys(exact).sort());
    expect(exact.o__n).toBeInstanceOf(ExactNumber);
    expect(message.record._sdc_table_version).toBe(7);
    expect(exact._sdc_received_at).toBe("2026-01-01T00:00:00.000Z");
  });

  it("the first versioned record adds the version columns once; append-only drops keys", () => {
    const prep = new RecordPreparation(config({ load_method: "append-only" }));
    expect(prep.schema(schema).key_properties).toEqual([]);
    const record: RecordMessage = { type: "RECORD", stream: "s", record: { id: 1 }, version: 1 };
    const change = prep.versionChange(record);
    expect(Object.keys(change?.schema.properties ?? {})).toContain("_sdc_table_version");
    expect(change?.key_properties).toEqual([]);
    expect(prep.versionChange(record)).toBeUndefined();
  });
});
