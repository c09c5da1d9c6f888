import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeSecoda, startFakeSecoda } from "@repo/fake-secoda";
import { freshSchema, pgUrl, postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import type { SingerMessage } from "@singerkit/singer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bins } from "../support/bins.js";
import { runAndKill } from "../support/interrupt.js";
import { parseMessages, runPipe } from "../support/pipe.js";
import { run } from "../support/run.js";
import { sourceDifferences } from "../support/warehouse.js";

const unavailable = await postgresUnavailable();

/**
 * kill -9 at several points of a large sync, then rerun from the last STATE the target printed:
 * the tables must equal the source, with no duplicate keys and no lost rows.
 */
describe.skipIf(unavailable !== undefined)("interrupted syncs resume with nothing lost", () => {
  let fake: FakeSecoda;
  let reference: SingerMessage[];
  const tapConfig = () => ({ api_key: "kill-admin", base_url: fake.url, max_concurrency: 2 });

  beforeAll(async () => {
    fake = await startFakeSecoda({ seed: 23, scale: 4000, adminKey: "kill-admin" });
    const dir = mkdtempSync(join(tmpdir(), "e2e-reference-"));
    writeFileSync(join(dir, "tap.json"), JSON.stringify(tapConfig()));
    const full = await run(process.execPath, [bins.tap, "--config", join(dir, "tap.json")]);
    expect(full.status).toBe(0);
    reference = await parseMessages(full.stdout);
  });

  afterAll(async () => {
    await fake?.close();
  });

  async function expectEqualsSource(schema: TestSchema) {
    // A resumed load must never hold a duplicate key: sourceDifferences throws on one.
    expect((await sourceDifferences(schema, reference)).slice(0, 10)).toEqual([]);
  }

  const points = [
    { who: "target", afterBytes: 400_000 },
    { who: "target", afterStates: 3 },
    { who: "tap", afterBytes: 300_000 },
    { who: "tap", afterBytes: 2_500_000 },
  ] as const;

  it.each(points)("kill -9 at %o, then resume from the last printed STATE", async (point) => {
    const schema = await freshSchema("e2e_kill");
    try {
      const targetConfig = {
        connection_string: pgUrl(),
        default_target_schema: schema.name,
        batch_size_rows: 400,
      };
      const dir = mkdtempSync(join(tmpdir(), "e2e-kill-"));
      const killed = await runAndKill({ dir, tapConfig: tapConfig(), targetConfig, kill: point });
      if (point.who === "target") expect(killed.targetExit.signal).toBe("SIGKILL");
      else expect(killed.tapExit.signal).toBe("SIGKILL");
      // The late target kill comes after commits: the resume starts from a printed STATE.
      if ("afterStates" in point)
        expect(killed.states.length).toBeGreaterThanOrEqual(point.afterStates);
      const last = killed.states.at(-1);
      const resumed = await runPipe({
        tapConfig: tapConfig(),
        targetConfig,
        ...(last === undefined ? {} : { state: last as object }),
      });
      expect(
        { tap: resumed.tapStatus, target: resumed.targetStatus },
        resumed.targetStderr.slice(-300),
      ).toEqual({
        tap: 0,
        target: 0,
      });
      await expectEqualsSource(schema);
    } finally {
      await schema.drop();
    }
  });
});
