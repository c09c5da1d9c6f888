import { type FakeSecoda, type RequestCounters, startFakeSecoda } from "@repo/fake-secoda";
import type { JsonObject, SingerMessage } from "@singerkit/singer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STREAM_DEFS } from "../src/streams.js";
import { catalogSelecting } from "./support/catalog.js";
import { type CliInput, type CliRun, fakeConfig, runCli } from "./support/cli.js";

// One catalog pass (decisions-tap.md): with `resources` selected, the per-type catalog streams
// take their rows from its pages. Counted by the fake's request log, compared with what separate
// reads of the same data give.

const CATALOG = "/api/v1/resource/catalog";
/** The catalog's per-type streams (StreamDef.subsetOf resources). */
const PER_TYPE = STREAM_DEFS.filter((def) => def.subsetOf?.stream === "resources").map(
  (def) => def.name,
);

/** A stream's records, sorted by id, without time_extracted (when it was read differs). */
function records(run: CliRun, stream: string): JsonObject[] {
  return run.messages
    .flatMap((m) => (m.type === "RECORD" && m.stream === stream ? [m.record] : []))
    .sort((a, b) => String(a.id).localeCompare(String(b.id)));
}

function lastState(messages: readonly SingerMessage[]): JsonObject {
  const state = messages.findLast((m) => m.type === "STATE");
  if (state?.type !== "STATE") throw new Error("no STATE");
  return state.value;
}

/** A stream's replication_key_value in a run's last STATE. */
function bookmarkValue(counted: { readonly run: CliRun }, stream: string): string {
  const bookmarks = lastState(counted.run.messages).bookmarks as JsonObject;
  const value = (bookmarks[stream] as JsonObject | undefined)?.replication_key_value;
  if (typeof value !== "string") throw new Error(`no bookmark for ${stream}`);
  return value;
}

/** Requests per endpoint, detail paths as `{id}` (for a readable failure message). */
function perEndpoint(counts: RequestCounters): string {
  const out: { [endpoint: string]: number } = {};
  for (const [path, n] of Object.entries(counts.byPath)) {
    const endpoint = path.replace(/\/documents\/[0-9a-f-]{36}$/, "/documents/{id}");
    out[endpoint] = (out[endpoint] ?? 0) + n;
  }
  return JSON.stringify(out);
}

interface Counted {
  readonly run: CliRun;
  readonly counts: RequestCounters;
  /** The query strings of the catalog requests. */
  readonly catalogQueries: readonly string[];
}

/** Runs the tap against the fake and counts the requests it made. */
async function countedRun(fake: FakeSecoda, input: CliInput): Promise<Counted> {
  fake.resetRequests();
  const run = await runCli(input);
  expect(run.code, run.stderr).toBe(0);
  const catalogQueries = fake.requests.filter((r) => r.path === CATALOG).map((r) => r.query);
  return { run, counts: fake.counters(), catalogQueries };
}

/** What the README's "Requests per sync" measures: 1% of the catalog changed an hour later. */
function changeOnePercent(fake: FakeSecoda): void {
  fake.advanceClock(3600);
  fake.mutate({ op: "update", kind: "catalog", share: 0.01 });
}

