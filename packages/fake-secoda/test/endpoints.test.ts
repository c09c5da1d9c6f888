import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeSecoda, startFakeSecoda } from "../src/index.js";
import { fieldsOf } from "./fields.js";
import { get, list, object, q, results } from "./support.js";

let fake: FakeSecoda;
beforeAll(async () => {
  fake = await startFakeSecoda({ seed: 1, scale: 1000 });
});
afterAll(() => fake.close());

const W1 = ["links", "meta", "count", "total_pages", "results"];
const W1_TOTALS = [...W1, "resource_totals"];
const W1_PAGED = ["results", "count", "total_pages", "meta", "links"];
const W2 = ["count", "next", "previous", "results"];

/** path, kind of its rows ("catalog" = mixed), wrapper keys (null = bare array), rows at scale 1000 */
const LISTS: readonly [string, string, readonly string[] | null, number][] = [
  ["/api/v1/resource/catalog", "catalog", W1, 1000],
  ["/resource/all", "catalog", W1, 1000],
  ["/api/v1/table/tables", "table", W1_TOTALS, 120],
  ["/api/v1/table/columns", "column", W1, 687],
  ["/api/v1/database/databases", "database", W1, 2],
  ["/api/v1/database/schemas", "schema", W1, 8],
  ["/api/v1/dashboard/dashboards", "dashboard", W1, 10],
  ["/api/v1/dashboard/charts", "chart", W1, 40],
  ["/api/v1/event/events", "event", W1, 30],
  ["/api/v1/event/category", "category", W1, 3],
  ["/api/v1/collection/collections", "collection", W1_TOTALS, 10],
  ["/api/v1/document/documents", "document", W1, 20],
  ["/api/v1/question/questions", "question", W1, 10],
  ["/api/v1/question/replies", "question_reply", W1, 20],
  ["/api/v1/integration/integrations", "integration", W1, 8],
  ["/api/v1/user", "user", W1, 20],
  ["/api/v1/auth/group", "group", W1, 4],
  ["/api/v1/auth/teams/", "team", W1_PAGED, 4],
  ["/api/v1/tag", "tag", W1, 12],
  ["/api/v1/resource/all_v2/custom_properties/", "custom_property", null, 6],
  ["/api/v1/lineage/manual/", "lineage", W1_PAGED, 180],
  ["/api/v1/monitor/monitors", "monitor", W1, 6],
  ["/api/v1/monitor/incidents", "incident", W1, 7],
  ["/api/v1/activity_log/audit_logs/", "audit_log", W1, 60],
  ["/api/v1/notification/workspace/", "audit_log", W2, 60],
];

const kindOfRow = (kind: string, row: Record<string, unknown>) =>
  kind !== "catalog"
    ? kind
    : row.entity_type === "category"
      ? "event_category"
      : String(row.entity_type);

describe.each(LISTS)("GET %s", (path, kind, wrapper, rows) => {
  it(`returns ${rows} ${kind} rows in the documented shape and fields`, async () => {
    const answer = await get(fake.url, `${path}?page_size=1000`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("application/json");
    const rowsOf = wrapper === null ? list(answer.json) : results(answer);
    if (wrapper !== null) {
      const body = object(answer.json);
      expect(Object.keys(body)).toEqual(wrapper);
      expect(body.count).toBe(rows);
    }
    expect(rowsOf).toHaveLength(rows);
    for (const row of rowsOf) expect(Object.keys(row)).toEqual(fieldsOf(kindOfRow(kind, row)));
  });

  it("answers the same with and without a trailing slash", async () => {
    const other = path.endsWith("/") ? path.slice(0, -1) : `${path}/`;
    const [a, b] = await Promise.all([
      get(fake.url, `${path}?page_size=3`),
      get(fake.url, `${other}?page_size=3`),
    ]);
    expect(b.status).toBe(200);
    const strip = (json: unknown) =>
      JSON.stringify(json).replaceAll(/"(next|previous)":"[^"]*"/g, "");
    expect(strip(b.json)).toBe(strip(a.json));
  });
});

/** detail path prefix, and where to find an id for it */
const DETAILS: readonly [string, string][] = [
  ["/api/v1/resource/all/", "/api/v1/resource/catalog"],
  ["/api/v1/table/tables/", "/api/v1/table/tables"],
  ["/api/v1/database/schemas/", "/api/v1/database/schemas"],
  ["/api/v1/dashboard/dashboards/", "/api/v1/dashboard/dashboards"],
  ["/api/v1/event/category/", "/api/v1/event/category"],
  ["/api/v1/collection/collections/", "/api/v1/collection/collections"],
  ["/api/v1/document/documents/", "/api/v1/document/documents"],
  ["/api/v1/question/questions/", "/api/v1/question/questions"],
  ["/api/v1/question/replies/", "/api/v1/question/replies"],
  [
    "/api/v1/query/queries/",
    `/api/v1/resource/catalog?filter=${q({ operator: "exact", field: "type", value: "query" })}`,
  ],
  ["/api/v1/integration/integrations/", "/api/v1/integration/integrations"],
  ["/api/v1/user/", "/api/v1/user"],
  ["/api/v1/auth/group/", "/api/v1/auth/group"],
  ["/api/v1/auth/teams/", "/api/v1/auth/teams/"],
  ["/api/v1/tag/", "/api/v1/tag"],
  ["/api/v1/resource/all_v2/custom_properties/", "/api/v1/resource/all_v2/custom_properties/"],
  ["/api/v1/lineage/manual/", "/api/v1/lineage/manual/"],
  ["/api/v1/monitor/monitors/", "/api/v1/monitor/monitors"],
  ["/api/v1/monitor/incidents/", "/api/v1/monitor/incidents"],
];

describe.each(DETAILS)("GET %s{id}", (prefix, listPath) => {
  it("returns the same object as the list, with or without a trailing slash", async () => {
    const listed = await get(fake.url, listPath);
    const rows = Array.isArray(listed.json) ? list(listed.json) : results(listed);
    const last = rows.at(-1);
    expect(last).toBeDefined();
    const id = String(last?.id);
    for (const path of [`${prefix}${id}`, `${prefix}${id}/`]) {
      const detail = await get(fake.url, path);
      expect(detail.status).toBe(200);
      expect(detail.json).toEqual(last);
    }
  });
});

describe("routes the docs do not show", () => {
  it.each([
    "/api/v1/table/columns/3f1e8a8e-0000-4000-8000-000000000000",
    "/api/v1/query/queries",
    "/dictionary/terms/",
    "/table/tables/",
    "/api/v1/monitor/measurements",
  ])("%s is Django's HTML 404", async (path) => {
    const answer = await get(fake.url, path);
    expect(answer.status).toBe(404);
    expect(answer.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(answer.text).toContain("<h1>Not Found</h1>");
  });
});

describe("healthcheck", () => {
  it.each(["/healthcheck", "/api/v1/healthcheck/"])("%s needs no key", async (path) => {
    const answer = await get(fake.url, path, null);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ status: "OK" });
  });
});
