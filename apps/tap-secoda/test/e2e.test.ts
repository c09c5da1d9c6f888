import { compileValidator, type JsonObject, type SingerMessage } from "@singerkit/singer";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { queryParams, WHOLE } from "../src/partitions.js";
import type { StreamDef } from "../src/stream-def.js";
import { STREAM_DEFS } from "../src/streams.js";
import { catalogSelecting } from "./support/catalog.js";
import { type CliRun, fakeConfig, runCli } from "./support/cli.js";

const url = inject("fakeSecodaUrl");
/** Every full-sync check runs against the tidy fake and against its real-API mode. */
const MODES = [
  { mode: "tidy", fakeUrl: url },
  { mode: "real-API", fakeUrl: inject("fakeSecodaRealUrl") },
] as const;

/**
 * How many records the API says a stream has: the `count` of its first page, requested exactly as
 * the tap requests it (path, fixed params, filter, sort), or the length of a bare array. No hand
 * map of streams to fake kinds: a new stream is counted the moment it exists.
 */
async function apiCount(def: StreamDef, url: string): Promise<number> {
  const query = new URLSearchParams({ ...queryParams(def, WHOLE), page: "1" });
  const response = await fetch(`${url}${def.path}?${query}`, {
    headers: { authorization: `Bearer ${String(fakeConfig(url).api_key)}` },
  });
  expect(response.status, def.path).toBe(200);
  const body: unknown = await response.json();
  if (Array.isArray(body)) return body.length;
  const count = (body as { count?: unknown }).count;
  if (typeof count !== "number") throw new Error(`${def.path}: no count in the response`);
  return count;
}

function byStream(messages: readonly SingerMessage[]) {
  const streams = new Map<
    string,
    { schema?: SingerMessage; records: JsonObject[]; order: string[] }
  >();
  for (const m of messages) {
    if (m.type === "STATE" || m.type === "BATCH") continue;
    const entry = streams.get(m.stream) ?? { records: [], order: [] };
    streams.set(m.stream, entry);
    entry.order.push(m.type);
    if (m.type === "SCHEMA") entry.schema = m;
    if (m.type === "RECORD") entry.records.push(m.record);
  }
  return streams;
}

