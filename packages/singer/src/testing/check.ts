import assert from "node:assert/strict";
import type { Row, TargetCase } from "./cases.js";
import { recordsIn, statesIn } from "./messages.js";

/** What a test gives the kit to drive one target. */
export interface TargetAdapter {
  /**
   * `true` for a target that upserts keyed streams (the expected rows are the final content);
   * `false` for one that appends every record (the expected rows are every record it received).
   */
  readonly upserts: boolean;
  /** A fresh, empty destination for one case (a schema, a folder). */
  fresh(): Promise<Destination>;
  /** How the target names a property in its rows (identity when omitted). */
  conformName?(name: string): string;
  /** How the target stores a text value (e.g. U+0000 replaced); identity when omitted. */
  storedText?(text: string): string;
}

export interface Destination {
  /** Runs the target once with `input` on stdin and `settings` added to its config. */
  run(input: string, settings: Readonly<Record<string, unknown>>): Promise<TargetRun>;
  /** The rows stored for a stream (as the tap named it), without the target's own metadata. */
  rows(stream: string): Promise<Row[]>;
  dispose(): Promise<void>;
}

export interface TargetRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** What one run of a case printed, for a test's own further checks. */
export interface CheckedRun {
  readonly run: TargetRun;
  readonly states: unknown[];
}

/**
 * Runs every run of `testCase` against a fresh destination and checks the outcome: the exit code,
 * the STATE rule (printed states are an in-order subsequence of the input's, ending with its last;
 * none after a failure), the error's words, and every expected table row for row (order-free).
 * Throws an AssertionError naming the case, the run and what differs. `after` gets each run's
 * result and the destination, for target-specific checks.
 */
export async function checkCase(
  adapter: TargetAdapter,
  testCase: TargetCase,
  after?: (index: number, run: CheckedRun, destination: Destination) => Promise<void>,
): Promise<void> {
  const destination = await adapter.fresh();
  const received = new Map<string, Row[]>();
  try {
    for (const [index, caseRun] of testCase.runs.entries()) {
      const where = `${testCase.name}, run ${index + 1}`;
      const run = await destination.run(caseRun.input, caseRun.settings ?? {});
      const states = printedStates(run.stdout, where);
      const expect = caseRun.expect;
      if (expect.outcome === "load") {
        assert.equal(run.code, 0, `${where}: exit code ${run.code}, stderr:\n${run.stderr}`);
        checkStates(states, statesIn(caseRun.input), where);
        for (const stream of Object.keys(expect.tables)) {
          const list = received.get(stream) ?? [];
          list.push(...recordsIn(caseRun.input, stream));
          received.set(stream, list);
        }
      } else {
        assert.notEqual(run.code, 0, `${where}: expected a failure, the target exited 0`);
        assert.deepEqual(states, [], `${where}: printed a STATE in a failing run`);
        for (const word of expect.mentions)
          assert.ok(
            run.stderr.includes(word),
            `${where}: the error does not mention "${word}":\n${run.stderr}`,
          );
      }
      for (const [stream, table] of Object.entries(expect.tables)) {
        const wanted = adapter.upserts ? table.rows : (received.get(stream) ?? []);
        const actual = await destination.rows(stream);
        assert.deepEqual(
          sorted(actual),
          sorted(wanted.map((row) => stored(adapter, row))),
          `${where}: rows of stream ${stream}`,
        );
      }
      await after?.(index, { run, states }, destination);
    }
  } finally {
    await destination.dispose();
  }
}

function printedStates(stdout: string, where: string): unknown[] {
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        throw new assert.AssertionError({ message: `${where}: stdout line is not JSON: ${line}` });
      }
    });
}

/** Printed states: an in-order subsequence of the input's states that ends with the last one. */
function checkStates(printed: readonly unknown[], input: readonly unknown[], where: string): void {
  if (input.length === 0) {
    assert.deepEqual(printed, [], `${where}: printed a STATE though the input has none`);
    return;
  }
  let from = 0;
  for (const state of printed) {
    const at = input.findIndex((candidate, i) => i >= from && isDeepEqual(candidate, state));
    assert.ok(at >= 0, `${where}: printed ${JSON.stringify(state)}, not a later input STATE`);
    from = at + 1;
  }
  assert.deepEqual(
    printed.at(-1),
    input.at(-1),
    `${where}: the last printed STATE is not the input's last`,
  );
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

function stored(adapter: TargetAdapter, row: Row): Row {
  const conform = adapter.conformName ?? ((name: string) => name);
  const text = adapter.storedText ?? ((value: string) => value);
  const value = (v: unknown): unknown =>
    typeof v === "string"
      ? text(v)
      : Array.isArray(v)
        ? v.map(value)
        : v !== null && typeof v === "object"
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, value(x)]))
          : v;
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [conform(k), value(v)]));
}

/** Rows in a canonical order (by their JSON with sorted keys), so stores may return any order. */
function sorted(rows: readonly Row[]): Row[] {
  return [...rows].sort((a, b) => {
    const [x, y] = [canonical(a), canonical(b)];
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Row)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value);
}
