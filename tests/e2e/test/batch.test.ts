import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type FakeSecoda, startFakeSecoda } from "@repo/fake-secoda";
import { freshSchema, pgUrl, postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PipeRun, runPipe } from "../support/pipe.js";
import { tableRows } from "../support/warehouse.js";

const unavailable = await postgresUnavailable();
const STREAMS = ["tables", "columns", "tags", "users"];

/** A STATE with every deletion sweep's `swept_at` (the wall-clock time of its read) erased. */
function sweptAtErased(state: unknown): unknown {
  return JSON.parse(JSON.stringify(state), (key, value) => (key === "swept_at" ? "…" : value));
}

/**
 * BATCH through the real pipe: tap-secoda with `batch_config` writes its records to jsonl.gz
 * files and sends BATCH messages; target-postgres loads them. The tables equal those of the same
 * sync sent as RECORD messages, and the target's STATEs are the same.
 */
describe.skipIf(unavailable !== undefined)("tap-secoda batch_config | target-postgres", () => {
  let fake: FakeSecoda;
  const schemas: TestSchema[] = [];
  let records: PipeRun;
  let batches: PipeRun;
  let folder: string;

  beforeAll(async () => {
    fake = await startFakeSecoda({ seed: 5, scale: 1000, adminKey: "e2e-admin-key" });
    const tapConfig = { api_key: "e2e-admin-key", base_url: fake.url, select: STREAMS.join(",") };
    const into = async (name: string) => {
      const schema = await freshSchema(name);
      schemas.push(schema);
      return { connection_string: pgUrl(), default_target_schema: schema.name };
    };
    folder = mkdtempSync(join(tmpdir(), "e2e-batch-files-"));
    records = await runPipe({ tapConfig, targetConfig: await into("e2e_records") });
    batches = await runPipe({
      tapConfig: {
        ...tapConfig,
        batch_config: {
          encoding: { format: "jsonl", compression: "gzip" },
          storage: { root: pathToFileURL(folder).href, prefix: "e2e-" },
          batch_size: 100,
        },
      },
      targetConfig: await into("e2e_batches"),
    });
  }, 300_000);

  afterAll(async () => {
    await fake?.close();
    await Promise.all(schemas.map((schema) => schema.drop()));
  });

  it("sends BATCH messages instead of RECORDs, a STATE after the BATCH of the records before it", () => {
    expect(batches.tapStatus, batches.tapStderr).toBe(0);
    expect(batches.targetStatus, batches.targetStderr).toBe(0);
    const types = batches.tapMessages.map((message) => message.type);
    expect(types).not.toContain("RECORD");
    expect(types.filter((type) => type === "BATCH").length).toBeGreaterThan(STREAMS.length);
    expect(readdirSync(folder).every((name) => /^e2e-\w+-.*\.jsonl\.gz$/.test(name))).toBe(true);
    // The same bookmarks, and the same ids known to the deletion sweep; only the moment each
    // sweep read its list differs between the two runs.
    expect(sweptAtErased(batches.targetStates.at(-1))).toEqual(
      sweptAtErased(records.targetStates.at(-1)),
    );
  });

  it("loads tables equal to those of the RECORD run", async () => {
    const [viaRecords, viaBatches] = schemas;
    if (viaRecords === undefined || viaBatches === undefined) throw new Error("no schemas");
    const sorted = (rows: Record<string, unknown>[]) =>
      rows.map(({ _sdc_table_version: _version, ...row }) => JSON.stringify(row)).sort();
    for (const stream of STREAMS) {
      const expected = sorted(await tableRows(viaRecords, stream));
      expect(expected.length, stream).toBeGreaterThan(0);
      expect(sorted(await tableRows(viaBatches, stream)), stream).toEqual(expected);
    }
  });
});
