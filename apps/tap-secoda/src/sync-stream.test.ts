import type { JsonObject } from "@singerkit/singer";
import { describe, expect, it } from "vitest";
import { catalogSelecting } from "../test/support/catalog.js";
import { memoryApi } from "../test/support/memory-api.js";
import { lastState, recordsOf, runSync } from "../test/support/run.js";

const CATALOG = "/api/v1/resource/catalog";
const INTEGRATIONS = "/api/v1/integration/integrations";

const at = (minute: number) => `2025-01-01T00:${String(minute).padStart(2, "0")}:00.000001Z`;

type TableRow = {
  id: string;
  entity_type: string;
  title: string;
  integration: string | null;
  updated_at: string;
};

/** `n` tables, table i updated at minute i, spread over integrations i1/i2 and none. */
function tables(n: number): TableRow[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `t${String(i).padStart(2, "0")}`,
    entity_type: "table",
    title: i % 2 === 0 ? `orders_${i}` : `users_${i}`,
    integration: i % 3 === 0 ? null : `i${(i % 3) as number}`,
    updated_at: at(i),
  }));
}

const integrations = [{ id: "i1" }, { id: "i2" }];
const ids = (records: readonly JsonObject[]) => records.map((r) => r.id).sort();
const pagesOf = (requests: readonly URL[], path: string) =>
  requests.filter((u) => u.pathname === path).map((u) => Number(u.searchParams.get("page")));

/** `n` tables for cap tests: spread over integrations i1/i2 by parity unless `extra` says otherwise. */
function manyTables(n: number, extra: (i: number) => JsonObject = () => ({})): JsonObject[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `t${i}`,
    entity_type: "table",
    integration: i % 2 === 0 ? "i1" : "i2",
    updated_at: at(i % 60),
    ...extra(i),
  }));
}

/** The catalog capped at 10,000 in pages of 2,000. */
function cappedApi(rows: JsonObject[], options: { uncounted?: string[] } = {}) {
  return memoryApi(
    { [CATALOG]: rows, [INTEGRATIONS]: integrations },
    { caps: { [CATALOG]: 10_000 }, pageSize: 2000, ...options },
  );
}

describe("incremental, newest first", () => {
  it("reads everything the first time and bookmarks the greatest updated_at", async () => {
    const api = memoryApi({ [CATALOG]: tables(10) });
    const run = await runSync(api.fetch, { catalog: catalogSelecting(["tables"]) });
    expect(run.error).toBeUndefined();
    expect(ids(recordsOf(run.messages, "tables"))).toEqual(ids(tables(10)));
    expect(lastState(run.messages)).toEqual({
      bookmarks: { tables: { replication_key: "updated_at", replication_key_value: at(9) } },
    });
  });

  it("stops paging at the first page older than the bookmark, emitting records at or after it", async () => {
    const api = memoryApi({ [CATALOG]: tables(10) });
    const state = { bookmarks: { tables: { replication_key_value: at(7) } } };
    const run = await runSync(api.fetch, { catalog: catalogSelecting(["tables"]), state });
    expect(ids(recordsOf(run.messages, "tables"))).toEqual(["t07", "t08", "t09"]);
    expect(pagesOf(api.requests, CATALOG)).toEqual([1, 2]); // 9,8,7 | 6,5,4 → stop
    expect(lastState(run.messages)?.bookmarks).toEqual({
      tables: { replication_key: "updated_at", replication_key_value: at(9) },
    });
  });

  it("uses start_date when there is no bookmark", async () => {
    const api = memoryApi({ [CATALOG]: tables(10) });
    const run = await runSync(api.fetch, {
      catalog: catalogSelecting(["tables"]),
      config: { start_date: "2025-01-01T00:08:00Z" },
    });
    expect(ids(recordsOf(run.messages, "tables"))).toEqual(["t08", "t09"]);
  });

  it("reads every page when the server ignores the sort, and still loses nothing", async () => {
    const shuffled = tables(10)
      .reverse()
      .sort((a, b) => String(a.title).localeCompare(String(b.title)));
    const api = memoryApi({ [CATALOG]: shuffled }, { unsorted: [CATALOG] });
    const state = { bookmarks: { tables: { replication_key_value: at(5) } } };
    const run = await runSync(api.fetch, { catalog: catalogSelecting(["tables"]), state });
    expect(ids(recordsOf(run.messages, "tables"))).toEqual(["t05", "t06", "t07", "t08", "t09"]);
    expect(pagesOf(api.requests, CATALOG)).toEqual([1, 2, 3, 4]);
    expect(run.logs.join("\n")).toContain("did not return updated_at newest first");
  });
});

