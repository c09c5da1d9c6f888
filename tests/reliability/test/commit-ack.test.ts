/**
 * Exactly-once commits (issue #19 item 1). A proxy between target-postgres and PostgreSQL lets
 * the server COMMIT a batch and cuts the connection before the target reads COMMIT's answer: the
 * outcome is unknown to the target, which must check (its commit marker) instead of replaying.
 * Every stream kind must end exact, `_sdc_loads` must count what committed, and the messages must
 * say what is known.
 */
import { pgConfigFromEnv, pgUrl, postgresUnavailable } from "@repo/pg-testing";
import { describe, expect, it } from "vitest";
import { type CommitCut, CommitCutProxy } from "../support/proxy.js";
import { fatals, runTarget, states, tempDir } from "../support/run.js";
import { idStream, range } from "../support/stream.js";
import { schemaPerTest } from "../support/warehouse.js";

const unavailable = await postgresUnavailable();
const TOTAL = 5000;

/** `TOTAL` records of stream `s` (keyed by `id` or keyless), a STATE every 500. */
const input = (keyed: boolean) => idStream(range(1, TOTAL), { keyed });

describe.skipIf(unavailable !== undefined)("a COMMIT whose acknowledgement is lost", () => {
  const dir = tempDir("commit-ack");
  const schema = schemaPerTest("rel_ack");

  async function load(
    keyed: boolean,
    settings: Record<string, unknown>,
    plan: { cut: number[]; mode: CommitCut },
  ) {
    const proxy = new CommitCutProxy(pgConfigFromEnv(), plan);
    await proxy.start();
    try {
      const config = {
        connection_string: proxy.url(pgUrl()),
        default_target_schema: schema.name,
        batch_size_rows: 1000,
        ...settings,
      };
      const result = await runTarget(dir, config, { text: input(keyed) });
      return { ...result, cuts: proxy.cuts };
    } finally {
      await proxy.stop();
    }
  }

  async function table() {
    const [row] = await schema.query<{ n: number; d: number; sum: string }>(
      `select count(*)::int n, count(distinct id)::int d, coalesce(sum(id), 0)::text sum from "${schema.name}".s`,
    );
    return row;
  }

  async function history() {
    return schema.query<{ outcome: string; streams: unknown }>(
      `select outcome, streams from "${schema.name}"._sdc_loads`,
    );
  }

  const exact = { n: TOTAL, d: TOTAL, sum: String((TOTAL * (TOTAL + 1)) / 2) };
  const cases = [
    { name: "a keyless stream", keyed: false, settings: {} },
    { name: "load_method append-only", keyed: true, settings: { load_method: "append-only" } },
    { name: "a keyed upsert stream", keyed: true, settings: {} },
  ];
  for (const { name, keyed, settings } of cases) {
    it(`${name}: the batch is not replayed, the table ends exact, _sdc_loads counts ${TOTAL} inserted`, async () => {
      const result = await load(keyed, settings, { cut: [2, 4], mode: "ack" });
      expect(result.cuts).toBe(2);
      expect(fatals(result.stderr)).toEqual([]);
      expect(result.status).toBe(0);
      expect(result.stderr).toMatch(
        /lost its connection \(.*\); outcome checked: batch 2 of load [0-9a-f-]+ \(\S+\._sdc_commits\) committed \(its marker is there\), not replayed/,
      );
      expect(result.stderr).not.toMatch(/retrying from a new transaction/);
      expect(await table()).toEqual(exact);
      expect(await history()).toEqual([
        {
          outcome: "succeeded",
          streams: { s: { rows: TOTAL, inserted: TOTAL, updated: 0, deleted: 0 } },
        },
      ]);
      expect(states(result.stdout).at(-1)).toEqual({ upto: TOTAL });
      // The run's markers are removed at its end.
      const [markers] = await schema.query<{ n: number }>(
        `select count(*)::int n from "${schema.name}"._sdc_commits`,
      );
      expect(markers?.n).toBe(0);
    });
  }

  it("flush_retries 0 and the ack lost: the batch committed, so the run goes on, exit 0, exact", async () => {
    const result = await load(false, { flush_retries: 0 }, { cut: [2], mode: "ack" });
    expect(result.cuts).toBe(1);
    expect(fatals(result.stderr)).toEqual([]);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/outcome checked: batch 2 of load \S+ \(\S+\) committed/);
    expect(await table()).toEqual(exact);
  });

  it("flush_retries 0 and the connection cut before COMMIT: exit 1, the FATAL says not committed (checked), and it is true", async () => {
    const result = await load(false, { flush_retries: 0 }, { cut: [2], mode: "before" });
    expect(result.cuts).toBe(1);
    expect(result.status).toBe(1);
    expect(fatals(result.stderr)).toEqual([
      expect.stringMatching(
        new RegExp(
          `FATAL target-postgres {2}table ${schema.name}\\.s: stream s: .*; not committed \\(checked: no marker of batch 2 of load \\S+ \\(${schema.name}\\._sdc_commits\\)\\)$`,
        ),
      ),
    ]);
    // Batch 1 (ids 1..1000) committed, batch 2 did not; the STATE printed is covered.
    expect(await table()).toEqual({ n: 1000, d: 1000, sum: String((1000 * 1001) / 2) });
    expect(states(result.stdout)).toEqual([{ upto: 1000 }]);
    expect(await history()).toEqual([
      {
        outcome: "failed",
        streams: { s: { rows: 1000, inserted: 1000, updated: 0, deleted: 0 } },
      },
    ]);
  });

  it("a keyed rerun over loaded rows with acks lost: nothing changes, _sdc_loads counts 0 inserted, 0 updated", async () => {
    const first = await load(true, {}, { cut: [], mode: "ack" });
    expect(first.status).toBe(0);
    const second = await load(true, {}, { cut: [1, 3, 5], mode: "ack" });
    expect(second.cuts).toBe(3);
    expect(second.status).toBe(0);
    expect(await table()).toEqual(exact);
    const runs = await schema.query<{ streams: unknown }>(
      `select streams from "${schema.name}"._sdc_loads order by started_at`,
    );
    expect(runs.at(-1)?.streams).toEqual({
      s: { rows: TOTAL, inserted: 0, updated: 0, deleted: 0 },
    });
  });
});
