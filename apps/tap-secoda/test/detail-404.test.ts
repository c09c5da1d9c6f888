import { type FakeSecoda, startFakeSecoda } from "@repo/fake-secoda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FetchLike } from "../src/client.js";
import { catalogSelecting } from "./support/catalog.js";
import { recordsOf, runSync } from "./support/run.js";

describe("404 on a detail request (real HTTP, tap in-process)", () => {
  let fake: FakeSecoda;
  beforeAll(async () => {
    fake = await startFakeSecoda({ scale: 1000, seed: 4 });
  });
  afterAll(() => fake.close());

  it("warns and skips the record that vanished between the list and its detail", async () => {
    let gone: string | undefined;
    // Deletes the first listed document right after the list page arrives, as a user might.
    const fetchAndDelete: FetchLike = async (url, init) => {
      const response = await fetch(url, init);
      if (gone === undefined && new URL(url).pathname === "/api/v1/document/documents") {
        const body = (await response.clone().json()) as { results: { id: string }[] };
        gone = body.results[0]?.id;
        if (gone !== undefined) fake.mutate({ op: "delete", ids: [gone] });
      }
      return response;
    };
    const run = await runSync(fetchAndDelete, {
      config: { api_key: "admin-key", base_url: fake.url },
      catalog: catalogSelecting(["documents"]),
    });
    expect(run.error).toBeUndefined();
    const documents = recordsOf(run.messages, "documents");
    // Deleting a document also removes its child documents (the fake cascades), so count 404s.
    const missing = fake.counters().byStatus["404"] ?? 0;
    expect(missing).toBeGreaterThanOrEqual(1);
    expect(documents).toHaveLength(20 - missing);
    expect(documents.map((d) => d.id)).not.toContain(gone);
    const warnings = run.logs.filter((line) =>
      /WARN .*returned 404 for .*; record skipped/.test(line),
    );
    expect(warnings).toHaveLength(missing);
    const expected = `stream documents: /api/v1/document/documents/{id} returned 404 for ${gone}; record skipped`;
    expect(warnings.some((line) => line.includes(expected))).toBe(true);
  });
});