describe("the result cap", () => {
  it("splits at once when count is over the documented 10,000 and loses nothing", async () => {
    const api = cappedApi(manyTables(10_050));
    const run = await runSync(api.fetch, { catalog: catalogSelecting(["tables"]) });
    expect(new Set(ids(recordsOf(run.messages, "tables"))).size).toBe(10_050);
    expect(recordsOf(run.messages, "tables")).toHaveLength(10_050);
    expect(pagesOf(api.requests, CATALOG)).toEqual([1, 1, 2, 3, 1, 2, 3, 1]); // whole, i1, i2, rest
  });

  it("splits when the pages carry no count but the rows read reach the cap", async () => {
    const api = cappedApi(manyTables(10_050), { uncounted: [CATALOG] });
    const run = await runSync(api.fetch, { catalog: catalogSelecting(["tables"]) });
    expect(run.error).toBeUndefined();
    expect(recordsOf(run.messages, "tables")).toHaveLength(10_050);
    expect(new Set(ids(recordsOf(run.messages, "tables"))).size).toBe(10_050);
  });

  it("splits a count saturated at the cap (exactly 10,000) instead of trusting it", async () => {
    const api = cappedApi(manyTables(10_000));
    const run = await runSync(api.fetch, { catalog: catalogSelecting(["tables"]) });
    expect(recordsOf(run.messages, "tables")).toHaveLength(10_000);
    expect(run.logs.join("\n")).toMatch(/has 10000 results, at or over Secoda's cap of 10000/);
  });

  it("halves by title when one integration is still over the cap", async () => {
    const rows = manyTables(10_050, (i) => ({
      integration: "i1",
      title: i % 2 === 0 ? "apple" : "kiwi",
    }));
    const api = cappedApi(rows);
    const run = await runSync(api.fetch, { catalog: catalogSelecting(["tables"]) });
    expect(run.error).toBeUndefined();
    expect(recordsOf(run.messages, "tables")).toHaveLength(10_050);
    expect(new Set(ids(recordsOf(run.messages, "tables"))).size).toBe(10_050);
    expect(run.logs.join("\n")).toMatch(
      /integration_id=i1 has 10050 results.*2 partitions by title/,
    );
  });

  it("detects an undeclared cap (a listing that ends short of its count) and splits: nothing lost", async () => {
    const api = memoryApi(
      { [CATALOG]: tables(12), [INTEGRATIONS]: integrations },
      { caps: { [CATALOG]: 5 } },
    );
    const run = await runSync(api.fetch, { catalog: catalogSelecting(["tables"]) });
    expect(run.error).toBeUndefined();
    expect([...new Set(ids(recordsOf(run.messages, "tables")))]).toEqual(ids(tables(12)));
    expect(run.logs.join("\n")).toContain("reading it as 3 partitions by integration_id");
  });

  it("does not split a newest-first read that reaches the bookmark before the cap", async () => {
    const api = memoryApi(
      { [CATALOG]: tables(12), [INTEGRATIONS]: integrations },
      { caps: { [CATALOG]: 5 } },
    );
    const state = { bookmarks: { tables: { replication_key_value: at(10) } } };
    const run = await runSync(api.fetch, { catalog: catalogSelecting(["tables"]), state });
    expect(ids(recordsOf(run.messages, "tables"))).toEqual(["t10", "t11"]);
    expect(api.requests.map((u) => u.pathname)).toEqual([CATALOG]);
  });

  it("splits after all when the changes since the bookmark are more than the cap", async () => {
    const api = memoryApi(
      { [CATALOG]: tables(12), [INTEGRATIONS]: integrations },
      { caps: { [CATALOG]: 5 } },
    );
    const state = { bookmarks: { tables: { replication_key_value: at(2) } } };
    const run = await runSync(api.fetch, { catalog: catalogSelecting(["tables"]), state });
    const expected = ids(tables(12).slice(2));
    expect([...new Set(ids(recordsOf(run.messages, "tables")))]).toEqual(expected);
  });
});

describe("resume and full table", () => {
  it("resumes an interrupted stream at the saved page with the saved maximum", async () => {
    const api = memoryApi({
      "/api/v1/tag": tables(10).map((t) => ({ id: t.id, updated_at: t.updated_at })),
    });
    const state = {
      bookmarks: {
        tags: {
          replication_key: "updated_at",
          replication_key_value: at(0),
          progress: { done: [], partition: "", page: 3, max_seen: at(5) },
        },
      },
    };
    const run = await runSync(api.fetch, { catalog: catalogSelecting(["tags"]), state });
    expect(pagesOf(api.requests, "/api/v1/tag")).toEqual([3, 4]);
    expect(ids(recordsOf(run.messages, "tags"))).toEqual(["t06", "t07", "t08", "t09"]);
    expect(lastState(run.messages)?.bookmarks).toEqual({
      tags: { replication_key: "updated_at", replication_key_value: at(9) },
    });
  });

  it("a resumed newest-first stream first reads from page 1 what changed since the interrupted run", async () => {
    // The interrupted run read pages 1-2 (t09..t04) of ten tables, newest first, and saved page 3.
    // Since then t00 and t01, which it had not reached, were updated: they moved to page 1.
    const rows = tables(10).map((t) =>
      t.id === "t00" || t.id === "t01" ? { ...t, updated_at: at(30) } : t,
    );
    const api = memoryApi({ [CATALOG]: rows });
    const state = {
      bookmarks: {
        tables: {
          replication_key: "updated_at",
          replication_key_value: at(0),
          progress: { done: [], partition: "", page: 3, max_seen: at(9), count: 10 },
        },
      },
    };
    const run = await runSync(api.fetch, { catalog: catalogSelecting(["tables"]), state });
    expect(run.error).toBeUndefined();
    // The head: page 1 (t00, t01, t09: none below max_seen, t09 is at it) and page 2 (t08, t07,
    // t06), which reaches below it. Then the saved page 3 on: t05, t04, t03 (shifted by two), t02.
    expect(pagesOf(api.requests, CATALOG)).toEqual([1, 2, 3, 4]);
    const written = ids(recordsOf(run.messages, "tables"));
    expect(written).toEqual(expect.arrayContaining(["t00", "t01", "t02", "t03"]));
    expect(new Set(written).size).toBe(written.length); // each once
    expect(lastState(run.messages)?.bookmarks).toMatchObject({
      tables: { replication_key_value: at(30) },
    });
  });

  it("a resume whose list lost records since the interrupted run reads it again from page 1", async () => {
    // Saved at page 3 with count 10; t08 and t09 (on pages the interrupted run had read) were
    // deleted since, which shifts t03 (then on page 3) onto page 2.
    const rows = tables(10)
      .filter((t) => t.id !== "t08" && t.id !== "t09")
      .map(({ id, updated_at }) => ({ id, updated_at }));
    const api = memoryApi({ "/api/v1/tag": rows });
    const state = {
      bookmarks: {
        tags: {
          replication_key: "updated_at",
          replication_key_value: at(0),
          progress: { done: [], partition: "", page: 3, max_seen: at(9), count: 10 },
        },
      },
    };
    const run = await runSync(api.fetch, { catalog: catalogSelecting(["tags"]), state });
    expect(run.error).toBeUndefined();
    expect(pagesOf(api.requests, "/api/v1/tag")).toEqual([3, 1, 2, 3]);
    expect(ids(recordsOf(run.messages, "tags"))).toEqual(ids(rows));
  });

  it("writes a STATE with a resume cursor after every page, never ahead of the records", async () => {
    const api = memoryApi({ "/api/v1/user": tables(7).map((t) => ({ id: t.id })) });
    const run = await runSync(api.fetch, { catalog: catalogSelecting(["users"]) });
    const kinds = run.messages.map((m) => (m.type === "STATE" ? JSON.stringify(m.value) : m.type));
    expect(kinds).toEqual([
      "SCHEMA",
      ...Array(3).fill("RECORD"),
      '{"bookmarks":{"users":{"progress":{"done":[],"partition":"","page":2,"count":7}}}}',
      ...Array(3).fill("RECORD"),
      '{"bookmarks":{"users":{"progress":{"done":[],"partition":"","page":3,"count":7}}}}',
      "RECORD",
      '{"bookmarks":{"users":{}}}',
    ]);
  });

  it("brackets a FULL_TABLE stream with ACTIVATE_VERSION and versions its records", async () => {
    const api = memoryApi({ "/api/v1/user": [{ id: "u1" }, { id: "u2" }] });
    const run = await runSync(api.fetch, {
      catalog: catalogSelecting(["users"]),
      config: { emit_activate_version_messages: true },
    });
    const version = Date.parse("2025-06-01T00:00:00Z");
    expect(run.messages.map((m) => m.type)).toEqual([
      "SCHEMA",
      "ACTIVATE_VERSION",
      "RECORD",
      "RECORD",
      "ACTIVATE_VERSION",
      "STATE",
    ]);
    for (const m of run.messages)
      if (m.type === "RECORD" || m.type === "ACTIVATE_VERSION") expect(m.version).toBe(version);
  });

  it("keeps the table version of an interrupted FULL_TABLE sync and does not reopen it", async () => {
    const api = memoryApi({ "/api/v1/user": tables(5).map((t) => ({ id: t.id })) });
    const state = {
      bookmarks: { users: { progress: { done: [], partition: "", page: 2, version: 42 } } },
    };
    const run = await runSync(api.fetch, {
      catalog: catalogSelecting(["users"]),
      state,
      config: { emit_activate_version_messages: true },
    });
    const types = run.messages.map((m) => m.type);
    expect(types.filter((t) => t === "ACTIVATE_VERSION")).toHaveLength(1);
    expect(run.messages.find((m) => m.type === "ACTIVATE_VERSION")).toEqual({
      type: "ACTIVATE_VERSION",
      stream: "users",
      version: 42,
    });
  });

  it("an interrupted FULL_TABLE read of the newest-first catalog starts over, keeping its version", async () => {
    // Saved at page 3; t00, which the interrupted run had not reached, was updated since and is
    // on page 1 now. Resuming at page 3 would miss it and the closing ACTIVATE_VERSION would
    // delete its row.
    const rows = tables(10).map((t) => (t.id === "t00" ? { ...t, updated_at: at(30) } : t));
    const api = memoryApi({ [CATALOG]: rows });
    const state = {
      bookmarks: { tables: { progress: { done: [], partition: "", page: 3, version: 42 } } },
    };
    const run = await runSync(api.fetch, {
      catalog: catalogSelecting(["tables"], { replication: { tables: "FULL_TABLE" } }),
      state,
      config: { emit_activate_version_messages: true },
    });
    expect(run.error).toBeUndefined();
    expect(pagesOf(api.requests, CATALOG)[0]).toBe(1);
    expect(ids(recordsOf(run.messages, "tables"))).toEqual(ids(rows));
    const versions = run.messages.flatMap((m) =>
      m.type === "ACTIVATE_VERSION" ? [m.version] : [],
    );
    expect(versions).toEqual([42]);
  });

  it("replicates an incremental-capable stream FULL_TABLE when the catalog asks", async () => {
    const api = memoryApi({ [CATALOG]: tables(4) });
    const state = { bookmarks: { tables: { replication_key_value: at(3) } } };
    const run = await runSync(api.fetch, {
      catalog: catalogSelecting(["tables"], { replication: { tables: "FULL_TABLE" } }),
      state,
    });
    expect(recordsOf(run.messages, "tables")).toHaveLength(4);
    expect(lastState(run.messages)?.bookmarks).toEqual({ tables: {} });
  });
});

describe("selection, access and details", () => {
  it("drops deselected fields from SCHEMA and RECORDs but never the key or replication key", async () => {
    const api = memoryApi({ [CATALOG]: tables(2) });
    const catalog = catalogSelecting(["tables"], {
      fields: { tables: ["title", "id", "updated_at"] },
    });
    const run = await runSync(api.fetch, { catalog });
    const schema = run.messages.find((m) => m.type === "SCHEMA");
    expect(schema?.type === "SCHEMA" && Object.keys(schema.schema.properties)).not.toContain(
      "title",
    );
    expect(schema).toMatchObject({ key_properties: ["id"], bookmark_properties: ["updated_at"] });
    for (const record of recordsOf(run.messages, "tables")) {
      expect(Object.keys(record).sort()).toEqual([
        "entity_type",
        "id",
        "integration",
        "updated_at",
      ]);
    }
  });

  it("skips an admin-only stream on 403 with a warning when selected by default", async () => {
    const api = memoryApi(
      { "/api/v1/tag": [] },
      { forbidden: ["/api/v1/activity_log/audit_logs/"] },
    );
    const catalog = catalogSelecting(["tags"]);
    const audit = catalog.streams.find((s) => s.tap_stream_id === "audit_logs");
    const byDefault = {
      streams: [
        ...catalog.streams.filter((s) => s !== audit),
        ...(audit === undefined
          ? []
          : [
              {
                ...audit,
                metadata: audit.metadata.map((m) =>
                  m.breadcrumb.length === 0
                    ? { ...m, metadata: { ...m.metadata, selected: undefined } }
                    : m,
                ),
              },
            ]),
      ],
    };
    const run = await runSync(api.fetch, { catalog: JSON.parse(JSON.stringify(byDefault)) });
    expect(run.error).toBeUndefined();
    expect(run.logs.join("\n")).toMatch(
      /WARN .*stream audit_logs: Secoda returned 403 .*stream skipped/,
    );
    expect(
      run.messages.some((m) => m.type !== "STATE" && "stream" in m && m.stream === "audit_logs"),
    ).toBe(false);
  });

  it("fails on 403 when the admin-only stream was selected explicitly", async () => {
    const api = memoryApi({}, { forbidden: ["/api/v1/activity_log/audit_logs/"] });
    const run = await runSync(api.fetch, { catalog: catalogSelecting(["audit_logs"]) });
    expect(String(run.error)).toContain("selects this admin-only stream explicitly");
  });

  it("emits each document's detail and skips a detail that is gone (404) with a warning", async () => {
    const docs = [
      { id: "d1", updated_at: at(1) },
      { id: "d2", updated_at: at(2) },
    ];
    const api = memoryApi({ "/api/v1/document/documents": docs });
    const original = api.fetch;
    const run = await runSync(
      (url, init) =>
        url.endsWith("/documents/d2") ? original(`${url}-gone`, init) : original(url, init),
      { catalog: catalogSelecting(["documents"]) },
    );
    expect(recordsOf(run.messages, "documents")).toEqual([
      { id: "d1", updated_at: at(1), definition: "full text of d1" },
    ]);
    expect(run.logs.join("\n")).toContain("returned 404 for d2; record skipped");
  });

  it("--test writes one record per stream and no STATE", async () => {
    const api = memoryApi({ [CATALOG]: tables(5), "/api/v1/user": [{ id: "u1" }, { id: "u2" }] });
    const run = await runSync(api.fetch, {
      catalog: catalogSelecting(["tables", "users"]),
      test: true,
      config: { max_concurrency: 1 },
    });
    expect(run.messages.map((m) => m.type)).toEqual(["SCHEMA", "RECORD", "SCHEMA", "RECORD"]);
  });
});
