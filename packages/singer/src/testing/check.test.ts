import { describe, expect, it } from "vitest";
import { targetCase } from "./cases.js";
import { checkCase, type Destination, type TargetAdapter, type TargetRun } from "./check.js";
import { recordsIn, statesIn } from "./messages.js";

type Row = Record<string, unknown>;

/**
 * A tiny in-memory append target: exit 0, every record kept, every input STATE echoed. Each test
 * breaks one thing about it and expects the kit to notice.
 */
function memoryAdapter(tweak: {
  run?: (input: string, rows: Map<string, Row[]>) => TargetRun;
  rows?: (rows: Row[]) => Row[];
}): TargetAdapter {
  return {
    upserts: false,
    fresh: async (): Promise<Destination> => {
      const tables = new Map<string, Row[]>();
      const load = (input: string): TargetRun => {
        for (const line of input.split("\n").filter((l) => l !== "")) {
          const message = JSON.parse(line) as { type: string; stream: string };
          if (message.type === "RECORD") {
            const list = tables.get(message.stream) ?? [];
            list.push(...recordsIn(`${line}\n`, message.stream));
            tables.set(message.stream, list);
          }
        }
        const stdout = statesIn(input)
          .map((s) => `${JSON.stringify(s)}\n`)
          .join("");
        return { code: 0, stdout, stderr: "" };
      };
      return {
        run: async (input) => (tweak.run ?? ((i) => load(i)))(input, tables),
        rows: async (stream) => (tweak.rows ?? ((r) => r))(tables.get(stream) ?? []),
        dispose: async () => undefined,
      };
    },
  };
}

describe("checkCase", () => {
  it("passes a target that does what the case says", async () => {
    await expect(checkCase(memoryAdapter({}), targetCase("orders"))).resolves.toBeUndefined();
    await expect(checkCase(memoryAdapter({}), targetCase("page_views"))).resolves.toBeUndefined();
  });

  it("fails a target that loses a row, naming the case, run and stream", async () => {
    const lossy = memoryAdapter({ rows: (rows) => rows.slice(1) });
    await expect(checkCase(lossy, targetCase("orders"))).rejects.toThrow(
      /orders, run 1: rows of stream orders_a/,
    );
  });

  it("fails a target that prints a STATE the input did not have, or not the last one", async () => {
    const forged = memoryAdapter({ run: () => ({ code: 0, stdout: '{"x":1}\n', stderr: "" }) });
    await expect(checkCase(forged, targetCase("orders"))).rejects.toThrow(
      /not a later input STATE/,
    );
    const early = memoryAdapter({
      run: (input) => ({ code: 0, stdout: `${JSON.stringify(statesIn(input)[0])}\n`, stderr: "" }),
    });
    await expect(checkCase(early, targetCase("orders"))).rejects.toThrow(/last printed STATE/);
  });

  it("fails a target that exits 0 where the case must fail, or fails without naming the field", async () => {
    await expect(checkCase(memoryAdapter({}), targetCase("keyless_record"))).rejects.toThrow(
      /expected a failure/,
    );
    const vague = memoryAdapter({
      run: () => ({ code: 1, stdout: "", stderr: "FATAL bad input" }),
    });
    await expect(checkCase(vague, targetCase("keyless_record"))).rejects.toThrow(
      /does not mention "keyless_record"/,
    );
  });

  it("hands each run to the caller's own checks", async () => {
    const seen: number[] = [];
    await checkCase(memoryAdapter({}), targetCase("library"), async (index, run) => {
      seen.push(index);
      expect(run.states).toHaveLength(1);
    });
    expect(seen).toEqual([0, 1, 2, 3]);
  });
});
