import { type FakeSecoda, startFakeSecoda } from "@repo/fake-secoda";
import type { JsonObject, SingerMessage } from "@singerkit/singer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliRun, fakeConfig, runCli } from "./support/cli.js";

const CATALOG = "/api/v1/resource/catalog";

function records(run: CliRun, stream: string): JsonObject[] {
  return run.messages.flatMap((m) =>
    m.type === "RECORD" && m.stream === stream ? [m.record] : [],
  );
}

function lastState(messages: readonly SingerMessage[]): JsonObject {
  const state = messages.findLast((m) => m.type === "STATE");
  if (state?.type !== "STATE") throw new Error("no STATE");
  return state.value;
}

function bookmarkOf(state: JsonObject, stream: string): string {
  const bookmarks = state.bookmarks as { [stream: string]: { replication_key_value: string } };
  return bookmarks[stream]?.replication_key_value ?? "";
}

describe("incremental replication across two runs, with the fake's clock advanced", () => {
  let fake: FakeSecoda;
  let first: CliRun;
  let second: CliRun;
  let firstCatalogRequests: number;
  let secondCatalogRequests: number;
  let changed: Set<string>;
  let added: Set<string>;

  beforeAll(async () => {
    fake = await startFakeSecoda({ scale: 3000, seed: 11 });
    const config = fakeConfig(fake.url);
    first = await runCli({ config });
    firstCatalogRequests = fake.counters().byPath[CATALOG] ?? 0;

    fake.advanceClock(3600);
    changed = new Set([
      ...fake.mutate({ op: "update", kind: "catalog", count: 40 }).ids,
      ...fake.mutate({ op: "update", kind: "tag", count: 2 }).ids,
      ...fake.mutate({ op: "update", kind: "collection", count: 1 }).ids,
    ]);
    added = new Set(fake.mutate({ op: "add", kind: "table", count: 3 }).ids);
    fake.resetRequests();

    second = await runCli({ config, state: lastState(first.messages) });
    secondCatalogRequests = fake.counters().byPath[CATALOG] ?? 0;
  });
  afterAll(() => fake.close());

  it("both runs succeed", () => {
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
  });

  it("emits only the changed and added records the second time (plus those exactly at the bookmark)", () => {
    const before = lastState(first.messages);
    for (const stream of ["resources", "tables", "columns", "tags", "collections", "lineage"]) {
      const bookmark = bookmarkOf(before, stream);
      const atBookmark = records(first, stream).filter((r) => r.updated_at === bookmark);
      const allowed = new Set([...changed, ...added, ...atBookmark.map((r) => String(r.id))]);
      const got = new Set(records(second, stream).map((r) => String(r.id)));
      for (const id of got) expect(allowed.has(id), `${stream}: unexpected ${id}`).toBe(true);
      for (const record of records(first, stream)) {
        if (changed.has(String(record.id)))
          expect(got.has(String(record.id)), `${stream}: missing ${record.id}`).toBe(true);
      }
    }
    for (const stream of ["tables", "resources"]) {
      const got = new Set(records(second, stream).map((r) => String(r.id)));
      for (const id of added) expect(got.has(id), `${stream}: new ${id}`).toBe(true);
    }
    expect(records(second, "resources").length).toBeLessThan(60);
  });

  it("moves every bookmark to the greatest updated_at seen", () => {
    const after = lastState(second.messages);
    expect(bookmarkOf(after, "resources")).toBe(fake.now());
    expect(bookmarkOf(after, "tags")).toBe(fake.now());
    expect(bookmarkOf(after, "groups")).toBe(bookmarkOf(lastState(first.messages), "groups"));
  });

  it("stops paging early on the newest-first catalog: far fewer catalog requests", () => {
    expect(firstCatalogRequests).toBeGreaterThanOrEqual(60); // 3,000 resources, 50 a page, read once
    expect(secondCatalogRequests).toBeLessThan(firstCatalogRequests / 5);
  });

  it("re-reads FULL_TABLE streams in full", () => {
    expect(records(second, "users")).toHaveLength(records(first, "users").length);
    expect(records(second, "custom_properties")).toHaveLength(6);
  });
});
