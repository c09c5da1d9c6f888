import { describe, expect, it } from "vitest";
import {
  type CatalogEntry,
  catalogEntry,
  isStreamSelected,
  parseCatalog,
  replicationOf,
  selectedFields,
  selectRecord,
  selectSchema,
  standardMetadata,
} from "./catalog.js";
import { ConfigError } from "./errors.js";
import type { JsonSchemaObject } from "./schema.js";

const schema: JsonSchemaObject = {
  type: "object",
  properties: {
    id: { type: "string" },
    updated_at: { type: "string", format: "date-time" },
    title: { type: ["string", "null"] },
    owner: { type: "object", properties: { id: { type: "string" }, email: { type: "string" } } },
    secret_notes: { type: "string" },
  },
};

function withMetadata(extra: CatalogEntry["metadata"]): CatalogEntry {
  const base = catalogEntry({
    tapStreamId: "tables",
    schema,
    keyProperties: ["id"],
    replicationKeys: ["updated_at"],
  });
  const key = (breadcrumb: readonly string[]) => breadcrumb.join("/");
  const overrides = new Map(extra.map((entry) => [key(entry.breadcrumb), entry.metadata]));
  return {
    ...base,
    metadata: base.metadata.map((entry) => ({
      breadcrumb: entry.breadcrumb,
      metadata: { ...entry.metadata, ...overrides.get(key(entry.breadcrumb)) },
    })),
  };
}

describe("standardMetadata", () => {
  it("writes the SDK's standard stream and field metadata", () => {
    const metadata = standardMetadata({
      tapStreamId: "tables",
      schema,
      keyProperties: ["id"],
      replicationKeys: ["updated_at"],
    });
    expect(metadata[0]).toEqual({
      breadcrumb: [],
      metadata: {
        inclusion: "available",
        "table-key-properties": ["id"],
        "forced-replication-method": "INCREMENTAL",
        "selected-by-default": true,
        "valid-replication-keys": ["updated_at"],
        "replication-key": "updated_at",
        "replication-method": "INCREMENTAL",
      },
    });
    const inclusion = Object.fromEntries(
      metadata.slice(1).map((m) => [m.breadcrumb.join("/"), m.metadata.inclusion]),
    );
    expect(inclusion).toEqual({
      "properties/id": "automatic",
      "properties/updated_at": "automatic",
      "properties/title": "available",
      "properties/owner": "available",
      "properties/owner/properties/id": "available",
      "properties/owner/properties/email": "available",
      "properties/secret_notes": "available",
    });
  });

  it("marks streams without a replication key FULL_TABLE", () => {
    const [root] = standardMetadata({ tapStreamId: "tags", schema, keyProperties: ["id"] });
    expect(root?.metadata["forced-replication-method"]).toBe("FULL_TABLE");
    expect(root?.metadata["valid-replication-keys"]).toBeUndefined();
  });
});

describe("stream selection", () => {
  it.each([
    ["selected true", [{ breadcrumb: [], metadata: { selected: true } }], true],
    [
      "selected false beats selected-by-default",
      [{ breadcrumb: [], metadata: { selected: false } }],
      false,
    ],
    ["selected-by-default only", [], true],
    [
      "selected-by-default false",
      [{ breadcrumb: [], metadata: { "selected-by-default": false } }],
      false,
    ],
  ] as const)("%s", (_name, extra, expected) => {
    expect(isStreamSelected(withMetadata(extra))).toBe(expected);
  });

  it("honours the legacy schema.selected", () => {
    const entry = {
      tap_stream_id: "t",
      stream: "t",
      schema: { ...schema, selected: true },
      metadata: [],
    };
    expect(isStreamSelected(entry)).toBe(true);
  });

  it("reads the user's replication method and key before the forced one", () => {
    const entry = withMetadata([
      { breadcrumb: [], metadata: { "replication-method": "FULL_TABLE" } },
    ]);
    expect(replicationOf(entry)).toEqual({ method: "FULL_TABLE", key: "updated_at" });
  });
});

describe("field selection", () => {
  it("keeps everything when nothing is deselected", () => {
    expect(selectedFields(withMetadata([]), ["id"])).toBe(true);
  });

  it("drops deselected and unsupported fields, keeps automatic, key and replication fields", () => {
    const entry = withMetadata([
      { breadcrumb: ["properties", "secret_notes"], metadata: { selected: false } },
      {
        breadcrumb: ["properties", "title"],
        metadata: { inclusion: "unsupported", selected: true },
      },
      { breadcrumb: ["properties", "owner", "properties", "email"], metadata: { selected: false } },
      // Deselecting a key or replication key has no effect.
      { breadcrumb: ["properties", "id"], metadata: { selected: false, inclusion: "available" } },
      { breadcrumb: ["properties", "updated_at"], metadata: { selected: false } },
    ]);
    const selection = selectedFields(entry, ["id", "updated_at"]);
    expect(selection).toEqual({ id: true, updated_at: true, owner: { id: true } });

    const record = {
      id: "a",
      updated_at: "2024-01-01T00:00:00Z",
      title: "T",
      owner: { id: "u1", email: "u@x" },
      secret_notes: "s",
    };
    expect(selectRecord(record, selection)).toEqual({
      id: "a",
      updated_at: "2024-01-01T00:00:00Z",
      owner: { id: "u1" },
    });
    const selected = selectSchema({ ...schema, required: ["id", "title"] }, selection);
    expect(Object.keys(selected.properties)).toEqual(["id", "updated_at", "owner"]);
    expect(Object.keys(selected.properties.owner?.properties ?? {})).toEqual(["id"]);
    expect(selected.required).toEqual(["id"]);
  });

  it("leaves a null nested object alone", () => {
    expect(selectRecord({ id: "a", owner: null }, { id: true, owner: { id: true } })).toEqual({
      id: "a",
      owner: null,
    });
  });
});

describe("parseCatalog", () => {
  it("accepts a discovered catalog", () => {
    const catalog = parseCatalog({
      streams: [catalogEntry({ tapStreamId: "t", schema, keyProperties: ["id"] })],
    });
    expect(catalog.streams[0]?.tap_stream_id).toBe("t");
  });

  it.each([
    [[], /expected an object with a "streams" list/],
    [{ streams: [1] }, /streams\[0\] is not an object/],
    [{ streams: [{ schema: {} }] }, /streams\[0\] has no "tap_stream_id"/],
    [
      { streams: [{ tap_stream_id: "x", schema: {}, metadata: {} }] },
      /stream x: "metadata" must be a list/,
    ],
  ])("rejects %j", (raw, pattern) => {
    expect(() => parseCatalog(raw, "cat.json")).toThrow(ConfigError);
    expect(() => parseCatalog(raw, "cat.json")).toThrow(pattern);
  });
});
