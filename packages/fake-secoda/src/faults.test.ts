import { describe, expect, it } from "vitest";
import { type FaultPlan, FaultPlanError, parseFaultPlan } from "./fault-plan.js";
import { FaultInjector } from "./faults.js";

/** The outcome type of n requests to `path` (slow faults shown as "+delay"). */
function run(plan: FaultPlan, n: number, path = "/api/v1/tag", nowMs = () => 0): string[] {
  const injector = new FaultInjector(plan, 1, nowMs);
  return Array.from({ length: n }, () => {
    const { outcome, delayMs } = injector.decide(path);
    const type = outcome.type === "error" ? String(outcome.status) : outcome.type;
    return delayMs > 0 ? `${type}+${delayMs}` : type;
  });
}

describe("FaultInjector", () => {
  it("every Nth request gets a 5xx, statuses in turn", () => {
    expect(run({ errors: { every: 2 } }, 8)).toEqual([
      "none",
      "500",
      "none",
      "502",
      "none",
      "503",
      "none",
      "500",
    ]);
  });

  it("a share is seeded: the same plan gives the same sequence", () => {
    const plan: FaultPlan = { errors: { share: 0.3, statuses: [503] } };
    const first = run(plan, 50);
    expect(run(plan, 50)).toEqual(first);
    expect(first.filter((o) => o === "503").length).toBeGreaterThan(5);
    expect(run({ ...plan, seed: 99 }, 50)).not.toEqual(first);
  });

  it("scopes by path prefix, skips afterRequests, and recovers after maxFaults", () => {
    const plan: FaultPlan = {
      truncate: { pathPrefix: "/api/v1/resource", afterRequests: 1, maxFaults: 2 },
    };
    expect(run(plan, 5, "/api/v1/tag")).toEqual(["none", "none", "none", "none", "none"]);
    expect(run(plan, 5, "/api/v1/resource/catalog")).toEqual([
      "none",
      "truncate",
      "truncate",
      "none",
      "none",
    ]);
  });

  it("forRequests bounds the window of eligible requests", () => {
    expect(run({ reset: { afterRequests: 2, forRequests: 2 } }, 6)).toEqual([
      "none",
      "none",
      "reset",
      "reset",
      "none",
      "none",
    ]);
  });

  it("priority: 429 before 5xx before body faults; delay combines", () => {
    const plan: FaultPlan = {
      rateLimit: { perMinute: 60, burst: 1 },
      errors: { every: 3 },
      missingResults: {},
      slow: { delayMs: 5, every: 2 },
    };
    expect(run(plan, 4)).toEqual([
      "missing-results",
      "rate-limited+5",
      "rate-limited",
      "rate-limited+5",
    ]);
  });

  it("the token bucket refills over time and reports Retry-After", () => {
    let now = 0;
    const injector = new FaultInjector({ rateLimit: { perMinute: 60, burst: 2 } }, 1, () => now);
    const outcome = () => injector.decide("/x").outcome;
    expect(outcome()).toEqual({ type: "none" });
    expect(outcome()).toEqual({ type: "none" });
    expect(outcome()).toEqual({ type: "rate-limited", retryAfterSeconds: 1 });
    now = 999;
    expect(outcome()).toEqual({ type: "rate-limited", retryAfterSeconds: 1 });
    now = 1000;
    expect(outcome()).toEqual({ type: "none" });
    expect(outcome()).toEqual({ type: "rate-limited", retryAfterSeconds: 1 });
  });

  it("a slow bucket asks for a longer wait, and can omit Retry-After", () => {
    const slow = new FaultInjector({ rateLimit: { perMinute: 6, burst: 1 } }, 1, () => 0);
    slow.decide("/x");
    expect(slow.decide("/x").outcome).toEqual({ type: "rate-limited", retryAfterSeconds: 10 });
    const silent = new FaultInjector(
      { rateLimit: { perMinute: 6, burst: 1, retryAfter: false } },
      1,
      () => 0,
    );
    silent.decide("/x");
    expect(silent.decide("/x").outcome).toEqual({
      type: "rate-limited",
      retryAfterSeconds: undefined,
    });
  });
});

describe("parseFaultPlan", () => {
  it("accepts a full plan", () => {
    const plan = {
      seed: 3,
      rateLimit: { perMinute: 10, burst: 2, retryAfter: false, pathPrefix: "/api" },
      errors: { every: 3, statuses: [502], maxFaults: 1 },
      slow: { delayMs: 10, share: 0.5 },
      reset: { fraction: 0.25, afterRequests: 2, forRequests: 1 },
      truncate: { every: 2 },
      missingResults: {},
    };
    expect(parseFaultPlan(plan)).toEqual(plan);
  });

  it.each([
    [[], "a fault plan must be a JSON object"],
    [{ nope: {} }, 'unknown fault "nope"'],
    [{ rateLimit: {} }, "rateLimit.perMinute is required"],
    [{ slow: { delayMs: -1 } }, "slow.delayMs must be an integer in [0, 600000]"],
    [{ errors: { statuses: [404] } }, "errors.statuses must be a non-empty list of 500, 502, 503"],
    [{ errors: { share: 2 } }, "errors.share must be a number in [0, 1]"],
    [{ reset: { every: 0 } }, "reset.every must be an integer in [1, Infinity]"],
    [{ truncate: { colour: "red" } }, "truncate.colour is not a known setting"],
    [
      { rateLimit: { perMinute: 5, retryAfter: "no" } },
      "rateLimit.retryAfter must be true or false",
    ],
  ])("%j → %s", (plan, message) => {
    expect(() => parseFaultPlan(plan)).toThrow(FaultPlanError);
    expect(() => parseFaultPlan(plan)).toThrow(message);
  });
});