describe.each(MODES)(
  "a full sync with an admin key, through the built CLI ($mode fake)",
  ({ fakeUrl }) => {
    let run: CliRun;
    beforeAll(async () => {
      run = await runCli({ config: fakeConfig(fakeUrl) });
    });

    it("exits 0 and every stdout line is a Singer message", () => {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout.trim().split("\n")).toHaveLength(run.messages.length);
    });

    it("syncs every stream of the table, each record exactly once", async () => {
      const streams = byStream(run.messages);
      expect([...streams.keys()].sort()).toEqual(STREAM_DEFS.map((d) => d.name).sort());
      for (const def of STREAM_DEFS) {
        const records = streams.get(def.name)?.records ?? [];
        const expected = await apiCount(def, fakeUrl);
        expect(records.length, def.name).toBe(expected);
        expect(new Set(records.map((r) => r.id)).size, `${def.name} ids`).toBe(expected);
      }
    });

    it("sends SCHEMA first, and every record validates against it (strict formats, no extra fields)", () => {
      for (const [stream, { schema, records, order }] of byStream(run.messages)) {
        expect(order[0], stream).toBe("SCHEMA");
        if (schema?.type !== "SCHEMA") throw new Error(`no SCHEMA for ${stream}`);
        const validate = compileValidator(schema.schema, { stream, formats: "strict" });
        const declared = new Set(Object.keys(schema.schema.properties));
        const undeclared = new Set<string>();
        for (const record of records) {
          validate(record);
          for (const field of Object.keys(record)) if (!declared.has(field)) undeclared.add(field);
        }
        expect([...undeclared], stream).toEqual([]);
      }
    });

    it("stamps records with time_extracted and ends with a STATE bookmarking every incremental stream", () => {
      const records = run.messages.filter((m) => m.type === "RECORD");
      expect(records.every((m) => m.type === "RECORD" && m.time_extracted !== undefined)).toBe(
        true,
      );
      const last = run.messages.at(-1);
      expect(last?.type).toBe("STATE");
      const bookmarks = (last?.type === "STATE" ? last.value.bookmarks : {}) as JsonObject;
      for (const def of STREAM_DEFS) {
        const bookmark = bookmarks[def.name] as JsonObject | undefined;
        if (def.replicationKey === undefined) expect(bookmark, def.name).toEqual({});
        else expect(bookmark?.replication_key_value, def.name).toMatch(/^\d{4}-\d\d-\d\dT/);
      }
    });

    it("interleaves streams (max_concurrency 4) yet every STATE only claims records written before it", () => {
      const written = new Map<string, number>();
      let interleavings = 0;
      let previous = "";
      for (const m of run.messages) {
        if (m.type === "RECORD") {
          written.set(m.stream, (written.get(m.stream) ?? 0) + 1);
          if (previous !== "" && previous !== m.stream) interleavings += 1;
          previous = m.stream;
        }
        if (m.type !== "STATE") continue;
        const bookmarks = m.value.bookmarks as { [s: string]: { progress?: { page?: number } } };
        for (const [stream, bookmark] of Object.entries(bookmarks)) {
          const page = bookmark.progress?.page;
          // The fake pages by 50: resuming at page P means pages 1..P-1 are out.
          if (page !== undefined)
            expect(written.get(stream) ?? 0, stream).toBeGreaterThanOrEqual((page - 1) * 50);
        }
      }
      expect(interleavings).toBeGreaterThan(STREAM_DEFS.length);
    });

    it("logs METRIC lines for requests and records", () => {
      expect(run.stderr).toMatch(
        /METRIC: \{"type":"timer","metric":"http_request_duration","value":[\d.e-]+,"tags":\{"endpoint":"\/api\/v1\/resource\/catalog","stream":"resources","http_status_code":200,"status":"succeeded"\}\}/,
      );
      expect(run.stderr).toMatch(
        /METRIC: \{"type":"counter","metric":"record_count","value":1000,"tags":\{"stream":"resources"\}\}/,
      );
      expect(run.stderr).toContain('"metric":"http_request_count"');
    });
  },
);

