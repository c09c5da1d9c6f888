import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JsonObject } from "../src/index.js";
import { type FakeSecoda, startFakeSecoda } from "../src/index.js";
import { get, object, q, results } from "./support.js";

let fake: FakeSecoda;
/** The whole catalog, fetched once: the oracle the server's filters are checked against. */
let all: JsonObject[];
const catalog = (query: string) =>
  get(fake.url, `/api/v1/resource/catalog?page_size=1000&${query}`);
const ids = (rows: readonly JsonObject[]) => rows.map((row) => row.id);

beforeAll(async () => {
  fake = await startFakeSecoda({ seed: 1, scale: 1000 });
  all = results(await catalog(""));
});
afterAll(() => fake.close());

const has = (row: JsonObject, field: string, value: unknown) => {
  const actual = row[field];
  return Array.isArray(actual) ? actual.includes(value as string) : actual === value;
};

describe("filter grammar", () => {
  const table = { operator: "exact", field: "type", value: "table" };
  const cases: [string, unknown, (row: JsonObject) => boolean][] = [
    ["type (alias of entity_type)", table, (r) => r.entity_type === "table"],
    [
      "entity_type glossary",
      { operator: "exact", field: "entity_type", value: "glossary" },
      (r) => r.entity_type === "glossary",
    ],
    [
      "contains, case-insensitive",
      { operator: "contains", field: "title", value: "ORDERS" },
      (r) => String(r.title).toLowerCase().includes("orders"),
    ],
    [
      "in",
      { operator: "in", field: "native_type", value: ["view", "workbook"] },
      (r) => r.native_type === "view" || r.native_type === "workbook",
    ],
    [
      "is_set",
      { operator: "is_set", field: "description", value: null },
      (r) => r.description !== null && r.description !== "",
    ],
    [
      "exact on a list field",
      { operator: "exact", field: "tags", value: "TAG" },
      (r) => has(r, "tags", "TAG"),
    ],
    [
      "and / or / not",
      {
        operator: "and",
        operands: [
          {
            operator: "or",
            operands: [table, { operator: "exact", field: "type", value: "column" }],
          },
          { operator: "not", operands: [{ operator: "exact", field: "pii", value: true }] },
        ],
      },
      (r) => (r.entity_type === "table" || r.entity_type === "column") && r.pii !== true,
    ],
  ];

  it.each(cases)(
    "%s matches exactly the rows the oracle finds",
    async (_name, filter, predicate) => {
      const tag = String(object(results(await get(fake.url, "/api/v1/tag"))[0] ?? null).id);
      const text = JSON.stringify(filter).replace('"TAG"', JSON.stringify(tag));
      const answer = await catalog(`filter=${encodeURIComponent(text)}`);
      const expected = all.filter((row) =>
        predicate(JSON.parse(JSON.stringify(row).replaceAll(tag, "TAG"))),
      );
      expect(answer.status).toBe(200);
      expect(object(answer.json).count).toBe(expected.length);
      expect(new Set(ids(results(answer)))).toEqual(new Set(ids(expected)));
      expect(expected.length).toBeGreaterThan(0);
    },
  );

  it("parent_id and integration_id are aliases of parent and integration", async () => {
    const schema = all.find((row) => row.entity_type === "schema");
    const filter = {
      operator: "and",
      operands: [
        { operator: "in", field: "parent_id", value: [schema?.id] },
        { operator: "in", field: "integration_id", value: [schema?.integration] },
      ],
    };
    const rows = results(await catalog(`filter=${q(filter)}`));
    expect(rows).toHaveLength(Number(schema?.children_count));
    expect(rows.every((row) => row.parent === schema?.id && row.entity_type === "table")).toBe(
      true,
    );
  });

  it("teams=<uuid> keeps resources of that team", async () => {
    const team = String(object(results(await get(fake.url, "/api/v1/auth/teams/"))[0] ?? null).id);
    const rows = results(await catalog(`teams=${team}`));
    expect(ids(rows).sort()).toEqual(ids(all.filter((row) => has(row, "teams", team))).sort());
  });

  it.each([
    ["filter={", "filter is not valid JSON"],
    [
      `filter=${q({ operator: "gte", field: "updated_at", value: "2026" })}`,
      "filter.operator must be one of exact, contains, in, is_set, and, or, not",
    ],
    [`sort=${q({ field: "title", order: "sideways" })}`, "sort.order must be asc or desc"],
  ])("%s → 400", async (query, detail) => {
    const answer = await catalog(query);
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ detail });
  });
});

describe("sort", () => {
  it("defaults to external_usage descending", async () => {
    const usage = all.map((row) => Number(row.external_usage));
    expect(usage).toEqual([...usage].sort((a, b) => b - a));
  });

  it.each([
    [
      { field: "title", order: "asc", tie_breaker: { field: "id", order: "asc" } },
      ["title", "id"],
      1,
    ],
    [
      { field: "updated_at", order: "desc", tie_breaker: { field: "id", order: "desc" } },
      ["updated_at", "id"],
      -1,
    ],
  ])("%j", async (sort, [first, second], sign) => {
    const rows = results(await catalog(`sort=${q(sort)}`));
    const key = (row: JsonObject) => [String(row[first ?? ""]), String(row[second ?? ""])] as const;
    const expected = [...all].sort((a, b) => {
      const [a1, a2] = key(a);
      const [b1, b2] = key(b);
      return sign * (a1 < b1 ? -1 : a1 > b1 ? 1 : a2 < b2 ? -1 : a2 > b2 ? 1 : 0);
    });
    expect(ids(rows)).toEqual(ids(expected));
  });
});

