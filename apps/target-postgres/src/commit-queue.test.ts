import { describe, expect, it } from "vitest";
import { CommitQueue, type FlushGroup, MAX_BATCHES_IN_FLIGHT } from "./commit-queue.js";
import { StateTracker } from "./state-tracker.js";

/** A commit the test finishes by hand. */
function gate() {
  let open: () => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { done, open, fail };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Two streams a and b, one record each, then a STATE; both sealed in one flush. */
function setup(hold = false, maxBytes = 100) {
  const printed: unknown[] = [];
  const states = new StateTracker((value) => printed.push(value));
  states.recordSeen("a");
  states.recordSeen("b");
  states.stateSeen({ s: 1 });
  const queue = new CommitQueue(states, maxBytes, hold);
  const group: FlushGroup = { open: 2, tickets: [] };
  return { printed, states, queue, group };
}

describe("CommitQueue", () => {
  it("admits at most MAX_BATCHES_IN_FLIGHT commits, however small (batch_size_rows 1)", async () => {
    const states = new StateTracker(() => undefined);
    const queue = new CommitQueue(states, 1 << 30, false);
    const gates = Array.from({ length: MAX_BATCHES_IN_FLIGHT + 1 }, () => gate());
    for (const [i, g] of gates.entries()) {
      const admitted = queue.admit(1).then(() => "admitted");
      const result = await Promise.race([admitted, tick().then(() => "waiting")]);
      expect({ i, result }).toEqual({
        i,
        result: i < MAX_BATCHES_IN_FLIGHT ? "admitted" : "waiting",
      });
      if (i === MAX_BATCHES_IN_FLIGHT) {
        gates[0]?.open(); // one commit ends: the next is admitted
        expect(await admitted).toBe("admitted");
      }
      const group: FlushGroup = { open: 1, tickets: [] };
      queue.enqueue({ key: {}, bytes: 1, ticket: undefined, group, run: () => g.done });
    }
    for (const g of gates) g.open();
    await queue.settle();
  });

  it("a flush of more streams than the bound is admitted when nothing is in flight", async () => {
    const queue = new CommitQueue(new StateTracker(() => undefined), 1 << 30, false);
    await queue.admit(1, MAX_BATCHES_IN_FLIGHT * 2);
  });

  it("a flush's tickets move together: the STATE waits for the last of its commits", async () => {
    const { printed, states, queue, group } = setup();
    const a = gate();
    const b = gate();
    queue.enqueue({ key: {}, bytes: 1, ticket: states.seal("a"), group, run: () => a.done });
    queue.enqueue({ key: {}, bytes: 1, ticket: states.seal("b"), group, run: () => b.done });
    a.open();
    await tick();
    expect(printed).toEqual([]);
    b.open();
    await queue.settle();
    expect(printed).toEqual([{ s: 1 }]);
  });

  it("one key's commits run in the order they were queued", async () => {
    const { queue } = setup();
    const key = {};
    const order: string[] = [];
    const first = gate();
    const group = (): FlushGroup => ({ open: 1, tickets: [] });
    queue.enqueue({
      key,
      bytes: 1,
      ticket: undefined,
      group: group(),
      run: async () => {
        await first.done;
        order.push("first");
      },
    });
    queue.enqueue({
      key,
      bytes: 1,
      ticket: undefined,
      group: group(),
      run: async () => {
        order.push("second");
      },
    });
    await tick();
    expect(order).toEqual([]);
    first.open();
    await queue.settle();
    expect(order).toEqual(["first", "second"]);
  });

  it("after a failure nothing queued starts, running commits finish, settle rethrows", async () => {
    const { queue } = setup();
    const key = {};
    const failing = gate();
    const running = gate();
    let startedLater = false;
    const group = (): FlushGroup => ({ open: 1, tickets: [] });
    queue.enqueue({ key, bytes: 1, ticket: undefined, group: group(), run: () => failing.done });
    queue.enqueue({
      key,
      bytes: 1,
      ticket: undefined,
      group: group(),
      run: async () => {
        startedLater = true;
      },
    });
    queue.enqueue({
      key: {},
      bytes: 1,
      ticket: undefined,
      group: group(),
      run: () => running.done,
    });
    failing.fail(new Error("boom"));
    await tick();
    running.open();
    await expect(queue.settle()).rejects.toThrow("boom");
    expect(startedLater).toBe(false);
    await expect(queue.admit(0)).rejects.toThrow("boom");
  });

  it("admit waits while the bytes in flight would exceed the bound", async () => {
    const { queue } = setup(false, 10);
    const big = gate();
    queue.enqueue({
      key: {},
      bytes: 8,
      ticket: undefined,
      group: { open: 1, tickets: [] },
      run: () => big.done,
    });
    let admitted = false;
    const waiting = queue.admit(5).then(() => {
      admitted = true;
    });
    await tick();
    expect(admitted).toBe(false);
    big.open();
    await waiting;
    expect(admitted).toBe(true);
  });

  it("held tickets (load_method overwrite) move only at releaseHeld", async () => {
    const { printed, states, queue, group } = setup(true);
    queue.enqueue({ key: {}, bytes: 1, ticket: states.seal("a"), group, run: async () => {} });
    queue.enqueue({ key: {}, bytes: 1, ticket: states.seal("b"), group, run: async () => {} });
    await queue.settle();
    expect(printed).toEqual([]);
    queue.releaseHeld();
    expect(printed).toEqual([{ s: 1 }]);
  });
});
