import { type FakeSecoda, startFakeSecoda } from "@repo/fake-secoda";
import { freshSchema, pgUrl, postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import type { SingerMessage } from "@singerkit/singer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bins } from "../support/bins.js";
import { type PipeRun, runPipe } from "../support/pipe.js";
import { run as runProcess } from "../support/run.js";
import { tableRows } from "../support/warehouse.js";

const unavailable = await postgresUnavailable();

/** resources is split by entity type across partitions; tables and integrations go to 1/4. */
const SELECT = "resources,tabl?s,integ*";
const STREAMS = ["integrations", "resources", "tables"];

/** Every RECORD id per stream, duplicates kept (so a record read twice shows). */
function emittedIds(messages: readonly SingerMessage[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const message of messages) {
    if (message.type !== "RECORD") continue;
    const ids = out.get(message.stream) ?? [];
    ids.push(String(message.record.id));
    out.set(message.stream, ids);
  }
  return out;
}

async function loadedIds(schema: TestSchema, stream: string): Promise<string[]> {
  return (await tableRows(schema, stream)).map((row) => String(row.id)).sort();
}

describe.skipIf(unavailable !== undefined)("fan-out: 4 partitions in parallel = one run", () => {
  let fake: FakeSecoda;
  let whole: TestSchema;
  let fanned: TestSchema;
  let one: PipeRun;
  let parts: PipeRun[];

  beforeAll(async () => {
    fake = await startFakeSecoda({ seed: 16, scale: 1500, adminKey: "e2e-admin-key" });
    whole = await freshSchema("e2e_fan_whole");
    fanned = await freshSchema("e2e_fan_parts");
    const tapConfig = { api_key: "e2e-admin-key", base_url: fake.url };
    one = await runPipe({
      tapConfig,
      targetConfig: { connection_string: pgUrl(), default_target_schema: whole.name },
      env: { TAP_SECODA_SELECT: SELECT },
    });
    // Four real tap | target pipes at once, all into the same schema.
    parts = await Promise.all(
      [1, 2, 3, 4].map((index) =>
        runPipe({
          tapConfig,
          targetConfig: { connection_string: pgUrl(), default_target_schema: fanned.name },
          env: { TAP_SECODA_SELECT: SELECT, TAP_SECODA_PARTITION: `${index}/4` },
        }),
      ),
    );
  }, 240_000);

  afterAll(async () => {
    await whole?.drop();
    await fanned?.drop();
    await fake?.close();
  });

  it("every pipe exits 0", () => {
    for (const run of [one, ...parts]) {
      expect({
        tap: run.tapStatus,
        target: run.targetStatus,
        err: run.tapStderr.slice(-400),
      }).toMatchObject({ tap: 0, target: 0 });
    }
  });

  it("the partitions emit each record of one run exactly once, and split resources 4 ways", () => {
    const expected = emittedIds(one.tapMessages);
    expect([...expected.keys()].sort()).toEqual(STREAMS);
    const perPart = parts.map((run) => emittedIds(run.tapMessages));
    for (const stream of STREAMS) {
      const union = perPart.flatMap((ids) => ids.get(stream) ?? []).sort();
      expect(union, stream).toEqual([...(expected.get(stream) ?? [])].sort());
    }
    for (const ids of perPart) expect(ids.get("resources")?.length ?? 0).toBeGreaterThan(0);
    expect(perPart.slice(1).every((ids) => !ids.has("tables") && !ids.has("integrations"))).toBe(
      true,
    );
  });

  it("loads the same ids into Postgres as one run (compared per stream)", async () => {
    for (const stream of STREAMS) {
      const ids = await loadedIds(fanned, stream);
      expect(ids, stream).toEqual(await loadedIds(whole, stream));
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it("each partition's final STATE names its partition", () => {
    const last = parts.map((run) => run.targetStates.at(-1) as { partition?: string });
    expect(last.map((state) => state.partition)).toEqual(["1/4", "2/4", "3/4", "4/4"]);
  });

  it("--select with a name that matches no stream exits 2 naming it", async () => {
    const result = await runProcess(
      process.execPath,
      [bins.tap, "--select", "tables,tabels", "--partition", "1/4"],
      { env: { ...process.env, TAP_SECODA_API_KEY: "k", TAP_SECODA_BASE_URL: fake.url } },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('select: "tabels" matches no stream of the catalog');
  });
});