describe("per-type list parameters", () => {
  it.each([
    ["/api/v1/table/tables?integration_id=", "table", "integration"],
    ["/api/v1/table/columns?parent_id=", "column", "parent"],
    ["/api/v1/table/columns?table_title=", "column", "table_title"],
    ["/api/v1/database/schemas?parent_id=", "schema", "parent"],
    ["/api/v1/dashboard/charts?parent_id=", "chart", "parent"],
    ["/api/v1/event/events?parent_id=", "event", "parent"],
    ["/api/v1/question/replies?question=", "question_reply", "parent"],
    ["/api/v1/document/documents?title=", "document", "title"],
  ])("%s… keeps rows whose %s.%s equals the value", async (path, type, field) => {
    const sample = all.find((row) => row.entity_type === type && row[field] !== null);
    const value = String(sample?.[field]);
    const rows = results(await get(fake.url, `${path}${encodeURIComponent(value)}&page_size=1000`));
    const expected = all.filter((row) => row.entity_type === type && row[field] === value);
    expect(new Set(ids(rows))).toEqual(new Set(ids(expected)));
  });

  it("integrations?type=snowflake", async () => {
    const rows = results(await get(fake.url, "/api/v1/integration/integrations?type=snowflake"));
    expect(rows.map((row) => row.name)).toEqual(["Prod Snowflake"]);
  });

  it.each([
    ["", ["Analytics", "Data Platform", "Finance", "Growth"]],
    ["?include_archived=true", ["Analytics", "Data Platform", "Finance", "Growth", "Archive"]],
    ["?only_joined=true", ["Analytics", "Finance"]],
    ["?only_write=true&include_archived=true", ["Analytics", "Finance"]],
  ])("teams%s", async (query, names) => {
    const rows = results(await get(fake.url, `/api/v1/auth/teams/${query}`));
    expect(rows.map((row) => row.name)).toEqual(names);
  });

  it("lineage filters by from/to entity and integration type", async () => {
    const edges = results(await get(fake.url, "/api/v1/lineage/manual/?page_size=1000"));
    const first = edges[0];
    const from = String(first?.from_entity_id);
    const byFrom = results(
      await get(fake.url, `/api/v1/lineage/manual/?from_entity=${from}&page_size=1000`),
    );
    expect(ids(byFrom)).toEqual(ids(edges.filter((edge) => edge.from_entity_id === from)));
    const toIn = [String(edges[1]?.to_entity_id), String(edges[2]?.to_entity_id)];
    const byTo = results(
      await get(fake.url, `/api/v1/lineage/manual/?to_entity__in=${toIn.join(",")}&page_size=1000`),
    );
    expect(ids(byTo)).toEqual(
      ids(edges.filter((edge) => toIn.includes(String(edge.to_entity_id)))),
    );
    const tables = new Map(all.map((row) => [row.id, row]));
    const integrations = results(await get(fake.url, "/api/v1/integration/integrations"));
    const snowflake = integrations.find((row) => row.type === "snowflake")?.id;
    const bySnowflake = results(
      await get(fake.url, "/api/v1/lineage/manual/?integration__type=snowflake&page_size=1000"),
    );
    const expected = edges.filter(
      (edge) => tables.get(edge.from_entity_id)?.integration === snowflake,
    );
    expect(ids(bySnowflake)).toEqual(ids(expected));
    expect(expected.length).toBeGreaterThan(0);
  });

  it("audit logs accept the filter grammar (performer_type) and sort", async () => {
    const path = "/api/v1/activity_log/audit_logs/?page_size=100";
    const everything = results(await get(fake.url, path));
    const api = results(
      await get(
        fake.url,
        `${path}&filter=${q({ operator: "exact", field: "performer_type", value: "API" })}`,
      ),
    );
    expect(ids(api)).toEqual(ids(everything.filter((row) => row.performer_type === "API")));
    const oldest = results(
      await get(fake.url, `${path}&sort=${q({ field: "created_at", order: "asc" })}`),
    );
    expect(ids(oldest)).toEqual(ids(everything).reverse());
  });
});

describe("the 10,000-result cap", () => {
  let big: FakeSecoda;
  beforeAll(async () => {
    big = await startFakeSecoda({ seed: 1, scale: 12_000 });
  });
  afterAll(() => big.close());
  const page = (query: string) => get(big.url, `/api/v1/resource/catalog?${query}`);

  it("count is the full total; only 10,000 rows are reachable (200 pages of 50)", async () => {
    const first = object((await page("")).json);
    expect([first.count, first.total_pages]).toEqual([12_000, 200]);
    const last = object((await page("page=200")).json);
    expect([last.count, last.total_pages, (last.results as unknown[]).length]).toEqual([
      12_000, 200, 50,
    ]);
    expect(last.links).toEqual({
      next: null,
      previous: `${big.url}/api/v1/resource/catalog?page=199`,
    });
    expect(last.meta).toEqual({ page: 200, previous_page: 199, next_page: null });
    const beyond = await page("page=201");
    expect([beyond.status, beyond.json]).toEqual([404, { detail: "Invalid page." }]);
  });

  it("with page_size 300 the last page holds the remainder of 10,000", async () => {
    const last = object((await page("page_size=300&page=34")).json);
    expect([last.total_pages, (last.results as unknown[]).length]).toEqual([34, 100]);
  });

  it("a partition under the cap is complete", async () => {
    const filter = q({ operator: "exact", field: "type", value: "column" });
    const columns = Number(object(object(big.info().kinds ?? null).column ?? null).base);
    const first = object((await page(`filter=${filter}&page_size=1000`)).json);
    expect([first.count, first.total_pages]).toEqual([columns, Math.ceil(columns / 1000)]);
    expect(columns).toBe(8244);
    const last = await page(`filter=${filter}&page_size=1000&page=9`);
    expect(results(last)).toHaveLength(244);
  });
});
