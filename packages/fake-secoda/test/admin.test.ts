import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JsonObject } from "../src/index.js";
import { type FakeSecoda, startFakeSecoda } from "../src/index.js";
import { admin, get, list, object, q, results } from "./support.js";

let fake: FakeSecoda;
beforeAll(async () => {
  fake = await startFakeSecoda({ seed: 7, scale: 1000 });
});
afterAll(() => fake.close());

const tables = async (base: string) =>
  results(await get(base, "/api/v1/table/tables?page_size=1000"));
const maxUpdated = (rows: readonly JsonObject[]) =>
  rows
    .map((row) => String(row.updated_at))
    .sort()
    .at(-1) ?? "";

describe("change over time", () => {
  it("an incremental read after clock + update + add + delete sees exactly the changes", async () => {
    const before = await tables(fake.url);
    const bookmark = maxUpdated(before);
    expect(bookmark < "2026-03-01T12:00:00.000000Z").toBe(true);

    expect(
      (await admin(fake.url, "POST", "/__admin/clock", { advanceSeconds: 3600 })).json,
    ).toEqual({
      now: "2026-03-01T13:00:00.000000Z",
    });
    const updated = object(
      (
        await admin(fake.url, "POST", "/__admin/mutations", {
          op: "update",
          kind: "table",
          count: 5,
        })
      ).json,
    );
    const added = object(
      (await admin(fake.url, "POST", "/__admin/mutations", { op: "add", kind: "table", count: 2 }))
        .json,
    );
    const victim = String(
      before.find((row) => !(updated.ids as string[]).includes(String(row.id)))?.id,
    );
    const deleted = object(
      (await admin(fake.url, "POST", "/__admin/mutations", { op: "delete", ids: [victim] })).json,
    );
    expect([updated.now, added.now, deleted.ids]).toEqual([
      "2026-03-01T13:00:00.000000Z",
      "2026-03-01T13:00:00.000000Z",
      [victim],
    ]);
    expect([(updated.ids as string[]).length, (added.ids as string[]).length]).toEqual([5, 2]);

    const after = await tables(fake.url);
    expect(after).toHaveLength(121);
    const changed = after.filter((row) => String(row.updated_at) > bookmark);
    expect(new Set(changed.map((row) => row.id))).toEqual(
      new Set([...(updated.ids as string[]), ...(added.ids as string[])]),
    );
    expect(changed.every((row) => row.updated_at === "2026-03-01T13:00:00.000000Z")).toBe(true);
    expect(after.some((row) => row.id === victim)).toBe(false);

    // The deletion cascades: the table's detail and its columns are gone.
    expect((await get(fake.url, `/api/v1/table/tables/${victim}`)).status).toBe(404);
    const columns = object((await get(fake.url, `/api/v1/table/columns?parent_id=${victim}`)).json);
    expect(columns.count).toBe(0);

    // The catalog sorted by updated_at desc starts with the changed tables.
    const sort = q({ field: "updated_at", order: "desc" });
    const newest = results(
      await get(fake.url, `/api/v1/resource/catalog?sort=${sort}&page_size=7`),
    );
    expect(new Set(newest.map((row) => row.id))).toEqual(new Set(changed.map((row) => row.id)));

    // Each change is in the audit log, newest first.
    const audit = results(await get(fake.url, "/api/v1/activity_log/audit_logs/?page_size=8"));
    expect(
      audit
        .slice(0, 8)
        .map((row) => row.activity_type)
        .sort(),
    ).toEqual(
      [
        ...Array(5).fill("resource_updated"),
        "resource_created",
        "resource_created",
        "resource_deleted",
      ].sort(),
    );
  });

  it("the same seed and the same mutations give the same data", async () => {
    const run = async () => {
      const server = await startFakeSecoda({ seed: 3, scale: 500 });
      try {
        server.advanceClock(90);
        const changed = server.mutate({ op: "update", kind: "catalog", share: 0.02 });
        server.mutate({ op: "delete", kind: "column", count: 3 });
        server.mutate({ op: "add", kind: "glossary", count: 1 });
        const catalog = await get(server.url, "/api/v1/resource/catalog?page_size=1000");
        return { changed, body: catalog.text.replaceAll(server.url, "") };
      } finally {
        await server.close();
      }
    };
    const [a, b] = [await run(), await run()];
    expect(b).toEqual(a);
    expect(a.changed.ids).toHaveLength(10);
    expect(a.changed.now).toBe("2026-03-01T12:01:30.000000Z");
  });

  it.each([
    [{ op: "rename" }, 'op must be "update", "delete" or "add"'],
    [{ op: "add", kind: "catalog", count: 1 }, 'unknown kind "catalog"'],
    [{ op: "update", kind: "tables", count: 1 }, 'unknown kind "tables"'],
    [{ op: "update", kind: "table" }, "give count, share (0..1) or ids"],
    [{ op: "add", kind: "tag", count: -1 }, "count must be a non-negative integer"],
    [
      { op: "delete", ids: ["123e4567-e89b-12d3-a456-426614174000"] },
      "no live record has id 123e4567-e89b-12d3-a456-426614174000",
    ],
  ])("mutation %j → 400 %s", async (body, detail) => {
    const answer = await admin(fake.url, "POST", "/__admin/mutations", body);
    expect([answer.status, answer.json]).toEqual([400, { detail }]);
  });

  it("clock and info", async () => {
    const info = object((await admin(fake.url, "GET", "/__admin/info")).json);
    expect([info.seed, info.scale]).toEqual([7, 1000]);
    expect(object(object(info.kinds ?? null).table ?? null)).toEqual({
      base: 120,
      added: 2,
      deleted: 1,
      updated: 5,
    });
    expect(Object.keys(object(info.special ?? null))).toEqual([
      "admin_user_id",
      "api_user_id",
      "quotes_description_table_id",
      "emoji_description_table_id",
      "nul_description_table_id",
    ]);
    expect(fake.advanceClock(1.5)).toBe("2026-03-01T13:00:01.500000Z");
    expect((await admin(fake.url, "GET", "/__admin/clock")).json).toEqual({ now: fake.now() });
    const bad = await admin(fake.url, "POST", "/__admin/clock", { advanceSeconds: -1 });
    expect([bad.status, bad.json]).toEqual([400, { detail: "seconds must be >= 0" }]);
  });
});

