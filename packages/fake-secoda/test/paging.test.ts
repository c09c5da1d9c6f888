import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeSecoda, startFakeSecoda } from "../src/index.js";
import { get, list, object, results } from "./support.js";

let fake: FakeSecoda;
beforeAll(async () => {
  fake = await startFakeSecoda({ seed: 1, scale: 1000 });
});
afterAll(() => fake.close());

describe("W1 paging", () => {
  it("walks every page by links.next until null, with exact links and meta", async () => {
    const base = `${fake.url}/api/v1/tag`;
    const pages = [];
    let next: string | null = `${base}?page_size=5`;
    while (next !== null) {
      const body = object((await get(fake.url, next)).json);
      pages.push(body);
      next = object(body.links ?? null).next as string | null;
    }
    expect(pages.map((page) => [page.links, page.meta, page.count, page.total_pages])).toEqual([
      [
        { next: `${base}?page_size=5&page=2`, previous: null },
        { page: 1, previous_page: null, next_page: 2 },
        12,
        3,
      ],
      [
        { next: `${base}?page_size=5&page=3`, previous: `${base}?page_size=5` },
        { page: 2, previous_page: 1, next_page: 3 },
        12,
        3,
      ],
      [
        { next: null, previous: `${base}?page_size=5&page=2` },
        { page: 3, previous_page: 2, next_page: null },
        12,
        3,
      ],
    ]);
    const ids = pages.flatMap((page) => list(page.results ?? null).map((row) => row.id));
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
  });

  it("defaults to 50 per page", async () => {
    const body = object((await get(fake.url, "/api/v1/table/tables")).json);
    expect([body.count, body.total_pages, list(body.results ?? null).length]).toEqual([120, 3, 50]);
    const last = await get(fake.url, "/api/v1/table/tables?page=3");
    expect(results(last)).toHaveLength(20);
  });

  it("clamps page_size to the maximum (1000)", async () => {
    const body = object((await get(fake.url, "/api/v1/resource/catalog?page_size=5000")).json);
    expect([body.total_pages, list(body.results ?? null).length]).toEqual([1, 1000]);
  });

  it.each(["page=4", "page=0", "page=-2", "page=x"])(
    "?%s past the end or invalid → 404 Invalid page",
    async (query) => {
      const answer = await get(fake.url, `/api/v1/table/tables?${query}`);
      expect(answer.status).toBe(404);
      expect(answer.json).toEqual({ detail: "Invalid page." });
    },
  );

  it("an empty list still has page 1", async () => {
    const body = object((await get(fake.url, "/api/v1/table/tables?title=nope")).json);
    expect(body).toEqual({
      links: { next: null, previous: null },
      meta: { page: 1, previous_page: null, next_page: null },
      count: 0,
      total_pages: 1,
      results: [],
      resource_totals: {},
    });
  });

  it("builds links.next from the request's Host header", async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(`${fake.url}/api/v1/user/?page_size=2`, {
        headers: { Host: "api.secoda.example:8443", Authorization: "Bearer admin-key" },
      });
      req.on("response", (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on("end", () => resolve(text));
      });
      req.on("error", reject).end();
    });
    expect(JSON.parse(body).links.next).toBe(
      "http://api.secoda.example:8443/api/v1/user/?page_size=2&page=2",
    );
  });
});

describe("other shapes", () => {
  it("W1 paged (teams, lineage) repeats count and total_pages inside meta", async () => {
    const body = object((await get(fake.url, "/api/v1/lineage/manual/?page_size=100&page=2")).json);
    expect(body.meta).toEqual({
      page: 2,
      previous_page: 1,
      next_page: null,
      count: 180,
      total_pages: 2,
    });
    expect(body.links).toEqual({
      next: null,
      previous: `${fake.url}/api/v1/lineage/manual/?page_size=100`,
    });
  });

  it("W2 (notification/workspace) puts next/previous at the top level and honours days", async () => {
    const all = object((await get(fake.url, "/api/v1/notification/workspace/?page_size=20")).json);
    expect(Object.keys(all)).toEqual(["count", "next", "previous", "results"]);
    expect([all.count, all.next, all.previous]).toEqual([
      60,
      `${fake.url}/api/v1/notification/workspace/?page_size=20&page=2`,
      null,
    ]);
    const everything = results(
      await get(fake.url, "/api/v1/notification/workspace/?page_size=100"),
    );
    const cutoff = "2026-01-30T12:00:00.000000Z"; // the fake clock minus 30 days
    const recent = everything.filter((row) => String(row.created_at) >= cutoff);
    const month = object(
      (await get(fake.url, "/api/v1/notification/workspace/?days=30&page_size=100")).json,
    );
    expect(month.count).toBe(recent.length);
    expect(list(month.results ?? null)).toEqual(recent);
    expect(recent.length).toBeGreaterThan(10);
  });

  it("custom properties are a bare array that ignores paging", async () => {
    const answer = await get(
      fake.url,
      "/api/v1/resource/all_v2/custom_properties/?page=2&page_size=1",
    );
    expect(list(answer.json).map((row) => row.name)).toEqual([
      "Domain",
      "Tier",
      "Data steward",
      "SLA hours",
      "Contains PII",
      "dbt package",
    ]);
  });
});