describe("one catalog pass: scale 1,000, seed 1", () => {
  let fake: FakeSecoda;
  const config = () => fakeConfig(fake.url);
  const counted = (input: CliInput) => countedRun(fake, input);
  // Full runs, then incremental runs from each one's STATE after 1% of the catalog changed.
  let shared: Counted; // default selection: every stream, per-type ones from resources' pages
  let perType: Counted; // the per-type streams alone: each reads its own list
  let resources: Counted; // resources alone
  let sharedNext: Counted;
  let perTypeNext: Counted;
  let resourcesNext: Counted;
  let sweepNext: Counted; // default selection, the same next run with a deletion sweep

  beforeAll(async () => {
    fake = await startFakeSecoda({ scale: 1000, seed: 1 });
    shared = await counted({ config: config() });
    perType = await counted({ config: config(), catalog: catalogSelecting(PER_TYPE) });
    resources = await counted({ config: config(), catalog: catalogSelecting(["resources"]) });
    changeOnePercent(fake);
    const next = (from: Counted, catalog?: ReturnType<typeof catalogSelecting>) =>
      counted({
        config: config(),
        state: lastState(from.run.messages),
        ...(catalog === undefined ? {} : { catalog }),
      });
    sharedNext = await next(shared);
    perTypeNext = await next(perType, catalogSelecting(PER_TYPE));
    resourcesNext = await next(resources, catalogSelecting(["resources"]));
    sweepNext = await counted({
      config: { ...config(), deletion_sweep: "every_run" },
      state: lastState(shared.run.messages),
    });
  }, 300_000);
  afterAll(() => fake.close());

  it("a full sync of every stream makes at most 60 requests (83 with a read per type)", () => {
    expect(shared.counts.total, perEndpoint(shared.counts)).toBeLessThanOrEqual(60);
    // The per-type streams add no catalog request to resources' own read.
    expect(shared.counts.byPath[CATALOG]).toBe(resources.counts.byPath[CATALOG]);
    expect(perType.counts.byPath[CATALOG]).toBeGreaterThan(PER_TYPE.length);
  });

  it("writes every stream's records exactly as its own read writes them", () => {
    expect(PER_TYPE).toHaveLength(9);
    for (const stream of PER_TYPE) {
      expect(records(shared.run, stream).length, stream).toBeGreaterThan(0);
      expect(records(shared.run, stream), stream).toEqual(records(perType.run, stream));
    }
    expect(records(shared.run, "resources")).toEqual(records(resources.run, "resources"));
  });

  it("moves each per-type bookmark to the read's own: resources', never behind its own read", () => {
    const high = bookmarkValue(shared, "resources");
    expect(high).toBe(bookmarkValue(resources, "resources"));
    for (const stream of PER_TYPE) {
      expect(bookmarkValue(shared, stream), stream).toBe(high);
      expect(bookmarkValue(perType, stream) <= high, stream).toBe(true);
    }
  });

  it("reads the catalog once incrementally too, and loses no record a read of its own finds", () => {
    expect(sharedNext.counts.total, perEndpoint(sharedNext.counts)).toBeLessThanOrEqual(22);
    expect(sharedNext.counts.byPath[CATALOG]).toBe(resourcesNext.counts.byPath[CATALOG]);
    expect(perTypeNext.counts.byPath[CATALOG] ?? 0).toBeGreaterThanOrEqual(PER_TYPE.length);
    for (const stream of PER_TYPE) {
      // Its own read starts at its own newest record, which it writes again (at-least-once); the
      // shared read starts at resources' bookmark. Past that both write exactly the same.
      const since = bookmarkValue(shared, stream);
      const own = records(perTypeNext.run, stream);
      const before = own.filter((r) => String(r.updated_at) < since);
      expect(records(sharedNext.run, stream), stream).toEqual(
        own.filter((r) => String(r.updated_at) >= since),
      );
      for (const r of before) expect(r.updated_at, stream).toBe(bookmarkValue(perType, stream));
      expect(bookmarkValue(sharedNext, stream), stream).toBe(
        bookmarkValue(sharedNext, "resources"),
      );
    }
    expect(records(sharedNext.run, "resources")).toEqual(records(resourcesNext.run, "resources"));
    expect(PER_TYPE.some((stream) => records(sharedNext.run, stream).length > 0)).toBe(true);
  });

  it("daily sweeps keep the hourly run sweep-free; a sweep reads the catalog whole, once", () => {
    // The first run swept (it read everything anyway); an hour later no sweep is due.
    expect(JSON.stringify(lastState(shared.run.messages))).toContain('"swept_at"');
    expect(sharedNext.run.stderr).not.toContain("deletion sweep listed");
    expect(sweepNext.run.stderr).toContain("stream resources: deletion sweep listed");
    expect(sweepNext.counts.byPath[CATALOG]).toBe(shared.counts.byPath[CATALOG]);
    expect(sweepNext.counts.total, perEndpoint(sweepNext.counts)).toBeLessThanOrEqual(41);
  });

  it("--select without resources: each per-type stream reads its own filtered list", () => {
    for (const def of STREAM_DEFS.filter((d) => PER_TYPE.includes(d.name))) {
      const value = encodeURIComponent(`"value":"${def.subsetOf?.value}"`);
      expect(
        perType.catalogQueries.some((query) => query.includes(value)),
        def.name,
      ).toBe(true);
    }
    expect(resources.catalogQueries.every((query) => !query.includes("filter"))).toBe(true);
  });

  it("--partition: every stream reads its own share, so per-type lists are read again", async () => {
    const part = await counted({ config: config(), args: ["--partition", "1/2"] });
    const tables = encodeURIComponent('"value":"table"');
    expect(part.catalogQueries.some((query) => query.includes(tables))).toBe(true);
  });
});

describe("one catalog pass: scale 10,000, seed 1", () => {
  let fake: FakeSecoda;
  let full: Counted;
  let next: Counted;
  let sweep: Counted;

  beforeAll(async () => {
    fake = await startFakeSecoda({ scale: 10_000, seed: 1 });
    full = await countedRun(fake, { config: fakeConfig(fake.url) });
    changeOnePercent(fake);
    next = await countedRun(fake, {
      config: fakeConfig(fake.url),
      state: lastState(full.run.messages),
    });
    sweep = await countedRun(fake, {
      config: fakeConfig(fake.url, { deletion_sweep: "every_run" }),
      state: lastState(full.run.messages),
    });
  }, 600_000);
  afterAll(() => fake.close());

  it("a full sync makes at most 480 requests (675 with a read per type)", () => {
    expect(full.counts.total, perEndpoint(full.counts)).toBeLessThanOrEqual(480);
  });

  it("an incremental run after 1% changed makes at most 70 requests (78)", () => {
    expect(next.counts.total, perEndpoint(next.counts)).toBeLessThanOrEqual(70);
  });

  it("the same run with a deletion sweep reads the catalog whole, once", () => {
    expect(sweep.counts.byPath[CATALOG]).toBe(full.counts.byPath[CATALOG]);
    expect(sweep.counts.total, perEndpoint(sweep.counts)).toBeLessThanOrEqual(270);
  });
});
