import { describe, expect, it } from "vitest";
import { fakeClock } from "../test/support/memory.js";
import { Pacer } from "./pacer.js";

describe("Pacer", () => {
  it("does not wait at all until something asks it to", async () => {
    const { clock, state } = fakeClock();
    const pacer = new Pacer(clock);
    for (let i = 0; i < 5; i += 1) await pacer.wait();
    expect(state.sleeps).toEqual([]);
  });

  it("holds every request until a Retry-After has passed", async () => {
    const { clock, state } = fakeClock();
    const pacer = new Pacer(clock);
    pacer.onRateLimited(5000);
    await pacer.wait();
    expect(state.sleeps).toEqual([5000]);
  });

  it("doubles the gap on each 429 and shrinks it on successes", () => {
    const pacer = new Pacer(fakeClock().clock);
    pacer.onRateLimited(undefined);
    pacer.onRateLimited(undefined);
    expect(pacer.gapMs).toBe(400);
    for (let i = 0; i < 35; i += 1) pacer.onSuccess();
    expect(pacer.gapMs).toBeLessThan(200);
    for (let i = 0; i < 400; i += 1) pacer.onSuccess();
    expect(pacer.gapMs).toBe(0);
  });

  it("never goes faster than requests_per_minute", async () => {
    const { clock, state } = fakeClock();
    const pacer = new Pacer(clock, 120);
    for (let i = 0; i < 4; i += 1) await pacer.wait();
    expect(state.sleeps).toEqual([500, 500, 500]);
  });
});
