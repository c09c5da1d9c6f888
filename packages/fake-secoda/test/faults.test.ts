import { request } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FakeSecoda, startFakeSecoda } from "../src/index.js";
import { admin, get, object } from "./support.js";

let fake: FakeSecoda;
beforeAll(async () => {
  fake = await startFakeSecoda({ scale: 100 });
});
afterEach(() => {
  fake.setFaults({});
  fake.resetRequests();
});
afterAll(() => fake.close());

const statuses = async (n: number, path = "/api/v1/tag") => {
  const out: number[] = [];
  for (let i = 0; i < n; i += 1) out.push((await get(fake.url, path)).status);
  return out;
};

/** The raw bytes of a response and how the connection ended. */
function raw(
  path: string,
): Promise<{ status: number; length: string | undefined; body: Buffer; aborted: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(`${fake.url}${path}`, { headers: { Authorization: "Bearer admin-key" } });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      let aborted = false;
      res.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
      });
      res.on("aborted", () => {
        aborted = true;
      });
      res.on("error", () => {
        aborted = true;
      });
      res.on("close", () =>
        resolve({
          status: res.statusCode ?? 0,
          length: res.headers["content-length"],
          body: Buffer.concat(chunks),
          aborted,
        }),
      );
    });
    req.on("error", reject).end();
  });
}

describe("rate limit", () => {
  it("answers 429 with Retry-After once the bucket is empty", async () => {
    fake.setFaults({ rateLimit: { perMinute: 6, burst: 2 } });
    expect(await statuses(4)).toEqual([200, 200, 429, 429]);
    const limited = await get(fake.url, "/api/v1/tag");
    expect(limited.headers.get("retry-after")).toBe("10");
    expect(limited.json).toEqual({
      detail: "Request was throttled. Expected available in 10 seconds.",
    });
    expect(fake.counters().byFault).toEqual({ "rate-limited": 3 });
  });

  it("can omit Retry-After", async () => {
    fake.setFaults({ rateLimit: { perMinute: 6, burst: 1, retryAfter: false } });
    await get(fake.url, "/api/v1/tag");
    const limited = await get(fake.url, "/api/v1/tag");
    expect([limited.status, limited.headers.get("retry-after"), limited.json]).toEqual([
      429,
      null,
      { detail: "Request was throttled." },
    ]);
  });
});

describe("5xx", () => {
  it("every Nth request, statuses in turn, with HTML bodies", async () => {
    fake.setFaults({ errors: { every: 2 } });
    expect(await statuses(6)).toEqual([200, 500, 200, 502, 200, 503]);
    fake.setFaults({ errors: { every: 1, statuses: [502] } });
    const bad = await get(fake.url, "/api/v1/tag");
    expect(bad.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(bad.text).toContain("502 Bad Gateway");
  });

  it("a seeded share repeats exactly after setFaults", async () => {
    fake.setFaults({ errors: { share: 0.4, statuses: [503] } });
    const first = await statuses(20);
    fake.setFaults({ errors: { share: 0.4, statuses: [503] } });
    expect(await statuses(20)).toEqual(first);
    expect(first.filter((s) => s === 503).length).toBeGreaterThan(2);
  });

  it("scoped to a path prefix, recovering after maxFaults", async () => {
    fake.setFaults({ errors: { pathPrefix: "/api/v1/resource/catalog", maxFaults: 2 } });
    expect(await statuses(2, "/api/v1/tag")).toEqual([200, 200]);
    expect(await statuses(4, "/api/v1/resource/catalog")).toEqual([500, 502, 200, 200]);
  });
});

describe("slow responses", () => {
  it("delays the answer by delayMs", async () => {
    fake.setFaults({ slow: { delayMs: 150 } });
    const started = performance.now();
    expect((await get(fake.url, "/api/v1/tag")).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    expect(fake.requests.at(-1)?.delayMs).toBe(150);
  });
});

describe("broken bodies", () => {
  it("reset: headers promise the whole body, then the socket is destroyed mid-body", async () => {
    const whole = await raw("/api/v1/tag");
    fake.setFaults({ reset: { fraction: 0.5 } });
    const cut = await raw("/api/v1/tag");
    expect(cut.status).toBe(200);
    expect(cut.length).toBe(whole.length);
    expect(cut.aborted).toBe(true);
    expect(cut.body).toEqual(whole.body.subarray(0, Math.floor(whole.body.length / 2)));
    await expect(
      fetch(`${fake.url}/api/v1/tag`, { headers: { Authorization: "Bearer admin-key" } }).then(
        (r) => r.text(),
      ),
    ).rejects.toThrow();
    expect(fake.counters().byFault).toEqual({ reset: 2 });
  });

  it("truncate: a complete 200 whose JSON is cut", async () => {
    const whole = await raw("/api/v1/tag");
    fake.setFaults({ truncate: { every: 1, fraction: 0.25 } });
    const cut = await raw("/api/v1/tag");
    expect([cut.status, cut.aborted, Number(cut.length)]).toEqual([200, false, cut.body.length]);
    expect(cut.body).toEqual(whole.body.subarray(0, Math.floor(whole.body.length / 4)));
    expect(() => JSON.parse(cut.body.toString("utf8"))).toThrow();
  });

  it("missing results: a 200 whose wrapper lacks results", async () => {
    fake.setFaults({ missingResults: { every: 2 } });
    const [first, second] = [
      await get(fake.url, "/api/v1/tag"),
      await get(fake.url, "/api/v1/tag"),
    ];
    expect(Object.keys(object(first.json))).toEqual([
      "links",
      "meta",
      "count",
      "total_pages",
      "results",
    ]);
    expect([second.status, Object.keys(object(second.json))]).toEqual([
      200,
      ["links", "meta", "count", "total_pages"],
    ]);
  });

  it("body faults leave non-200 answers alone", async () => {
    fake.setFaults({ truncate: {} });
    const denied = await get(fake.url, "/api/v1/tag", "wrong");
    expect([denied.status, denied.json]).toEqual([401, { detail: "Invalid token." }]);
  });
});

describe("admin fault endpoint", () => {
  it("PUT sets, GET shows, DELETE clears; bad plans are 400", async () => {
    const plan = { errors: { every: 1, statuses: [503], forRequests: 1 } };
    expect((await admin(fake.url, "PUT", "/__admin/faults", plan)).json).toEqual(plan);
    expect((await admin(fake.url, "GET", "/__admin/faults")).json).toEqual(plan);
    expect(await statuses(2)).toEqual([503, 200]);
    expect((await admin(fake.url, "DELETE", "/__admin/faults")).json).toEqual({});
    expect(fake.faults()).toEqual({});
    const bad = await admin(fake.url, "PUT", "/__admin/faults", { slow: {} });
    expect([bad.status, bad.json]).toEqual([400, { detail: "slow.delayMs is required" }]);
  });

  it("faults never touch /__admin", async () => {
    fake.setFaults({ errors: {} });
    expect((await admin(fake.url, "GET", "/__admin/clock")).status).toBe(200);
  });
});

describe("faults from the start", () => {
  it("startFakeSecoda({faults}) applies from the first request", async () => {
    const faulty = await startFakeSecoda({
      scale: 100,
      faults: { errors: { every: 1, maxFaults: 1 } },
    });
    try {
      expect((await get(faulty.url, "/api/v1/tag")).status).toBe(500);
      expect((await get(faulty.url, "/api/v1/tag")).status).toBe(200);
    } finally {
      await faulty.close();
    }
  });
});
