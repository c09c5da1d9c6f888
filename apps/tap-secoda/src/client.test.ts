import { SourceError } from "@singerkit/singer";
import { describe, expect, it } from "vitest";
import {
  connectionReset,
  fakeClock,
  json,
  memoryLogger,
  truncated,
  w1,
} from "../test/support/memory.js";
import { type FetchLike, SecodaClient } from "./client.js";

const KEY = "sk-very-secret-key";

/** After two 429s the next request waits for the adaptive gap (it grew once per gap: 50 → 75 ms). */
const pacer429Gap = (sleeps: readonly number[]) => sleeps.length === 3 && (sleeps[2] ?? 0) > 0;
type Step = Response | Error | ((url: string) => Response);

/** A client whose fetch plays `steps` in order and records every URL it was asked for. */
function setup(steps: Step[], options: { maxRetries?: number; requestsPerMinute?: number } = {}) {
  const urls: string[] = [];
  const headers: Headers[] = [];
  const queue = [...steps];
  const fetch: FetchLike = async (url, init) => {
    urls.push(url);
    headers.push(new Headers(init.headers));
    const step = queue.shift();
    if (step === undefined) throw new Error(`unexpected request ${url}`);
    if (step instanceof Error) throw step;
    return typeof step === "function" ? step(url) : step;
  };
  const { clock, state } = fakeClock();
  const { log, lines } = memoryLogger();
  log.addSecrets([KEY]);
  const client = new SecodaClient({
    root: "https://api.secoda.co",
    apiKey: KEY,
    userAgent: "tap-secoda/test",
    timeoutMs: 5000,
    maxRetries: options.maxRetries ?? 3,
    backoffInitialMs: 1000,
    backoffMaxMs: 60_000,
    maxConcurrency: 2,
    ...(options.requestsPerMinute === undefined
      ? {}
      : { requestsPerMinute: options.requestsPerMinute }),
    log,
    signal: new AbortController().signal,
    fetch,
    clock,
    random: () => 0.5,
  });
  return { client, urls, headers, sleeps: state.sleeps, lines, remaining: queue };
}

const query = {
  stream: "tables",
  path: "/api/v1/resource/catalog",
  list: "paged" as const,
  params: { filter: '{"operator":"exact","field":"type","value":"table"}' },
};

async function failure(promise: Promise<unknown>): Promise<SourceError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof SourceError))
    throw new Error(`expected a SourceError, got ${String(error)}`);
  return error;
}

describe("SecodaClient paging", () => {
  it("follows links.next by page number on its own host and sends auth and query", async () => {
    const t = setup([json(w1([{ id: "a" }], 1, 2)), json(w1([{ id: "b" }], 2, 2))]);
    const cursor = t.client.list(query);
    const first = await cursor.next();
    const second = await cursor.next();
    expect(await cursor.next()).toBeUndefined();
    expect([first?.rows, second?.rows]).toEqual([[{ id: "a" }], [{ id: "b" }]]);
    expect(t.urls.map((url) => new URL(url).searchParams.get("page"))).toEqual(["1", "2"]);
    expect(new URL(t.urls[1] ?? "").searchParams.get("filter")).toBe(query.params.filter);
    expect(t.headers[0]?.get("authorization")).toBe(`Bearer ${KEY}`);
    expect(t.headers[0]?.get("user-agent")).toBe("tap-secoda/test");
  });

  it.each([
    [
      "DRF top-level next",
      {
        count: 3,
        next: "https://elsewhere.example/x?page=2",
        previous: null,
        results: [{ id: "a" }],
      },
      2,
    ],
    ["meta.next_page only", { meta: { next_page: 2 }, results: [{ id: "a" }] }, 2],
    [
      '"None" as null (docs samples)',
      { links: { next: "None" }, results: [{ id: "a" }] },
      undefined,
    ],
    ["bare array", [{ id: "a" }], undefined],
  ])("reads %s", async (_name, body, nextPage) => {
    const t = setup([json(body)]);
    const page = await t.client.fetchPage(query, 1);
    expect(page.rows).toEqual([{ id: "a" }]);
    expect(page.nextPage).toBe(nextPage);
  });

  it("reads a bare-array endpoint once, without page parameters", async () => {
    const t = setup([json([{ id: "p" }])]);
    const cursor = t.client.list({ ...query, list: "array", params: {} });
    expect((await cursor.next())?.rows).toEqual([{ id: "p" }]);
    expect(await cursor.next()).toBeUndefined();
    expect(t.urls).toEqual(["https://api.secoda.co/api/v1/resource/catalog?"]);
  });

  it("treats a 404 past page 1 as the end of a list that shrank (DRF's Invalid page)", async () => {
    const t = setup([json({ detail: "Invalid page." }, 404), json({ detail: "Not found." }, 404)]);
    const page = await t.client.fetchPage(query, 7);
    expect(page).toMatchObject({ rows: [], nextPage: undefined });
    expect((await failure(t.client.fetchPage(query, 1))).status).toBe(404);
  });

  it("prefetches at most one page ahead and abandons it on close", async () => {
    const t = setup([json(w1([{ id: "a" }], 1, 3)), json(w1([{ id: "b" }], 2, 3))]);
    const cursor = t.client.list(query);
    await cursor.next();
    cursor.prefetch();
    cursor.prefetch();
    cursor.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.urls).toHaveLength(2);
  });
});

