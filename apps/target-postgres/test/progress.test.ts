import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshSchema, postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, configFor, ndjson, recordMessage, schemaMessage, stateMessage } from "./support.js";

const PROGRESS = / INFO {2}target-postgres {2}progress: (?!finished)/;
const FINISHED =
  / INFO {2}target-postgres {2}progress: finished in \d+:\d\d: (.*); total ([\d,]+) \(/;

const users = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) =>
    recordMessage("users", { id: from + i, name: `u${from + i}` }),
  );
const tags = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => recordMessage("tags", { id: from + i }));

/** `users 3,000 (3,000 committed), tags 5 (5 committed)` → per stream [received, committed]. */
function countsOf(list: string): { [stream: string]: [number, number] } {
  const number = (text: string | undefined) => Number(text?.replaceAll(",", ""));
  return Object.fromEntries(
    [...list.matchAll(/(\w+) ([\d,]+) \(([\d,]+) committed\)/g)].map((m) => [
      m[1],
      [number(m[2]), number(m[3])],
    ]),
  );
}

/**
 * Runs the CLI with the first half of the input, waits for a progress line on stderr (an event,
 * not a clock), then sends the rest: so at least one progress line shows records in flight.
 */
async function runInTwoHalves(config: object, first: string, second: string) {
  const dir = mkdtempSync(join(tmpdir(), "target-postgres-progress-"));
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  try {
    const child = spawn(process.execPath, [CLI, "--config", join(dir, "config.json")], {
      env: { ...process.env, LOGLEVEL: "info", TARGET_POSTGRES_PROGRESS_INTERVAL_SECONDS: "0.2" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let sentSecond = false;
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      stdout += text;
    });
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
      if (!sentSecond && stderr.split("\n").some((line) => PROGRESS.test(line))) {
        sentSecond = true;
        child.stdin.end(second);
      }
    });
    child.stdin.write(first);
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    return { code, stdout, stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf((await postgresUnavailable()) !== undefined)("progress on stderr", () => {
  let schema: TestSchema;
  beforeAll(async () => {
    schema = await freshSchema("tp_progress");
  });
  afterAll(async () => {
    await schema.drop();
  });

  it("logs records received per stream at the interval, then a final line with received and committed counts before the load summary", async () => {
    const first = ndjson([
      schemaMessage("users", { id: { type: "integer" }, name: { type: "string" } }, ["id"]),
      schemaMessage("tags", { id: { type: "integer" } }, ["id"]),
      ...users(1, 1500),
      ...tags(1, 300),
      stateMessage({ half: 1 }),
    ]);
    const second = ndjson([...users(1501, 1500), ...tags(301, 200), stateMessage({ half: 2 })]);
    const run = await runInTwoHalves(configFor(schema, { batch_size_rows: 1000 }), first, second);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim().split("\n").at(-1)).toBe('{"half":2}'); // stdout holds STATE only

    const lines = run.stderr.split("\n");
    const progress = lines.filter((line) => PROGRESS.test(line));
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]).toMatch(/progress: users [\d,]+ \([\d.,]+\/s, [\d,]+ committed\)/);
    const finishedAt = lines.findIndex((line) => FINISHED.test(line));
    const [, list = "", total = ""] = FINISHED.exec(lines[finishedAt] ?? "") ?? [];
    expect(countsOf(list)).toEqual({ users: [3000, 3000], tags: [500, 500] });
    expect(total).toBe("3,500");
    // The load summary stays the last word.
    const summaryAt = lines.findIndex((line) => line.includes("load summary:"));
    expect(finishedAt).toBeGreaterThan(-1);
    expect(summaryAt).toBeGreaterThan(finishedAt);
    expect(run.stderr).not.toContain("\x1b"); // not a terminal: plain log lines only

    const [count] = await schema.query<{ n: number }>(
      `select count(*)::int as n from "${schema.name}"."users"`,
    );
    expect(count?.n).toBe(3000);
  });
});
