import { type FakeSecoda, type Mutation, startFakeSecoda } from "@repo/fake-secoda";
import type { JsonObject, SingerMessage } from "@singerkit/singer";
import { afterEach, describe, expect, it } from "vitest";
import { catalogSelecting } from "./support/catalog.js";
import { type CliRun, fakeConfig, runCli } from "./support/cli.js";

// Paging drift (decisions-tap.md "Paging drift"): records deleted while a page-numbered list is
// read shift the later pages left, so a record can slide onto a page already read. The fake's
// onRequest hook changes the workspace between two catalog requests (no wall clock involved).

const CATALOG = "/api/v1/resource/catalog";

function ids(run: CliRun, stream: string): Set<string> {
  return new Set(
    run.messages.flatMap((m) =>
      m.type === "RECORD" && m.stream === stream ? [String(m.record.id)] : [],
    ),
  );
}

function lastState(messages: readonly SingerMessage[]): JsonObject {
  const state = messages.findLast((m) => m.type === "STATE");
  if (state?.type !== "STATE") throw new Error("no STATE");
  return state.value;
}

/**
 * Every live catalog record (of one entity type, when given) and its updated_at, read from the
 * fake in a few big pages.
 */
async function liveCatalog(fake: FakeSecoda, type?: string): Promise<Map<string, string>> {
  const live = new Map<string, string>();
  const filter =
    type === undefined
      ? ""
      : `&filter=${encodeURIComponent(JSON.stringify({ operator: "exact", field: "type", value: type }))}`;
  for (let page = 1; ; page += 1) {
    const response = await fetch(`${fake.url}${CATALOG}?page_size=1000&page=${page}${filter}`, {
      headers: { authorization: "Bearer admin-key" },
    });
    const body = (await response.json()) as {
      results: { id: string; updated_at: string }[];
      links: { next: string | null };
    };
    for (const row of body.results) live.set(row.id, row.updated_at);
    if (body.links.next === null) return live;
  }
}

/**
 * Starts a fake that applies `mutations` right after its `at`-th catalog response (the hook runs
 * once the response is computed). With `betweenPages`, it waits further for a moment when the
 * pages answered so far are exactly 1..m: the tap reads ahead, so a later page can be answered
 * before an earlier one, and a change between those two is a real drift (see the test below).
 */
async function driftingFake(
  seed: number,
  at: number,
  mutations: readonly Mutation[],
  betweenPages = false,
) {
  let catalogRequests = 0;
  let applied = false;
  const answered = new Set<number>();
  const holder: { fake?: FakeSecoda } = {};
  const fake = await startFakeSecoda({
    scale: 2_500,
    seed,
    onRequest: (request) => {
      if (!request.path.startsWith(CATALOG)) return;
      catalogRequests += 1;
      answered.add(Number(new URLSearchParams(request.query).get("page") ?? "1"));
      const between = Math.max(...answered) === answered.size;
      if (applied || catalogRequests < at || (betweenPages && !between)) return;
      applied = true;
      for (const mutation of mutations) holder.fake?.mutate(mutation);
    },
  });
  holder.fake = fake;
  return { fake, armed: () => applied };
}

const DELETE_AND_ADD: readonly Mutation[] = [
  { op: "delete", kind: "catalog", share: 0.02 },
  { op: "add", kind: "table", count: 20 },
];

