import type { TestSchema } from "@repo/pg-testing";
import { configFor, type RunResult, runTarget } from "./support.js";

/** One target process of a concurrency round: its name, its settings and its whole input. */
export interface ConcurrentPipe {
  readonly name: string;
  readonly settings?: Record<string, unknown>;
  readonly input: string;
}

/** `count` consecutive integers from `from`. */
export const range = (from: number, count: number): number[] =>
  Array.from({ length: count }, (_, i) => from + i);

/**
 * Starts every pipe's target process at once into `schema`, which is dropped first so that the
 * processes race to create it, as an orchestrator's fan-out does. `onState` sees each STATE a
 * process prints (its value under the pipe's name) while the others still run, and returns a
 * problem to report or undefined. Resolves with every problem found, each exit other than 0 among
 * them, and the runs themselves.
 */
export async function runAtOnce<P extends ConcurrentPipe>(
  schema: TestSchema,
  round: number,
  pipes: readonly P[],
  options: {
    readonly settings: Record<string, unknown>;
    readonly onState: (pipe: P, state: number, line: string) => Promise<string | undefined>;
  },
): Promise<{ problems: string[]; runs: RunResult[] }> {
  await schema.query(`drop schema "${schema.name}" cascade`);
  const problems: string[] = [];
  const runs = await Promise.all(
    pipes.map((p) =>
      runTarget(configFor(schema, { ...options.settings, ...p.settings }), p.input, {
        onLine: async (line) => {
          const state = (JSON.parse(line) as Record<string, number>)[p.name] ?? -1;
          const problem = await options.onState(p, state, line);
          if (problem !== undefined) problems.push(`round ${round}, ${p.name}: ${problem}`);
        },
      }),
    ),
  );
  for (const [i, run] of runs.entries())
    if (run.code !== 0)
      problems.push(
        `round ${round}, ${pipes[i]?.name}: exit ${run.code}: ${run.fatal ?? run.stderr}`,
      );
  return { problems, runs };
}