describe("CLI surface", () => {
  it("--discover prints the catalog with standard metadata", async () => {
    const run = await runCli({ config: fakeConfig(url), args: ["--discover"], raw: true });
    expect(run.code).toBe(0);
    const catalog = JSON.parse(run.stdout) as { streams: JsonObject[] };
    expect(catalog.streams.map((s) => s.tap_stream_id)).toEqual(STREAM_DEFS.map((d) => d.name));
    const tables = catalog.streams.find((s) => s.tap_stream_id === "tables");
    expect(tables?.metadata).toContainEqual({
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
    expect(tables?.metadata).toContainEqual({
      breadcrumb: ["properties", "updated_at"],
      metadata: { inclusion: "automatic", "selected-by-default": true },
    });
    const users = catalog.streams.find((s) => s.tap_stream_id === "users");
    expect(JSON.stringify(users?.metadata)).toContain('"forced-replication-method":"FULL_TABLE"');
  });

  it("--about --format json lists every setting with a description; markdown renders a table", async () => {
    const json = await runCli({ args: ["--about", "--format", "json"], raw: true });
    const about = JSON.parse(json.stdout) as { name: string; settings: { properties: JsonObject } };
    expect(about.name).toBe("tap-secoda");
    for (const setting of Object.values(about.settings.properties)) {
      expect((setting as JsonObject).description).toBeTypeOf("string");
    }
    expect(about.settings.properties.api_key).toMatchObject({ secret: true });
    const markdown = await runCli({ args: ["--about", "--format", "markdown"], raw: true });
    expect(markdown.stdout).toContain("| `api_key` | yes |");
    const version = await runCli({ args: ["--version"], raw: true });
    expect(version.stdout.trim()).toBe("0.1.0");
  });

  it("--test emits one record per stream and no STATE", async () => {
    const run = await runCli({ config: fakeConfig(url), args: ["--test"] });
    expect(run.code, run.stderr).toBe(0);
    expect(run.messages.some((m) => m.type === "STATE")).toBe(false);
    for (const [stream, { records }] of byStream(run.messages))
      expect(records, stream).toHaveLength(1);
    expect(byStream(run.messages).size).toBe(STREAM_DEFS.length);
  });

  it("takes config from TAP_SECODA_* env vars, overriding files", async () => {
    const run = await runCli({
      config: { api_key: "wrong", base_url: "http://127.0.0.1:1" },
      env: { TAP_SECODA_API_KEY: "admin-key", TAP_SECODA_BASE_URL: url },
      catalog: catalogSelecting(["tags"]),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.messages.filter((m) => m.type === "RECORD")).toHaveLength(12);
  });
});

describe("selection from the catalog", () => {
  it.each([
    ["--catalog", false],
    ["--properties (legacy)", true],
  ])("syncs only selected streams and fields via %s", async (_flag, legacyProperties) => {
    const catalog = catalogSelecting(["tags", "tables"], {
      fields: { tables: ["description", "definition", "id", "updated_at"] },
    });
    const run = await runCli({ config: fakeConfig(url), catalog, legacyProperties });
    expect(run.code, run.stderr).toBe(0);
    const streams = byStream(run.messages);
    expect([...streams.keys()].sort()).toEqual(["tables", "tags"]);
    const tables = streams.get("tables");
    expect(tables?.records).toHaveLength(120);
    for (const record of tables?.records ?? []) {
      expect(record).not.toHaveProperty("description");
      expect(record).not.toHaveProperty("definition");
      expect(record).toHaveProperty("id");
      expect(record).toHaveProperty("updated_at");
    }
    const schema = tables?.schema;
    expect(schema?.type === "SCHEMA" && Object.keys(schema.schema.properties)).not.toContain(
      "description",
    );
  });
});

describe("ACTIVATE_VERSION", () => {
  it("brackets FULL_TABLE streams and versions their records; incremental streams get none", async () => {
    const run = await runCli({
      config: fakeConfig(url, { emit_activate_version_messages: true }),
      catalog: catalogSelecting(["users", "custom_properties", "tags"]),
    });
    expect(run.code, run.stderr).toBe(0);
    for (const stream of ["users", "custom_properties"]) {
      const own = run.messages.filter(
        (m) => m.type !== "STATE" && "stream" in m && m.stream === stream,
      );
      const types = own.map((m) => m.type);
      expect(types[0]).toBe("SCHEMA");
      expect(types[1]).toBe("ACTIVATE_VERSION");
      expect(types.at(-1)).toBe("ACTIVATE_VERSION");
      const versions = new Set(own.flatMap((m) => ("version" in m ? [m.version] : [])));
      expect(versions.size, stream).toBe(1);
      expect(own.filter((m) => m.type === "RECORD").every((m) => "version" in m)).toBe(true);
    }
    const tags = run.messages.filter((m) => m.type === "ACTIVATE_VERSION" && m.stream === "tags");
    expect(tags).toEqual([]);
  });
});

describe("access errors", () => {
  it("401: fails at once with guidance and never prints the key", async () => {
    const run = await runCli({ config: fakeConfig(url, { api_key: "sk-wrong-key-123" }) });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /FATAL .*Secoda rejected the API key \(401 Unauthorized on \/api\/v1\//,
    );
    expect(run.stderr).not.toContain("sk-wrong-key-123");
    expect(run.messages.filter((m) => m.type === "RECORD")).toHaveLength(0);
  });

  it("403 on audit_logs with a non-admin key: warns and skips the stream when selected by default", async () => {
    const run = await runCli({ config: fakeConfig(url, { api_key: "test-key" }) });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /WARN .*stream audit_logs: Secoda returned 403 Forbidden for \/api\/v1\/activity_log\/audit_logs\/.*stream skipped/,
    );
    expect(byStream(run.messages).has("audit_logs")).toBe(false);
    expect(byStream(run.messages).get("tables")?.records).toHaveLength(120);
  });

  it("403 on audit_logs selected explicitly in the catalog: fails clearly", async () => {
    const run = await runCli({
      config: fakeConfig(url, { api_key: "test-key" }),
      catalog: catalogSelecting(["audit_logs", "tags"]),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /FATAL +tap-secoda +stream audit_logs: Secoda returned 403 .*selects this admin-only stream explicitly/,
    );
  });
});
