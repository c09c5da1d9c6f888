/**
 * Issue #19's soak: the full pipe (tap-secoda | target-postgres, real processes, real pipes)
 * under random connection cuts, lost COMMIT acknowledgements and kill -9 of either process,
 * each iteration resuming from the last STATE the target printed, then a fault-free run; every
 * table must then equal a clean load of the same fake data by content hash (support/soak.ts).
 *
 * Default (`vitest run`): seed 1, a few rounds. `SOAK_MINUTES=n`: rounds until n minutes have
 * passed, with a random seed unless `SOAK_SEED` is set (`npm run soak`). The seed is printed;
 * `SOAK_SEED=n` replays its schedule.
 */
import { randomInt } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeSecoda, startFakeSecoda } from "@repo/fake-secoda";
import { freshSchema, pgUrl, postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAndKill } from "../../e2e/support/interrupt.js";
import { tempDir } from "../support/run.js";
import {
  type Iteration,
  newTally,
  type SoakSetup,
  soakRound,
  type TableHash,
  tableHashes,
} from "../support/soak.js";
import { runTap } from "../support/tap.js";

const unavailable = await postgresUnavailable();
const minutes = Number(process.env.SOAK_MINUTES ?? 0);
const seed = Number(process.env.SOAK_SEED ?? (minutes > 0 ? randomInt(2 ** 31) : 1));
const ROUNDS = 3; // the default run's rounds
const KEY = "soak-admin-key";

describe.skipIf(unavailable !== undefined)(
  "soak: the pipe under cuts, lost acks and kill -9",
  () => {
    let fake: FakeSecoda;
    let clean: TestSchema;
    let expected: Record<string, TableHash>;
    let tapBytes = 0;
    const schemas: TestSchema[] = [];
    // Constant data: no mutations, the fake clock never moves, so every run reads the same records.
    const tapConfig = () => ({
      api_key: KEY,
      base_url: fake.url,
      max_concurrency: 4,
      emit_activate_version_messages: true,
      progress_interval_seconds: 0,
    });
    const targetConfig = { batch_size_rows: 40 };

    beforeAll(async () => {
      fake = await startFakeSecoda({ seed: 19, scale: 300, adminKey: KEY });
      clean = await freshSchema("rel_soak_clean");
      const run = await runAndKill({
        dir: mkdtempSync(join(tmpdir(), "reliability-soak-clean-")),
        tapConfig: tapConfig(),
        targetConfig: {
          ...targetConfig,
          connection_string: pgUrl(),
          default_target_schema: clean.name,
        },
      });
      expect({ tap: run.tapExit.code, target: run.targetExit.code }, run.targetStderr).toEqual({
        tap: 0,
        target: 0,
      });
      // Kills are drawn below the size of a full run's output.
      const alone = await runTap(tempDir("soak-tap"), fake, KEY, { config: tapConfig() });
      expect(alone.status).toBe(0);
      tapBytes = Buffer.byteLength(alone.stdout);
      expected = await tableHashes(clean);
    }, 120_000);

    afterAll(async () => {
      await fake?.close();
      await clean?.drop();
      for (const schema of schemas) await schema.drop();
    });

    it(
      `every table equals a clean load after faulty runs resumed from the last STATE (seed ${seed})`,
      async () => {
        console.log(`soak seed ${seed} (SOAK_SEED=${seed} replays it)`);
        // Several streams of each kind: catalog (split by type), keyed INCREMENTAL, FULL_TABLE.
        expect(Object.keys(expected)).toEqual(
          expect.arrayContaining(["tables", "columns", "users", "custom_properties", "tags"]),
        );
        expect(Object.values(expected).reduce((n, t) => n + t.rows, 0)).toBeGreaterThan(700);
        const setup: SoakSetup = {
          seed,
          tapConfig: tapConfig(),
          targetConfig,
          tapBytes,
          maxFaulty: 6,
          // Cuts only inside a batch transaction: a connection lost elsewhere (DDL, catalog reads,
          // the load history, ACTIVATE_VERSION, connect) is not retried yet (wt-retry's work).
          cutRates: { copy: 0.02, statement: 0.01, commit: 0.03 },
          killRate: 0.6,
        };
        const tally = newTally();
        const started = Date.now();
        for (let round = 0; ; round++) {
          const schema = await freshSchema("rel_soak");
          schemas.push(schema);
          const iterations = await soakRound(setup, schema, round, tally);
          const where = `seed ${seed}, round ${round}:\n${iterations.map(summary).join("\n")}`;
          for (const iteration of iterations) expectSane(iteration, where);
          const last = iterations.at(-1) as Iteration;
          expect({ tap: last.tapExit.code, target: last.targetExit.code }, where).toEqual({
            tap: 0,
            target: 0,
          });
          expect(await tableHashes(schema), where).toEqual(expected);
          await schema.drop();
          schemas.pop();
          const done = minutes > 0 ? Date.now() - started >= minutes * 60_000 : round + 1 >= ROUNDS;
          if (done) {
            console.log(
              `soak seed ${seed}: ${round + 1} rounds, ${tally.iterations} iterations; fired: ${JSON.stringify(Object.fromEntries(tally.fired))}; outcomes: ${JSON.stringify(Object.fromEntries(tally.outcomes))}`,
            );
            return;
          }
        }
      },
      minutes > 0 ? minutes * 60_000 + 600_000 : 240_000,
    );
  },
);

function summary(iteration: Iteration): string {
  const fatal = iteration.targetStderr.split("\n").find((line) => / FATAL /.test(line));
  const e = (x: Iteration["tapExit"]) => x.signal ?? x.code;
  return `  ${iteration.plan} → tap ${e(iteration.tapExit)}, target ${e(iteration.targetExit)}, ${iteration.states.length} STATEs${fatal === undefined ? "" : `; ${fatal.slice(0, 300)}`}`;
}

/** Every iteration: no crash, and a failing target says why in exactly one FATAL line. */
function expectSane(iteration: Iteration, where: string): void {
  expect(iteration.targetStderr, where).not.toMatch(/Unhandled 'error' event|internal error/);
  expect(iteration.tapStderr, where).not.toMatch(/Unhandled 'error' event|internal error/);
  // The tap fails only when its reader went away (EPIPE) or it was killed.
  const tap = iteration.tapExit;
  if (tap.signal !== null) expect(tap.signal, where).toBe("SIGKILL");
  else if (tap.code !== 0) {
    expect(tap.code, where).toBe(1);
    expect(iteration.targetExit, where).not.toEqual({ code: 0, signal: null });
  }
  const { code, signal } = iteration.targetExit;
  if (signal !== null) expect(signal, where).toBe("SIGKILL");
  else if (code !== 0) {
    expect(code, where).toBe(1);
    const fatals = iteration.targetStderr.split("\n").filter((line) => / FATAL /.test(line));
    expect(fatals.length, where).toBe(1);
  }
}
