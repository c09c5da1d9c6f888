import type { Clock } from "@singerkit/singer";
import { describe, expect, it } from "vitest";
import { IDLE, withIdleTicks } from "./input.js";

/** A clock whose sleeps wait until `wake()`; counts the sleeps still pending. */
function heldClock() {
  const pending = new Set<() => void>();
  const clock: Clock = {
    now: () => 0,
    sleep: (_ms, signal) =>
      new Promise<void>((resolve, reject) => {
        const wake = () => {
          pending.delete(wake);
          resolve();
        };
        pending.add(wake);
        signal?.addEventListener("abort", () => {
          pending.delete(wake);
          reject(signal.reason);
        });
      }),
  };
  const wake = () => {
    for (const sleeper of [...pending]) sleeper();
  };
  return { clock, pending, wake };
}

describe("withIdleTicks", () => {
  it("yields IDLE when the clock's tick comes first, then the item, in order", async () => {
    const { clock, wake } = heldClock();
    let release: () => void = () => undefined;
    async function* source() {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      yield "a";
    }
    const ticks = withIdleTicks(source(), 1000, clock);
    const first = ticks.next();
    await new Promise((resolve) => setImmediate(resolve));
    wake();
    expect((await first).value).toBe(IDLE);
    const second = ticks.next();
    release();
    expect((await second).value).toBe("a");
    expect((await ticks.next()).done).toBe(true);
  });

  it("a failing input cancels the pending tick: no timer outlives the read", async () => {
    const { clock, pending } = heldClock();
    async function* source(): AsyncGenerator<string> {
      await new Promise((resolve) => setImmediate(resolve));
      throw new Error("premature close");
    }
    await expect(withIdleTicks(source(), 1000, clock).next()).rejects.toThrow("premature close");
    expect(pending.size).toBe(0);
  });
});
