import { PassThrough } from "node:stream";
import { type Clock, LoadError, Logger } from "@singerkit/singer";
import { describe, expect, it } from "vitest";
import type { CommitOutcome } from "./commit-markers.js";
import { DbError } from "./db.js";
import { commitExactlyOnce } from "./retry.js";

const counts = { inserted: 3, updated: 0, deleted: 0 };

function harness(retries: number) {
  const out = new PassThrough();
  let text = "";
  out.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  const slept: number[] = [];
  const clock: Clock = {
    now: () => 0,
    sleep: async (ms) => {
      slept.push(ms);
    },
  };
  const log = new Logger({ name: "t", out });
  return { options: { retries, clock, log }, slept, stderr: () => text };
}

const lost = () => new DbError("Connection terminated unexpectedly", {}, new Error("reset"));
const target = { stream: "s", label: "x.s" };

/** A batch whose transaction fails on its connection `failures` times; markers as given. */
function batch(failures: number, outcomes: (CommitOutcome | Error)[]) {
  const calls = { run: 0, check: 0 };
  return {
    calls,
    batch: {
      run: async () => {
        calls.run += 1;
        if (calls.run <= failures) throw lost();
        return counts;
      },
      check: async () => {
        const next = outcomes[calls.check];
        calls.check += 1;
        if (next === undefined || next instanceof Error) throw next ?? new Error("no outcome");
        return next;
      },
      fromMarker: (outcome: CommitOutcome & { committed: true }) => outcome.counts,
      name: "batch 7 of load L",
    },
  };
}

describe("commitExactlyOnce", () => {
  it("a lost connection whose marker is there: committed, not replayed, counts from the marker", async () => {
    const h = harness(3);
    const marker = { committed: true as const, counts: { inserted: 2, updated: 1, deleted: 0 } };
    const b = batch(1, [marker]);
    expect(await commitExactlyOnce(b.batch, target, h.options)).toEqual(marker.counts);
    expect(b.calls).toEqual({ run: 1, check: 1 });
    expect(h.stderr()).toMatch(/outcome checked: batch 7 of load L committed .*not replayed/);
  });

  it("no marker: replayed after a backoff; past flush_retries the error says not committed", async () => {
    const h = harness(1);
    const b = batch(5, [{ committed: false }, { committed: false }]);
    const error = await commitExactlyOnce(b.batch, target, h.options).catch((e: unknown) => e);
    expect(b.calls).toEqual({ run: 2, check: 2 });
    expect(h.slept).toEqual([500]);
    expect(error).toBeInstanceOf(LoadError);
    expect((error as LoadError).describe()).toBe(
      "table x.s: stream s: lost the database connection: Connection terminated unexpectedly; not committed (checked: no marker of batch 7 of load L) (gave up after 2 attempts, flush_retries is 1)",
    );
  });

  it("the marker cannot be read: outcome unknown, with what was checked", async () => {
    const h = harness(0);
    const b = batch(1, [lost()]);
    const error = (await commitExactlyOnce(b.batch, target, h.options).catch(
      (e: unknown) => e,
    )) as LoadError;
    expect(error.message).toMatch(
      /; outcome unknown, checked: could not read the marker of batch 7 of load L in 1 attempt\(s\) \(Connection terminated unexpectedly\); rerun from the last STATE$/,
    );
    expect(error.message).not.toMatch(/not committed|nothing/);
  });

  it("the marker read fails once, then finds the batch committed", async () => {
    const h = harness(2);
    const b = batch(1, [lost(), { committed: true, counts }]);
    expect(await commitExactlyOnce(b.batch, target, h.options)).toEqual(counts);
    expect(b.calls).toEqual({ run: 1, check: 2 });
    expect(h.slept).toEqual([500]);
  });

  it("a statement error is not a connection loss: no check, no replay", async () => {
    const h = harness(3);
    const failing = new DbError("syntax error", { code: "42601" }, undefined);
    const check = async (): Promise<CommitOutcome> => ({ committed: false });
    const run = async () => {
      throw failing;
    };
    await expect(
      commitExactlyOnce({ run, check, fromMarker: () => counts, name: "b" }, target, h.options),
    ).rejects.toBe(failing);
  });
});
