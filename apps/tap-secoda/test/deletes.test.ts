import { type FakeSecoda, type Mutation, startFakeSecoda } from "@repo/fake-secoda";
import type { JsonObject, SingerMessage } from "@singerkit/singer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STREAM_DEFS } from "../src/streams.js";
import { type CliRun, fakeConfig, runCli } from "./support/cli.js";

// Deletion sweeps against the fake through the built CLI (decisions-tap.md "Deletes"): records
// deleted between runs, and while the sweep reads, come out as tombstones exactly once, and never
// a tombstone for a record that is still there.

const CATALOG = "/api/v1/resource/catalog";
/** The streams a sweep covers: incremental, not append-only. */
const SWEPT = STREAM_DEFS.filter((d) => d.replicationKey !== undefined && !d.appendOnly).map(
  (d) => d.name,
);

function lastState(messages: readonly SingerMessage[]): JsonObject {
  const state = messages.findLast((m) => m.type === "STATE");
  if (state?.type !== "STATE") throw new Error("no STATE");
  return state.value;
}

const isTombstone = (record: JsonObject) => record._sdc_deleted_at !== undefined;

function idsOf(run: CliRun, stream: string, pick: (r: JsonObject) => boolean): Set<string> {
  return new Set(
    run.messages.flatMap((m) =>
      m.type === "RECORD" && m.stream === stream && pick(m.record) ? [String(m.record.id)] : [],
    ),
  );
}

const liveRecords = (run: CliRun, stream: string) => idsOf(run, stream, (r) => !isTombstone(r));
const tombstones = (run: CliRun, stream: string) => idsOf(run, stream, isTombstone);
const minus = (a: Set<string>, b: Set<string>) => new Set([...a].filter((id) => !b.has(id)));
const sorted = (ids: Iterable<string>) => [...ids].sort();

/** Every live record now, per stream: a fresh full run without sweeps. */
async function truth(fake: FakeSecoda): Promise<CliRun> {
  const run = await runCli({ config: fakeConfig(fake.url, { deletion_sweep: "never" }) });
  expect(run.code, run.stderr).toBe(0);
  return run;
}

async function run(fake: FakeSecoda, state?: JsonObject): Promise<CliRun> {
  const config = fakeConfig(fake.url, { deletion_sweep: "every_run" });
  const out = await runCli({ config, ...(state === undefined ? {} : { state }) });
  expect(out.code, out.stderr).toBe(0);
  return out;
}

describe("deletion sweep: records deleted between runs", () => {
  let fake: FakeSecoda;
  let first: CliRun;
  let second: CliRun;
  let live: CliRun;
  let deleted: string[];

  beforeAll(async () => {
    fake = await startFakeSecoda({ scale: 1000, seed: 5 });
    first = await run(fake);
    fake.advanceClock(3600);
    deleted = [
      ...fake.mutate({ op: "delete", kind: "catalog", count: 6 }).ids,
      ...fake.mutate({ op: "delete", kind: "tag", count: 2 }).ids,
      ...fake.mutate({ op: "delete", kind: "collection", count: 1 }).ids,
    ];
    fake.mutate({ op: "add", kind: "table", count: 3 });
    fake.mutate({ op: "update", kind: "catalog", count: 5 });
    second = await run(fake, lastState(first.messages));
    live = await truth(fake);
  }, 120_000);
  afterAll(() => fake.close());

  it("sends a tombstone for exactly the records gone since, per stream", () => {
    for (const stream of SWEPT) {
      const gone = minus(liveRecords(first, stream), liveRecords(live, stream));
      expect(sorted(tombstones(second, stream)), stream).toEqual(sorted(gone));
    }
    const all = new Set(SWEPT.flatMap((stream) => [...tombstones(second, stream)]));
    for (const id of deleted) expect(all.has(id), id).toBe(true);
    expect(tombstones(second, "tags").size).toBe(2);
    expect(tombstones(second, "resources").size).toBeGreaterThanOrEqual(6);
  });

  it("a tombstone is the key and _sdc_deleted_at, declared in the SCHEMA", () => {
    const record = second.messages.find(
      (m) => m.type === "RECORD" && m.stream === "tags" && isTombstone(m.record),
    );
    expect(record?.type === "RECORD" && Object.keys(record.record).sort()).toEqual([
      "_sdc_deleted_at",
      "id",
    ]);
    const schema = second.messages.find((m) => m.type === "SCHEMA" && m.stream === "tags");
    expect(schema?.type === "SCHEMA" && schema.schema.properties?._sdc_deleted_at).toBeTruthy();
  });

  it("a following sweep with nothing deleted sends none", async () => {
    const third = await run(fake, lastState(second.messages));
    for (const stream of SWEPT) expect(tombstones(third, stream).size, stream).toBe(0);
  });
});

describe("deletion sweep: records deleted and added while the sweep reads", () => {
  let fake: FakeSecoda;
  let first: CliRun;
  let second: CliRun;
  let third: CliRun;
  let live: CliRun;
  let before: readonly string[];
  const during: Mutation[] = [
    { op: "delete", kind: "catalog", count: 10 },
    { op: "add", kind: "table", count: 5 },
    { op: "update", kind: "catalog", count: 10 },
  ];

  beforeAll(async () => {
    const armed = { on: false, catalogRequests: 0 };
    const holder: { fake?: FakeSecoda } = {};
    fake = await startFakeSecoda({
      scale: 1000,
      seed: 6,
      onRequest: (request) => {
        if (!armed.on || request.path !== CATALOG) return;
        armed.catalogRequests += 1;
        if (armed.catalogRequests !== 4) return;
        for (const mutation of during) holder.fake?.mutate(mutation);
      },
    });
    holder.fake = fake;
    first = await run(fake);
    fake.advanceClock(3600);
    before = fake.mutate({ op: "delete", kind: "catalog", count: 4 }).ids;
    armed.on = true;
    second = await run(fake, lastState(first.messages));
    armed.on = false;
    third = await run(fake, lastState(second.messages));
    live = await truth(fake);
  }, 120_000);
  afterAll(() => fake.close());

  it("never sends a tombstone for a record that is still there", () => {
    for (const stream of SWEPT) {
      for (const id of tombstones(second, stream))
        expect(liveRecords(live, stream).has(id), `${stream} ${id}`).toBe(false);
    }
  });

  it("sends the ones deleted before the run started", () => {
    const resources = tombstones(second, "resources");
    for (const id of before) expect(resources.has(id), id).toBe(true);
  });

  it("the next sweep sends the rest: together exactly the records gone, each once", () => {
    for (const stream of SWEPT) {
      const gone = minus(liveRecords(first, stream), liveRecords(live, stream));
      const both = [...tombstones(second, stream), ...tombstones(third, stream)];
      expect(sorted(both), stream).toEqual(sorted(gone));
    }
  });
});
