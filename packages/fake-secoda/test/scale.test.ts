import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeSecoda, startFakeSecoda } from "../src/index.js";
import { get, object, q, results } from "./support.js";

/** One million catalog resources, generated lazily (secoda-api.md §7: benchmarks). */
let fake: FakeSecoda;
beforeAll(async () => {
  fake = await startFakeSecoda({ seed: 1, scale: 1_000_000 });
});
afterAll(() => fake.close());

describe("scale 1,000,000", () => {
  it("starts without materialising rows and pages to the last column", async () => {
    const columns = Number(object(object(fake.info().kinds ?? null).column ?? null).base);
    expect(columns).toBe(687_000);
    const last = await get(fake.url, `/api/v1/table/columns?page_size=1000&page=${columns / 1000}`);
    const rows = results(last);
    expect([object(last.json).count, object(last.json).links]).toEqual([
      columns,
      { next: null, previous: `${fake.url}/api/v1/table/columns?page_size=1000&page=686` },
    ]);
    expect(rows).toHaveLength(1000);
    const detail = await get(fake.url, `/api/v1/resource/all/${String(rows.at(-1)?.id)}`);
    expect(detail.json).toEqual(rows.at(-1));
    const table = await get(fake.url, `/api/v1/table/tables/${String(rows.at(-1)?.parent)}`);
    expect(object(table.json).entity_type).toBe("table");
  });

  it("the capped catalog answers count 1,000,000 and 100 pages of 100", async () => {
    const page = object(
      (await get(fake.url, "/api/v1/resource/catalog?page_size=100&page=100")).json,
    );
    expect([page.count, page.total_pages, object(page.links ?? null).next]).toEqual([
      1_000_000,
      100,
      null,
    ]);
    const tables = object(
      (
        await get(
          fake.url,
          `/api/v1/resource/catalog?filter=${q({ operator: "exact", field: "type", value: "table" })}`,
        )
      ).json,
    );
    expect(tables.count).toBe(120_000);
  });
});
