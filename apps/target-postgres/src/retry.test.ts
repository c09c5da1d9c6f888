import { PassThrough } from "node:stream";
import { type Clock, LoadError, Logger } from "@singerkit/singer";
import { describe, expect, it } from "vitest";
import type { CommitOutcome } from "./commit-markers.js";
import { ConnectError, DbError } from "./db.js";
import { commitExactlyOnce, retryIdempotent } from "./retry.js";

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

describe("commitExactlyOnce after a deadlock or serialization failure", () => {
  for (const code of ["40P01", "40001"]) {
    it(`${code}: rolled back for sure, replayed without reading the marker`, async () => {
      const h = harness(2);
      let runs = 0;
      const check = async (): Promise<CommitOutcome> => {
        throw new Error("the marker must not be read");
      };
      const run = async () => {
        runs += 1;
        if (runs === 1) throw new DbError("deadlock detected", { code }, undefined);
        return counts;
      };
      const b = { run, check, fromMarker: () => counts, name: "b" };
      expect(await commitExactlyOnce(b, target, h.options)).toEqual(counts);
      expect(runs).toBe(2);
      expect(h.slept).toEqual([500]);
      expect(h.stderr()).toMatch(
        /flush of x\.s was rolled back \(deadlock detected\); retrying from a new transaction in 500 ms \(attempt 2 of 3\)/,
      );
    });
  }

  it("rolled back on every attempt: the FATAL names the table and the attempts", async () => {
    const h = harness(1);
    const run = async (): Promise<typeof counts> => {
      throw new DbError("deadlock detected", { code: "40P01" }, undefined);
    };
    const check = async (): Promise<CommitOutcome> => ({ committed: false });
    const error = (await commitExactlyOnce(
      { run, check, fromMarker: () => counts, name: "b" },
      target,
      h.options,
    ).catch((e: unknown) => e)) as LoadError;
    expect(error.describe()).toBe(
      "table x.s: stream s: deadlock detected (gave up after 2 attempts, flush_retries is 1)",
    );
  });
});

describe("retryIdempotent", () => {
  const call = { doing: "reading the table from the catalog", label: "x.s", stream: "s", line: 4 };

  it("reruns after a lost connection, with a WARN per retry and backoff on the clock", async () => {
    const h = harness(3);
    let runs = 0;
    const result = await retryIdempotent(
      call,
      async () => {
        runs += 1;
        if (runs <= 2) throw lost();
        return "read";
      },
      h.options,
    );
    expect(result).toBe("read");
    expect(h.slept).toEqual([500, 1000]);
    const warns = h
      .stderr()
      .split("\n")
      .filter((line) => line.includes(" WARN "));
    expect(warns.map((line) => line.replace(/^.* WARN +t +/, ""))).toEqual([
      "table x.s: line 4, stream s: reading the table from the catalog failed (Connection terminated unexpectedly); retrying (attempt 2 of 4) in 500 ms",
      "table x.s: line 4, stream s: reading the table from the catalog failed (Connection terminated unexpectedly); retrying (attempt 3 of 4) in 1000 ms",
    ]);
  });

  it("gives up after flush_retries: table, line, stream, cause, what it did and what is known", async () => {
    const h = harness(1);
    const refused = new ConnectError(
      "could not connect to PostgreSQL: connect ECONNREFUSED 127.0.0.1:9",
      undefined,
      true,
      undefined,
    );
    const error = (await retryIdempotent(
      { ...call, known: "nothing was changed" },
      async () => {
        throw refused;
      },
      h.options,
    ).catch((e: unknown) => e)) as LoadError;
    expect(error).toBeInstanceOf(LoadError);
    expect(error.cause).toBe(refused);
    expect(error.describe()).toBe(
      "table x.s: line 4, stream s: could not connect to PostgreSQL: connect ECONNREFUSED 127.0.0.1:9; reading the table from the catalog: gave up after 2 attempts (flush_retries is 1); nothing was changed",
    );
  });

  it.each([
    ["a statement error", new DbError("syntax error", { code: "42601" }, undefined)],
    [
      "a rejected password",
      new ConnectError("password authentication failed", "28P01", false, undefined),
    ],
    ["a TLS failure", new ConnectError("certificate not trusted", undefined, false, undefined)],
  ])("%s is not retried", async (_name, failure) => {
    const h = harness(3);
    let runs = 0;
    const work = async () => {
      runs += 1;
      throw failure;
    };
    await expect(retryIdempotent(call, work, h.options)).rejects.toBe(failure);
    expect(runs).toBe(1);
  });

  it("a deadlock is rerun like a lost connection", async () => {
    const h = harness(1);
    let runs = 0;
    const work = async () => {
      runs += 1;
      if (runs === 1) throw new DbError("deadlock detected", { code: "40P01" }, undefined);
      return runs;
    };
    expect(await retryIdempotent(call, work, h.options)).toBe(2);
  });

  it("rerunAfter narrows what is rerun (before_run_sql: only a failed connect)", async () => {
    const h = harness(3);
    const connectOnly = (error: unknown) => error instanceof ConnectError && error.transient;
    const failure = lost(); // the statement was sent: not rerun
    await expect(
      retryIdempotent(
        { ...call, rerunAfter: connectOnly },
        async () => {
          throw failure;
        },
        h.options,
      ),
    ).rejects.toBe(failure);
    let runs = 0;
    const refusedOnce = async () => {
      runs += 1;
      if (runs === 1) throw new ConnectError("could not connect", undefined, true, undefined);
      return "ran";
    };
    expect(
      await retryIdempotent({ ...call, rerunAfter: connectOnly }, refusedOnce, h.options),
    ).toBe("ran");
  });
});