describe("SecodaClient retries", () => {
  it.each([
    ["a 503", () => json({ detail: "unavailable" }, 503)],
    ["a connection reset", () => connectionReset()],
    ["a truncated body", () => truncated(JSON.stringify(w1([{ id: "a" }], 1, 1)))],
    ["invalid JSON", () => new Response("{not json", { status: 200 })],
    ["a 200 without results", () => json({ detail: "ok" })],
    [
      "a timeout",
      () => new DOMException("The operation was aborted due to timeout", "TimeoutError"),
    ],
  ])("retries %s with exponential backoff, then succeeds", async (_name, fault) => {
    const t = setup([fault(), fault(), json(w1([{ id: "a" }], 1, 1))]);
    const page = await t.client.fetchPage(query, 1);
    expect(page.rows).toEqual([{ id: "a" }]);
    expect(t.sleeps).toEqual([750, 1500]); // 1 s, 2 s with jitter factor 0.75
  });

  it("gives up after max_retries naming stream and path, never the query or the key", async () => {
    const t = setup(
      Array.from({ length: 4 }, () => json({}, 502)),
      { maxRetries: 3 },
    );
    const error = await failure(t.client.fetchPage(query, 1));
    expect(error.describe()).toBe(
      "stream tables: Secoda returned HTTP 502 for /api/v1/resource/catalog; gave up after 4 attempts",
    );
    expect(error.endpoint).toBe("/api/v1/resource/catalog");
    expect(error.retryable).toBe(false);
    expect(t.urls).toHaveLength(4);
    expect(t.lines.join("\n")).not.toContain(KEY);
  });

  it("honours Retry-After on 429 (seconds and HTTP date) and does not spend max_retries", async () => {
    const date = new Date(Date.parse("2025-01-01T00:00:30Z")).toUTCString();
    const t = setup(
      [
        json({}, 429, { "retry-after": "7" }),
        json({}, 429, { "retry-after": date }),
        json({}, 429, { "retry-after": "1" }),
        json(w1([{ id: "a" }], 1, 1)),
      ],
      { maxRetries: 0 },
    );
    await t.client.fetchPage(query, 1);
    expect(t.sleeps.slice(0, 2)).toEqual([7000, 23000]); // 00:07 → 00:30
    expect(t.urls).toHaveLength(4);
  });

  it("backs off exponentially on 429 without Retry-After and slows the pace", async () => {
    const t = setup([json({}, 429), json({}, 429), json(w1([], 1, 1)), json(w1([], 1, 1))]);
    await t.client.fetchPage(query, 1);
    expect(t.sleeps).toEqual([750, 1500]);
    await t.client.fetchPage(query, 1);
    expect(pacer429Gap(t.sleeps)).toBe(true);
  });

  it("fails at once on 401 with guidance about the key and the region", async () => {
    const t = setup([json({ detail: "Invalid token." }, 401)]);
    const error = await failure(t.client.fetchPage(query, 1));
    expect(error.status).toBe(401);
    expect(error.message).toMatch(
      /^Secoda rejected the API key \(401 Unauthorized on \/api\/v1\/resource\/catalog\)/,
    );
    expect(error.message).toContain("eapi.secoda.co");
    expect(t.urls).toHaveLength(1);
  });

  it("fails at once on 403 and 400", async () => {
    const t = setup([json({}, 403), json({ detail: "bad filter" }, 400)]);
    expect((await failure(t.client.fetchPage(query, 1))).status).toBe(403);
    expect((await failure(t.client.fetchPage(query, 1))).status).toBe(400);
    expect(t.sleeps).toEqual([]);
  });

  it("returns undefined for a 404 detail and the object otherwise", async () => {
    const t = setup([json({ detail: "Not found." }, 404), json({ id: "d1", title: "Doc" })]);
    expect(
      await t.client.detail("documents", "/api/v1/document/documents/{id}", "gone"),
    ).toBeUndefined();
    expect(await t.client.detail("documents", "/api/v1/document/documents/{id}", "d1")).toEqual({
      id: "d1",
      title: "Doc",
    });
    expect(t.urls[1]).toBe("https://api.secoda.co/api/v1/document/documents/d1");
  });

  it("writes http_request_duration timers tagged with endpoint and status", async () => {
    const t = setup([json({}, 500), json(w1([], 1, 1))]);
    await t.client.fetchPage(query, 1);
    t.client.flushMetrics();
    const metrics = t.lines
      .filter((line) => line.includes("METRIC: "))
      .map((line) => JSON.parse(line.slice(line.indexOf("METRIC: ") + 8)));
    expect(metrics.filter((m) => m.metric === "http_request_duration").map((m) => m.tags)).toEqual([
      { endpoint: query.path, stream: "tables", http_status_code: 500, status: "failed" },
      { endpoint: query.path, stream: "tables", http_status_code: 200, status: "succeeded" },
    ]);
    expect(metrics.find((m) => m.metric === "http_request_count")).toMatchObject({
      type: "counter",
      value: 2,
      tags: { endpoint: query.path, stream: "tables" },
    });
  });

  it("paces to requests_per_minute", async () => {
    const t = setup([json(w1([], 1, 1)), json(w1([], 1, 1)), json(w1([], 1, 1))], {
      requestsPerMinute: 60,
    });
    for (let i = 0; i < 3; i += 1) await t.client.fetchPage(query, 1);
    expect(t.sleeps).toEqual([1000, 1000]);
  });
});
