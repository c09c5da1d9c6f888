import { describe, expect, it } from "vitest";
import { faultPlanFromFlags } from "./fault-flags.js";

describe("faultPlanFromFlags", () => {
  it("no flags, no faults", () => {
    expect(faultPlanFromFlags({ errorStatuses: "500,502,503", retryAfter: true })).toEqual({});
  });

  it("maps each switch to one fault, with the shared scope", () => {
    expect(
      faultPlanFromFlags({
        rateLimit: 30,
        rateLimitBurst: 5,
        retryAfter: false,
        errorEvery: 4,
        errorStatuses: "503, 502",
        slowMs: 20,
        resetEvery: 5,
        truncateEvery: 6,
        missingResultsEvery: 7,
        faultPath: "/api/v1/resource",
        faultAfter: 1,
        faultFor: 10,
        faultMax: 3,
        faultSeed: 9,
      }),
    ).toEqual({
      seed: 9,
      rateLimit: {
        pathPrefix: "/api/v1/resource",
        afterRequests: 1,
        forRequests: 10,
        maxFaults: 3,
        perMinute: 30,
        burst: 5,
        retryAfter: false,
      },
      errors: {
        pathPrefix: "/api/v1/resource",
        afterRequests: 1,
        forRequests: 10,
        maxFaults: 3,
        every: 4,
        statuses: [503, 502],
      },
      slow: {
        pathPrefix: "/api/v1/resource",
        afterRequests: 1,
        forRequests: 10,
        maxFaults: 3,
        delayMs: 20,
      },
      reset: {
        pathPrefix: "/api/v1/resource",
        afterRequests: 1,
        forRequests: 10,
        maxFaults: 3,
        every: 5,
      },
      truncate: {
        pathPrefix: "/api/v1/resource",
        afterRequests: 1,
        forRequests: 10,
        maxFaults: 3,
        every: 6,
      },
      missingResults: {
        pathPrefix: "/api/v1/resource",
        afterRequests: 1,
        forRequests: 10,
        maxFaults: 3,
        every: 7,
      },
    });
  });

  it("--faults JSON is the base; switches replace single faults", () => {
    const faults = JSON.stringify({ errors: { every: 2 }, slow: { delayMs: 1 } });
    expect(faultPlanFromFlags({ faults, slowMs: 50 })).toEqual({
      errors: { every: 2 },
      slow: { delayMs: 50 },
    });
  });

  it("rejects bad statuses", () => {
    expect(() => faultPlanFromFlags({ errorEvery: 1, errorStatuses: "500,404" })).toThrow(
      "errors.statuses must be a non-empty list of 500, 502, 503",
    );
  });
});
