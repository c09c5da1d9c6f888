import { type FakeSecoda, type FaultPlan, startFakeSecoda } from "@repo/fake-secoda";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { catalogSelecting } from "./support/catalog.js";
import { fakeConfig, runCli } from "./support/cli.js";

// One fake for the file; each test installs its own fault plan (tests in a file run in order).
let fake: FakeSecoda;
beforeAll(async () => {
  fake = await startFakeSecoda({ scale: 1000, seed: 3 });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.setFaults({});
  fake.resetRequests();
});

/** tables (120, 3 pages), columns (687, 14 pages), tags (12) and custom properties (bare array). */
const catalog = catalogSelecting(["tables", "columns", "tags", "custom_properties"]);
const EXPECTED = { tables: 120, columns: 687, tags: 12, custom_properties: 6 };

async function syncWith(plan: FaultPlan, extra = {}) {
  fake.setFaults(plan);
  const run = await runCli({
    config: fakeConfig(fake.url, { max_concurrency: 2, ...extra }),
    catalog,
  });
  const counts: { [stream: string]: number } = {};
  for (const m of run.messages) {
    if (m.type === "RECORD") counts[m.stream] = (counts[m.stream] ?? 0) + 1;
  }
  return { run, counts, faults: fake.counters().byFault, statuses: fake.counters().byStatus };
}

// The fake's rate limit runs on the wall clock (the tap's retries wait for real), so the limit is
// set low enough (2 requests/s after a burst of 2) that even a tap slowed down by a loaded machine
// meets it: at 10/s, a run on a machine under heavy load once saw no 429 at all.
describe("every fault mode is survived with no record lost", () => {
  it.each<[string, FaultPlan, string]>([
    [
      "429 with Retry-After",
      { rateLimit: { perMinute: 120, burst: 2, retryAfter: true } },
      "rate-limited",
    ],
    [
      "429 without Retry-After",
      { rateLimit: { perMinute: 120, burst: 2, retryAfter: false } },
      "rate-limited",
    ],
    ["5xx", { errors: { every: 3 } }, "error"],
    ["connection reset mid-body", { reset: { every: 3, fraction: 0.4 } }, "reset"],
    ["truncated JSON body", { truncate: { every: 3 } }, "truncate"],
    ["200 without results", { missingResults: { every: 3 } }, "missing-results"],
  ])("%s", async (_name, plan, fault) => {
    const { run, counts, faults } = await syncWith(plan);
    expect(run.code, run.stderr).toBe(0);
    expect(faults[fault] ?? 0).toBeGreaterThan(0);
    expect(counts).toEqual(EXPECTED);
    expect(run.stderr).toMatch(/WARN .*retry in/);
  });

  it("a response slower than request_timeout", async () => {
    const { run, counts } = await syncWith(
      { slow: { delayMs: 1500, every: 4, maxFaults: 2 } },
      { request_timeout: 0.4 },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(counts).toEqual(EXPECTED);
    expect(run.stderr).toMatch(/WARN .*no complete response within 0.4 s; retry in/);
  });

  it("paces itself under a tight rate limit instead of failing", async () => {
    const { run, counts, statuses } = await syncWith({
      rateLimit: { perMinute: 1200, burst: 1, retryAfter: false },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(counts).toEqual(EXPECTED);
    // Adaptive pacing keeps 429s to a fraction of the successful requests.
    expect(statuses["429"] ?? 0).toBeLessThan(statuses["200"] ?? 0);
  });

  it("honours requests_per_minute without any 429", async () => {
    const { run, statuses } = await syncWith(
      { rateLimit: { perMinute: 1200, burst: 2, retryAfter: true } },
      { requests_per_minute: 900 },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(statuses["429"] ?? 0).toBe(0);
  });
});

describe("when retries run out", () => {
  it("fails with one clear line naming stream and path, not the query string or key", async () => {
    fake.setFaults({ errors: { pathPrefix: "/api/v1/tag", statuses: [503] } });
    const run = await runCli({
      config: fakeConfig(fake.url, { max_retries: 2 }),
      catalog: catalogSelecting(["tags"]),
    });
    expect(run.code).toBe(1);
    const fatal = run.stderr.split("\n").filter((line) => line.includes("FATAL"));
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatch(
      /stream tags: Secoda returned HTTP 503 for \/api\/v1\/tag; gave up after 3 attempts$/,
    );
    expect(run.stderr).not.toContain("admin-key");
    expect(run.stderr).not.toContain("page=");
  });
});
