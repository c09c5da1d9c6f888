/**
 * tap-secoda (the real bin) against a fake Secoda that misbehaves. Each fault must either be
 * absorbed within max_retries (same records as a clean run), or end the run with exit 1 and a
 * FATAL line naming the stream and the request path; the last STATE it printed must let a clean
 * rerun finish with no record missing.
 */
import { type FakeSecoda, type FaultPlan, startFakeSecoda } from "@repo/fake-secoda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../support/run.js";
import { fastRetries, recordKeys, runTap } from "../support/tap.js";

const KEY = "reliability-admin-key";

describe("tap-secoda under API faults", () => {
  let fake: FakeSecoda;
  let clean: Set<string>;
  const dir = tempDir("api-faults");

  beforeAll(async () => {
    fake = await startFakeSecoda({ seed: 3, scale: 100, apiKey: "plain-key", adminKey: KEY });
    const run = await runTap(dir, fake, KEY, { config: fastRetries });
    expect(run.status).toBe(0);
    clean = recordKeys(run.messages);
    expect(clean.size).toBeGreaterThan(300);
  });
  afterAll(async () => {
    await fake?.close();
  });

  // Recovery cases get more retries: faults that hit "every Nth request" may, with concurrent
  // streams, land on one request several times in a row.
  async function faulty(plan: FaultPlan, config: object = fastRetries) {
    fake.setFaults(plan);
    fake.resetRequests();
    try {
      return await runTap(dir, fake, KEY, { config });
    } finally {
      fake.setFaults({});
    }
  }

  const recovered: Record<string, FaultPlan> = {
    "a 429 storm longer than one backoff (no Retry-After)": {
      rateLimit: { perMinute: 600, burst: 2, retryAfter: false },
    },
    "intermittent 5xx (every 3rd request: 500, 502, 503)": {
      errors: { every: 3, statuses: [500, 502, 503] },
    },
    "connection resets mid-body (at most 6)": {
      reset: { every: 4, fraction: 0.5, maxFaults: 6 },
    },
    "truncated JSON bodies (every 4th, at most 6)": {
      truncate: { every: 4, fraction: 0.5, maxFaults: 6 },
    },
    "200s without results (every 5th)": { missingResults: { every: 5 } },
    "responses slower than request_timeout (twice)": {
      slow: { delayMs: 1500, pathPrefix: "/api/v1/tag", maxFaults: 2 },
    },
  };

  for (const [name, plan] of Object.entries(recovered)) {
    it(`recovers from ${name}: exit 0, every record of a clean run`, async () => {
      const run = await faulty(plan, { ...fastRetries, max_retries: 10 });
      const injected = Object.values(fake.counters().byFault).reduce((a, b) => a + b, 0);
      expect({ status: run.status, fatal: run.stderr.match(/.*FATAL.*/)?.[0] }).toEqual({
        status: 0,
        fatal: undefined,
      });
      expect([...clean].filter((key) => !recordKeys(run.messages).has(key))).toEqual([]);
      // The fault really happened (slow responses are counted as delays, not faults).
      if (!("slow" in plan)) expect(injected).toBeGreaterThan(0);
      expect(run.stderr).toMatch(/WARN {2}tap-secoda {2}stream \w+: .*retry in/);
      // The storm outlasts one backoff: some request was throttled again after its first retry.
      if ("rateLimit" in plan) expect(run.stderr).toMatch(/rate-limited .*\(2 so far\)/);
    });
  }

  const exhausted: Record<string, { plan: FaultPlan; fatal: RegExp }> = {
    "5xx on every request to /api/v1/tag": {
      plan: { errors: { pathPrefix: "/api/v1/tag", statuses: [503] } },
      fatal:
        /FATAL tap-secoda {2}stream tags: Secoda returned HTTP 503 for \/api\/v1\/tag; gave up after 4 attempts/,
    },
    "responses to /api/v1/tag always slower than request_timeout": {
      plan: { slow: { delayMs: 1500, pathPrefix: "/api/v1/tag" } },
      fatal:
        /FATAL tap-secoda {2}stream tags: request to \/api\/v1\/tag failed: no complete response within 1 s; gave up after 4 attempts/,
    },
    "connection resets on every request to /api/v1/tag": {
      plan: { reset: { pathPrefix: "/api/v1/tag", fraction: 0.5 } },
      fatal:
        /FATAL tap-secoda {2}stream tags: request to \/api\/v1\/tag failed: .*gave up after 4 attempts/,
    },
    "truncated JSON on every request to /api/v1/tag": {
      plan: { truncate: { pathPrefix: "/api/v1/tag", fraction: 0.5 } },
      fatal:
        /FATAL tap-secoda {2}stream tags: Secoda sent a truncated or invalid JSON body for \/api\/v1\/tag.*gave up after 4 attempts/,
    },
  };

  for (const [name, { plan, fatal }] of Object.entries(exhausted)) {
    it(`gives up on ${name} after max_retries, naming stream and path; a rerun from its STATE misses nothing`, async () => {
      const first = await faulty(plan);
      expect(first.status).toBe(1);
      const fatals = first.stderr.split("\n").filter((line) => line.includes(" FATAL "));
      expect(fatals).toEqual([expect.stringMatching(fatal)]);
      // 1 attempt + max_retries (3) retries, and no more.
      const retries = first.stderr
        .split("\n")
        .filter((l) => /WARN {2}tap-secoda {2}stream tags: .*retry in/.test(l));
      expect(retries.map((l) => /\((\d+) so far\)/.exec(l)?.[1])).toEqual(["1", "2", "3"]);
      // 1 attempt + max_retries (3) retries, and no more. (Slow answers are logged by the fake
      // only once sent, which may be after the tap gave up, so they are not counted here.)
      if (!("slow" in plan)) {
        const faulted = fake.requests.filter((r) => r.path === "/api/v1/tag" && r.fault != null);
        expect(faulted.length).toBe(4);
      }
      expect(first.lastState).toBeTypeOf("object");
      const rerun = await runTap(dir, fake, KEY, { config: fastRetries, state: first.lastState });
      expect(rerun.status).toBe(0);
      const union = new Set([...recordKeys(first.messages), ...recordKeys(rerun.messages)]);
      expect([...clean].filter((key) => !union.has(key))).toEqual([]);
    });
  }
});
