import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeSecoda, startFakeSecoda } from "../src/index.js";
import { ADMIN_KEY, get, object } from "./support.js";

let fake: FakeSecoda;
beforeAll(async () => {
  fake = await startFakeSecoda({ scale: 100, apiKey: "plain-key", adminKey: "boss-key" });
});
afterAll(() => fake.close());

describe("authentication", () => {
  it.each([
    [null, "Authentication credentials were not provided."],
    ["wrong", "Invalid token."],
    [ADMIN_KEY, "Invalid token."], // the default admin key is not valid once another is configured
  ])("key %s → 401 %s", async (key, detail) => {
    const answer = await get(fake.url, "/api/v1/user", key);
    expect(answer.status).toBe(401);
    expect(answer.json).toEqual({ detail });
    expect(answer.headers.get("www-authenticate")).toBe('Bearer realm="api"');
  });

  it("rejects a key without the Bearer scheme", async () => {
    const response = await fetch(`${fake.url}/api/v1/user`, {
      headers: { Authorization: "plain-key" },
    });
    expect(response.status).toBe(401);
  });

  it.each([
    ["plain-key", 403],
    ["boss-key", 200],
  ])("audit logs with %s → %i", async (key, status) => {
    const answer = await get(fake.url, "/api/v1/activity_log/audit_logs/", key);
    expect(answer.status).toBe(status);
    if (status === 403)
      expect(answer.json).toEqual({ detail: "You do not have permission to perform this action." });
  });

  it("the non-admin key reads everything else", async () => {
    expect((await get(fake.url, "/api/v1/resource/catalog", "plain-key")).status).toBe(200);
    expect((await get(fake.url, "/api/v1/notification/workspace/", "plain-key")).status).toBe(200);
  });

  it("other methods → 405 after authentication", async () => {
    const response = await fetch(`${fake.url}/api/v1/tag/`, {
      method: "POST",
      headers: { Authorization: "Bearer boss-key" },
    });
    expect(response.status).toBe(405);
    expect(await response.json()).toEqual({ detail: 'Method "POST" not allowed.' });
  });
});

describe("unknown ids", () => {
  it.each([
    "/api/v1/resource/all/123e4567-e89b-12d3-a456-426614174000",
    "/api/v1/tag/not-a-uuid",
    "/api/v1/tag/%zz",
  ])("%s → 404 JSON", async (path) => {
    const answer = await get(fake.url, path, "boss-key");
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({ detail: "Not found." });
  });

  it("an id of another kind → 404 on a typed route, 200 on resource/all", async () => {
    const nul = String(object(fake.info().special ?? null).nul_description_table_id);
    expect((await get(fake.url, `/api/v1/tag/${nul}`, "boss-key")).status).toBe(404);
    expect((await get(fake.url, `/api/v1/table/tables/${nul}`, "boss-key")).status).toBe(200);
    expect((await get(fake.url, `/api/v1/resource/all/${nul}`, "boss-key")).status).toBe(200);
  });

  it("a missing id needs a key first", async () => {
    expect((await get(fake.url, "/api/v1/tag/not-a-uuid", null)).status).toBe(401);
  });
});