describe("request log", () => {
  it("counts API requests per path, status and fault; admin requests are not recorded", async () => {
    await admin(fake.url, "DELETE", "/__admin/requests");
    await get(fake.url, "/api/v1/tag");
    await get(fake.url, "/api/v1/tag/?page=2");
    await get(fake.url, "/api/v1/user", "wrong");
    fake.setFaults({ errors: { every: 1, maxFaults: 1 } });
    await get(fake.url, "/api/v1/user");
    fake.setFaults({});
    const body = object((await admin(fake.url, "GET", "/__admin/requests")).json);
    expect(body.counters).toEqual({
      total: 4,
      byPath: { "/api/v1/tag": 2, "/api/v1/user": 2 },
      byStatus: { "200": 1, "401": 1, "404": 1, "500": 1 },
      byFault: { error: 1 },
    });
    expect(
      list(body.requests ?? null).map((r) => [r.seq, r.path, r.query, r.status, r.fault]),
    ).toEqual([
      [1, "/api/v1/tag", "", 200, null],
      [2, "/api/v1/tag/", "page=2", 404, null],
      [3, "/api/v1/user", "", 401, null],
      [4, "/api/v1/user", "", 500, "error"],
    ]);
    expect(fake.counters()).toEqual(body.counters);
    expect(fake.requests.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    await admin(fake.url, "DELETE", "/__admin/requests");
    expect(fake.counters()).toEqual({ total: 0, byPath: {}, byStatus: {}, byFault: {} });
    expect(fake.requests).toEqual([]);
  });

  it("GET /__admin lists the endpoints; unknown ones are 404", async () => {
    const endpoints = object((await admin(fake.url, "GET", "/__admin")).json).endpoints;
    expect(Array.isArray(endpoints) && endpoints.length).toBe(10);
    expect((await admin(fake.url, "GET", "/__admin/nope")).status).toBe(404);
  });
});

describe("control token", () => {
  it("when configured, /__admin needs X-Admin-Token", async () => {
    const guarded = await startFakeSecoda({ scale: 100, controlToken: "s3cret" });
    try {
      expect((await fetch(`${guarded.url}/__admin/info`)).status).toBe(401);
      const ok = await fetch(`${guarded.url}/__admin/info`, {
        headers: { "X-Admin-Token": "s3cret" },
      });
      expect(ok.status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});