describe("records only added during a sync of a newest-first list", () => {
  let fake: FakeSecoda | undefined;
  afterEach(() => fake?.close());

  // Added between two pages answered in page order, new records only push the rest to the back.
  // (Added between page n+1's answer and page n's, read ahead, they would hide records: the count
  // then goes down in page order and the tap rightly reads again.)
  it("cannot hide any record: no second pass, and the bookmark moves", async () => {
    const added: Mutation[] = [{ op: "add", kind: "table", count: 20 }];
    const drifting = await driftingFake(4, 20, added, true);
    fake = drifting.fake;
    const run = await runCli({
      config: fakeConfig(fake.url),
      catalog: catalogSelecting(["resources"]),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(drifting.armed()).toBe(true);
    expect(run.stderr).not.toMatch(/changed while it was read/);
    const bookmark = (lastState(run.messages).bookmarks as JsonObject).resources as JsonObject;
    expect(bookmark.replication_key_value).toMatch(/^\d{4}-/);
    const emitted = ids(run, "resources");
    const missing = [...(await liveCatalog(fake)).keys()].filter((id) => !emitted.has(id));
    // The 20 added while the read was past page 1 are newer than the bookmark: next run's.
    expect(missing.length).toBeLessThanOrEqual(20);
  }, 120_000);
});

describe.each([1, 2, 3])("records deleted and added during a sync (seed %i)", (seed) => {
  let fake: FakeSecoda | undefined;
  afterEach(() => fake?.close());

  it("full sync: every record live at the end is emitted, and the tap says it read again", async () => {
    const drifting = await driftingFake(seed, 20, DELETE_AND_ADD);
    fake = drifting.fake;
    const run = await runCli({
      config: fakeConfig(fake.url),
      catalog: catalogSelecting(["resources"]),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(drifting.armed()).toBe(true);
    const emitted = ids(run, "resources");
    const missing = [...(await liveCatalog(fake)).keys()].filter((id) => !emitted.has(id));
    expect(missing).toEqual([]);
    expect(run.stderr).toMatch(/stream resources: the list changed while it was read/);
    const records = run.messages.filter((m) => m.type === "RECORD");
    expect(records).toHaveLength(emitted.size); // de-duplicated across passes
  }, 120_000);

  it("incremental sync: every record changed since the bookmark and live at the end is emitted", async () => {
    const drifting = await driftingFake(seed, 1_000_000, []);
    fake = drifting.fake;
    const catalog = catalogSelecting(["resources"]);
    const first = await runCli({ config: fakeConfig(fake.url), catalog });
    expect(first.code, first.stderr).toBe(0);
    const state = lastState(first.messages);
    fake.advanceClock(60);
    fake.mutate({ op: "update", kind: "catalog", share: 0.3 }); // 15 pages of changes to read
    const since = fake.now();
    await fake.close();
    // Same data, same clock: a second fake that deletes 2% on its 5th catalog request.
    const second = await driftingFake(seed, 5, DELETE_AND_ADD);
    fake = second.fake;
    second.fake.advanceClock(60);
    const changed = second.fake.mutate({ op: "update", kind: "catalog", share: 0.3 });
    expect(second.fake.now()).toBe(since);
    const run = await runCli({ config: fakeConfig(fake.url), catalog, state });
    expect(run.code, run.stderr).toBe(0);
    expect(second.armed()).toBe(true);
    const emitted = ids(run, "resources");
    const live = await liveCatalog(fake);
    const missing = changed.ids.filter((id) => live.has(id) && !emitted.has(id));
    expect(missing).toEqual([]);
  }, 120_000);
});

describe("records deleted and added during one catalog pass (tables served from resources' pages)", () => {
  let fake: FakeSecoda | undefined;
  afterEach(() => fake?.close());

  it("every table live at the end is emitted once, the re-read included", async () => {
    const drifting = await driftingFake(1, 20, DELETE_AND_ADD);
    fake = drifting.fake;
    const run = await runCli({
      config: fakeConfig(fake.url),
      catalog: catalogSelecting(["resources", "tables"]),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(drifting.armed()).toBe(true);
    expect(run.stderr).toMatch(/stream resources: the list changed while it was read/);
    const emitted = ids(run, "tables");
    const live = [...(await liveCatalog(fake, "table")).keys()];
    expect(live.length).toBeGreaterThan(20);
    expect(live.filter((id) => !emitted.has(id))).toEqual([]);
    const records = run.messages.filter((m) => m.type === "RECORD" && m.stream === "tables");
    expect(records).toHaveLength(emitted.size); // de-duplicated across passes
    expect(records.every((m) => m.type === "RECORD" && m.record.entity_type === "table")).toBe(
      true,
    );
  }, 120_000);
});
