/**
 * SIGTERM / SIGINT to the real bins mid-run. target-postgres must finish or roll back the flush
 * in flight, print the last committed STATE, exit 143 / 130, and leave data from which a rerun
 * from that STATE ends with exactly the source. tap-secoda must stop cleanly: exit 143 / 130,
 * only complete Singer lines on stdout, no stack trace.
 */
import { spawn } from "node:child_process";
import { type FakeSecoda, startFakeSecoda } from "@repo/fake-secoda";
import { freshSchema, pgUrl, postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bins } from "../support/bins.js";
import { runTarget, states, tempDir, writeJson } from "../support/run.js";
import { startTarget, until } from "../support/spawned.js";
import { syntheticStream } from "../support/stream.js";
import { fastRetries } from "../support/tap.js";

const unavailable = await postgresUnavailable();
const TOTAL = 120_000;
const codes = { SIGTERM: 143, SIGINT: 130 } as const;

describe.skipIf(unavailable !== undefined)("target-postgres on a signal mid-load", () => {
  const dir = tempDir("signals-target");
  let schema: TestSchema;
  beforeEach(async () => {
    await schema?.drop();
    schema = await freshSchema("rel_sig");
  });
  afterAll(async () => {
    await schema?.drop();
  });

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`${signal}: exit ${codes[signal]}, last STATE printed is committed, a rerun ends exact`, async () => {
      const target = startTarget(
        dir,
        { connection_string: pgUrl(), default_target_schema: schema.name, batch_size_rows: 15_000 },
        syntheticStream({ name: "big", count: TOTAL, every: 1000 }),
      );
      expect(await until(() => target.stdout().includes("\n"))).toBe(true);
      target.child.kill(signal);
      const exit = await target.exit;
      expect(exit).toEqual({ code: codes[signal], signal: null });
      expect(target.stderr()).not.toMatch(/\n\s+at /);
      const printed = states(target.stdout());
      expect(printed.length).toBeGreaterThan(0);
      const rows = await schema.query<{ id: string }>(`select id::text from "${schema.name}".big`);
      const committed = new Set(rows.map((r) => Number(r.id)));
      const last = (printed.at(-1) as { upto: number }).upto;
      let missing = 0;
      for (let id = 1; id <= last; id++) if (!committed.has(id)) missing++;
      expect(missing).toBe(0);
      // The STATE printed last is the newest one whose records are all committed.
      const newest = Math.max(
        0,
        ...Array.from({ length: TOTAL / 1000 }, (_, i) => (i + 1) * 1000).filter((upto) => {
          for (let id = upto - 999; id <= upto; id++) if (!committed.has(id)) return false;
          return true;
        }),
      );
      expect(last).toBeGreaterThanOrEqual(newest - (newest % 1000));
      const rerun = await runTarget(
        dir,
        { connection_string: pgUrl(), default_target_schema: schema.name },
        {
          text: syntheticStream({ name: "big", from: last + 1, count: TOTAL - last, every: 1000 }),
        },
      );
      expect(rerun.status).toBe(0);
      const all = await schema.query<{ n: number; sum: string }>(
        `select count(*)::int n, sum(id)::text sum from "${schema.name}".big`,
      );
      expect(all[0]).toEqual({ n: TOTAL, sum: String((TOTAL * (TOTAL + 1)) / 2) });
    });
  }
});

describe.skipIf(unavailable !== undefined)(
  "target-postgres on a signal while its input is idle",
  () => {
    const dir = tempDir("signals-idle");
    let schema: TestSchema;
    beforeAll(async () => {
      schema = await freshSchema("rel_sig_idle");
    });
    afterAll(async () => {
      await schema?.drop();
    });

    it("SIGTERM with rows buffered (stdin still open): commits them, prints their STATE, exits 143", async () => {
      // A SCHEMA creates its table as soon as it is read: the `barrier` table appearing proves
      // every line before it was read and processed.
      const barrier = JSON.stringify({
        type: "SCHEMA",
        stream: "barrier",
        schema: { type: "object", properties: { id: { type: "integer" } } },
        key_properties: ["id"],
      });
      const input = `${syntheticStream({ name: "idle", count: 500, every: 500 })}${barrier}\n`;
      const target = startTarget(
        dir,
        {
          connection_string: pgUrl(),
          default_target_schema: schema.name,
          batch_max_age_seconds: 3600,
        },
        input,
        { keepOpen: true },
      );
      expect(await until(async () => (await schema.tables()).includes("barrier"), 500, 20)).toBe(
        true,
      );
      expect(target.stdout()).toBe("");
      target.child.kill("SIGTERM");
      expect(await target.exit).toEqual({ code: 143, signal: null });
      expect(states(target.stdout())).toEqual([{ upto: 500 }]);
      expect(await schema.count("idle")).toBe(500);
    });
  },
);

describe("tap-secoda on a signal mid-sync", () => {
  let fake: FakeSecoda;
  const dir = tempDir("signals-tap");
  beforeAll(async () => {
    fake = await startFakeSecoda({ seed: 4, scale: 100, apiKey: "k", adminKey: "admin-k" });
    // Every response is slow, so the sync is still running when the signal arrives.
    fake.setFaults({ slow: { delayMs: 300 } });
  });
  afterAll(async () => {
    await fake?.close();
  });

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`${signal}: exit ${codes[signal]}, only complete Singer lines, no stack trace`, async () => {
      const config = writeJson(dir, "tap.json", {
        api_key: "admin-k",
        base_url: fake.url,
        ...fastRetries,
        request_timeout: 30,
      });
      const child = spawn(process.execPath, [bins.tap, "--config", config], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
      });
      child.stderr.on("data", (chunk: Buffer) => {
        err += chunk.toString();
      });
      const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on("close", (code, sig) => resolve({ code, signal: sig })),
      );
      expect(await until(() => out.includes('"RECORD"'), 3000)).toBe(true);
      child.kill(signal);
      expect(await exit).toEqual({ code: codes[signal], signal: null });
      expect(out.endsWith("\n")).toBe(true);
      for (const line of out.split("\n").filter((l) => l !== ""))
        expect(() => JSON.parse(line), line.slice(0, 80)).not.toThrow();
      expect(err).not.toMatch(/\n\s+at /);
    });
  }
});
