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

  it("grows the gap by half per 429 (once per gap), and shrinks it on successes", () => {
    const { clock, state } = fakeClock();
    const pacer = new Pacer(clock);
    pacer.onRateLimited(undefined);
    expect(pacer.gapMs).toBe(50);
    pacer.onRateLimited(undefined); // same instant: a parallel request hit by the same limit
    expect(pacer.gapMs).toBe(50);
    state.now += 50;
    pacer.onRateLimited(undefined);
    expect(pacer.gapMs).toBe(75);
    for (let i = 0; i < 14; i += 1) pacer.onSuccess();
    expect(pacer.gapMs).toBeLessThan(40);
    for (let i = 0; i < 200; i += 1) pacer.onSuccess();
    expect(pacer.gapMs).toBe(0);
  });

  it("never goes faster than requests_per_minute", async () => {
    const { clock, state } = fakeClock();
    const pacer = new Pacer(clock, 120);
    for (let i = 0; i < 4; i += 1) await pacer.wait();
    expect(state.sleeps).toEqual([500, 500, 500]);
  });
});
