import type { JsonObject } from "@singerkit/singer";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StateTracker } from "./state-tracker.js";

/**
 * A step of a run, as the run loop and the loaders drive the tracker:
 *  "r:a"  a RECORD of stream a        "s:1"  a STATE {n: 1}
 *  "seal:a"  a's batch starts committing   "commit"  the oldest sealed flush committed
 *  "flush:a,b"  seal a and b, then commit them together (one flush)
 */
function run(steps: readonly string[]) {
  const emitted: JsonObject[] = [];
  const tracker = new StateTracker((value) => emitted.push(value));
  const sealed: number[][] = [];
  const out: string[] = [];
  for (const step of steps) {
    const [kind, arg = ""] = step.split(":");
    const before = emitted.length;
    if (kind === "r") tracker.recordSeen(arg);
    else if (kind === "s") tracker.stateSeen({ n: Number(arg) });
    else if (kind === "seal") sealed.push(tickets(tracker, arg));
    else if (kind === "commit") tracker.committed(sealed.shift() ?? []);
    else if (kind === "flush") tracker.committed(tickets(tracker, arg));
    for (const value of emitted.slice(before)) out.push(`${step}→${value.n}`);
  }
  return { out, pending: tracker.pendingCount };
}

function tickets(tracker: StateTracker, streams: string): number[] {
  return streams.split(",").flatMap((stream) => {
    const ticket = tracker.seal(stream);
    return ticket === undefined ? [] : [ticket];
  });
}

describe("StateTracker (decisions: STATE after commit)", () => {
  it.each([
    ["a STATE with nothing buffered is written at once", ["s:1"], ["s:1→1"]],
    ["a STATE waits for the records before it", ["r:a", "s:1", "flush:a"], ["flush:a→1"]],
    [
      "a STATE between records of two streams waits for both",
      ["r:a", "r:b", "s:1", "flush:a", "flush:b"],
      ["flush:b→1"],
    ],
    [
      "records after a STATE do not hold it back",
      ["r:a", "s:1", "r:b", "flush:a", "flush:b"],
      ["flush:a→1"],
    ],
    [
      "only the newest safe STATE is written (older ones superseded)",
      ["r:a", "s:1", "r:a", "s:2", "r:a", "s:3", "flush:a"],
      ["flush:a→3"],
    ],
    [
      "every STATE when each record commits before the next STATE (batch of 1)",
      ["r:a", "flush:a", "s:1", "r:b", "flush:b", "s:2"],
      ["s:1→1", "s:2→2"],
    ],
    [
      "a sealed batch still blocks until its commit",
      ["r:a", "s:1", "seal:a", "r:a", "s:2", "commit", "flush:a"],
      ["commit→1", "flush:a→2"],
    ],
    [
      "a new batch of the same stream opened while the old one commits keeps its later STATE back",
      ["r:a", "seal:a", "r:a", "s:1", "commit"],
      [],
    ],
    ["an unchanged state is not repeated", ["s:1", "s:1", "r:a", "s:1", "flush:a"], ["s:1→1"]],
    [
      "a state equal to an earlier, non-adjacent one is written again",
      ["s:1", "s:2", "s:1"],
      ["s:1→1", "s:2→2", "s:1→1"],
    ],
    [
      "multiple_state_messages with one commit for both streams: the last state only",
      ["r:a", "s:1", "r:a", "r:b", "s:2", "r:a", "r:b", "s:3", "r:a", "flush:a,b"],
      ["flush:a,b→3"],
    ],
    ["a flush without records changes nothing", ["s:1", "flush:a"], ["s:1→1"]],
  ])("%s", (_name, steps, expected) => {
    expect(run(steps).out).toEqual(expected);
  });

  it("blockingStreams: the streams whose open batch holds records before the newest STATE", () => {
    const tracker = new StateTracker(() => undefined);
    expect(tracker.blockingStreams()).toEqual([]);
    tracker.recordSeen("a");
    tracker.recordSeen("b");
    tracker.stateSeen({ n: 1 });
    tracker.recordSeen("c");
    expect(tracker.blockingStreams()).toEqual(["a", "b"]);
    tracker.stateSeen({ n: 2 });
    expect(tracker.blockingStreams()).toEqual(["a", "b", "c"]);
    tracker.committed(
      [tracker.seal("a"), tracker.seal("b"), tracker.seal("c")].flatMap((t) =>
        t === undefined ? [] : [t],
      ),
    );
    expect(tracker.blockingStreams()).toEqual([]);
  });

  it("keeps few pending states when a tap sends a STATE after every record", () => {
    const steps: string[] = [];
    for (let i = 1; i <= 10_000; i += 1) steps.push(`r:${i % 3 === 0 ? "b" : "a"}`, `s:${i}`);
    const { out, pending } = run(steps);
    expect(out).toEqual([]);
    expect(pending).toBeLessThanOrEqual(3);
    const done = run([...steps, "flush:a,b"]);
    expect(done.out).toEqual(["flush:a,b→10000"]);
  });

  it("written states are input states, in order, never before their records commit (property)", () => {
    const step = fc.oneof(
      fc.constantFrom("r:a", "r:b", "r:c", "s", "flush:a", "flush:b", "flush:c", "flush:a,b,c"),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (raw) => {
        let n = 0;
        const steps = raw.map((s) => (s === "s" ? `s:${++n}` : s));
        const emitted: number[] = [];
        const tracker = new StateTracker((value) => emitted.push(Number(value.n)));
        const uncommitted = new Map<string, number>(); // stream → records not yet committed
        const need = new Map<number, Set<string>>(); // state → streams it waits for
        for (const s of [...steps, "flush:a,b,c"]) {
          const [kind, arg = ""] = s.split(":");
          const before = emitted.length;
          if (kind === "r") {
            tracker.recordSeen(arg);
            uncommitted.set(arg, (uncommitted.get(arg) ?? 0) + 1);
          } else if (kind === "s") {
            need.set(Number(arg), new Set([...uncommitted.keys()]));
            tracker.stateSeen({ n: Number(arg) });
          } else {
            const streams = arg.split(",");
            for (const stream of streams) uncommitted.delete(stream);
            for (const waiting of need.values())
              for (const stream of streams) waiting.delete(stream);
            tracker.committed(tickets(tracker, arg));
          }
          for (const value of emitted.slice(before)) expect(need.get(value)?.size).toBe(0);
        }
        for (let i = 1; i < emitted.length; i += 1)
          expect(emitted[i]).toBeGreaterThan(emitted[i - 1] ?? 0);
        if (n > 0) expect(emitted.at(-1)).toBe(n);
      }),
    );
  });
});
