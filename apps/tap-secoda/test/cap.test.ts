import { type FakeSecoda, startFakeSecoda } from "@repo/fake-secoda";
import type { JsonObject, SingerMessage } from "@singerkit/singer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogSelecting } from "./support/catalog.js";
import { type CliRun, fakeConfig, runCli } from "./support/cli.js";

const CATALOG = "/api/v1/resource/catalog";

function ids(run: CliRun, stream: string): string[] {
  return run.messages.flatMap((m) =>
    m.type === "RECORD" && m.stream === stream ? [String(m.record.id)] : [],
  );
}

function lastState(messages: readonly SingerMessage[]): JsonObject {
  const state = messages.findLast((m) => m.type === "STATE");
  if (state?.type !== "STATE") throw new Error("no STATE");
  return state.value;
}

describe("the catalog's 10,000-result cap", () => {
  let fake: FakeSecoda;
  let counts: { [kind: string]: number };
  let run: CliRun;
  let rerun: CliRun;
  let rerunRequests: number;

  beforeAll(async () => {
    // 16,000 catalog resources, about 11,000 of them columns: both queries are over the cap.
    fake = await startFakeSecoda({ scale: 16_000, seed: 9 });
    const info = fake.info() as { kinds: { [kind: string]: { base: number } } };
    counts = Object.fromEntries(Object.entries(info.kinds).map(([k, v]) => [k, v.base]));
    const catalog = catalogSelecting(["resources", "columns"]);
    run = await runCli({ config: fakeConfig(fake.url, { page_size: 500 }), catalog });
    fake.advanceClock(60);
    fake.mutate({ op: "update", kind: "column", count: 5 });
    fake.resetRequests();
    rerun = await runCli({
      config: fakeConfig(fake.url, { page_size: 500 }),
      catalog,
      state: lastState(run.messages),
    });
    rerunRequests = fake.counters().byPath[CATALOG] ?? 0;
  }, 120_000);
  afterAll(() => fake.close());

  it("is detected and the query partitioned: every record once, none lost", () => {
    expect(run.code, run.stderr).toBe(0);
    const resources = ids(run, "resources");
    expect(resources.length).toBeGreaterThan(10_000);
    expect(new Set(resources).size).toBe(16_000);
    expect(resources).toHaveLength(16_000);
    const columns = ids(run, "columns");
    expect(counts.column).toBeGreaterThan(10_000);
    expect(new Set(columns).size).toBe(counts.column);
    expect(columns).toHaveLength(counts.column ?? 0);
    expect(run.stderr).toMatch(
      /stream resources: the query has 16000 results, at or over Secoda's cap of 10000; reading it as \d+ partitions by type/,
    );
    expect(run.stderr).toMatch(
      /stream resources: type=column has \d+ results, .* partitions by integration_id/,
    );
    // columns rides on resources' read (one catalog pass): no read of its own, no false order break.
    expect(run.stderr).not.toMatch(/stream columns: the query has/);
    expect(run.stderr).not.toContain("newest first");
  });

  it("an incremental rerun reaches the bookmark before the cap and does not partition", () => {
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(ids(rerun, "columns").length).toBeGreaterThanOrEqual(5);
    expect(ids(rerun, "columns").length).toBeLessThan(500);
    expect(rerunRequests).toBe(1); // one page, which serves columns too (one catalog pass)
    expect(rerun.stderr).not.toContain("partitions by");
  });
});

describe("a count saturated at the cap (the fake's real-API mode)", () => {
  let fake: FakeSecoda;
  let run: CliRun;

  beforeAll(async () => {
    // The catalog never reports more than 10,000: 16,000 resources look like exactly 10,000.
    fake = await startFakeSecoda({ scale: 16_000, seed: 9, realApi: true });
    run = await runCli({
      config: fakeConfig(fake.url, { page_size: 500 }),
      catalog: catalogSelecting(["resources"]),
    });
  }, 120_000);
  afterAll(() => fake.close());

  it("is treated as over the cap: the query is partitioned and no record is lost", async () => {
    expect(run.code, run.stderr).toBe(0);
    const resources = ids(run, "resources");
    expect(new Set(resources).size).toBe(16_000);
    expect(resources).toHaveLength(16_000);
    expect(run.stderr).toMatch(
      /stream resources: the query has 10000 results, at or over Secoda's cap of 10000; reading it as \d+ partitions by type/,
    );
    // type=column is saturated too (about 11,000 columns): split again, by integration.
    expect(run.stderr).toMatch(
      /stream resources: type=column has 10000 results, .* by integration_id/,
    );
  });
});
