import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeSecoda, startFakeSecoda } from "@repo/fake-secoda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogSelecting } from "./support/catalog.js";
import { CLI, cliArgs, fakeConfig, parseAll, runCli } from "./support/cli.js";

// Every list page answers after 150 ms, so the run outlasts several 0.2 s progress intervals
// whatever the machine's speed (the test never measures time itself).
let fake: FakeSecoda;
beforeAll(async () => {
  fake = await startFakeSecoda({ scale: 1000, seed: 3 });
  fake.setFaults({ slow: { delayMs: 150, pathPrefix: "/api/v1/resource/catalog" } });
});
afterAll(() => fake.close());

/** tables (120 records, 3 pages) and columns (687, 14 pages) at scale 1000, seed 3. */
const catalog = catalogSelecting(["tables", "columns"]);
const SENT = { tables: 120, columns: 687 };

const PROGRESS = / INFO {2}tap-secoda {2}progress: (?!finished)/;
const FINISHED = / INFO {2}tap-secoda {2}progress: finished in \d+:\d\d: (.*); total ([\d,]+) \(/;

/** `users 1,234, tables 5` → { users: 1234, tables: 5 }. */
function countsOf(list: string): { [stream: string]: number } {
  return Object.fromEntries(
    [...list.matchAll(/(\w+) ([\d,]+)/g)].map((m) => [m[1], Number(m[2]?.replaceAll(",", ""))]),
  );
}

function recordCounts(messages: Awaited<ReturnType<typeof parseAll>>) {
  const counts: { [stream: string]: number } = {};
  for (const m of messages) {
    if (m.type === "RECORD") counts[m.stream] = (counts[m.stream] ?? 0) + 1;
  }
  return counts;
}

describe("progress on stderr", () => {
  it("logs plain progress lines at the interval (set by env) and a final line with the counts sent", async () => {
    const run = await runCli({
      config: fakeConfig(fake.url, { max_concurrency: 1 }),
      catalog,
      env: { TAP_SECODA_PROGRESS_INTERVAL_SECONDS: "0.2" },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(recordCounts(run.messages)).toEqual(SENT);
    const lines = run.stderr.split("\n");
    const progress = lines.filter((line) => PROGRESS.test(line));
    expect(progress.length, run.stderr).toBeGreaterThan(0);
    // Secoda's count is the total: the line shows records so far of 687, with a percentage.
    expect(progress.some((line) => /columns [\d,]+\/687 \d+% \([\d.,]+\/s\)/.test(line))).toBe(
      true,
    );
    const finished = lines.filter((line) => FINISHED.test(line));
    expect(finished).toHaveLength(1);
    const [, list = "", total = ""] = FINISHED.exec(finished[0] ?? "") ?? [];
    expect(countsOf(list)).toEqual(SENT);
    expect(Number(total.replaceAll(",", ""))).toBe(SENT.tables + SENT.columns);
    expect(run.stderr).not.toContain("\x1b"); // not a terminal: plain log lines only
  });

  it("progress_interval_seconds 0 turns it off", async () => {
    const run = await runCli({
      config: fakeConfig(fake.url, { max_concurrency: 1, progress_interval_seconds: 0 }),
      catalog: catalogSelecting(["tables"]),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(recordCounts(run.messages)).toEqual({ tables: 120 });
    expect(run.stderr).not.toContain("progress:");
  });
});

const hasScript = spawnSync("script", ["--version"]).status === 0;

/**
 * The same run with stderr on a pseudo-terminal (util-linux `script`), stdout to a file: the
 * status line is drawn in place, never wider than the terminal, log lines stay whole, and the
 * run ends on a clean line with the summary.
 */
describe.skipIf(!hasScript)("progress on a terminal", () => {
  it("draws a status line in place, keeps log lines whole and leaves the summary last", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tap-secoda-tty-"));
    const args = cliArgs({
      config: fakeConfig(fake.url, { max_concurrency: 1, progress_interval_seconds: 0.2 }),
      catalog,
    });
    const env = {
      PATH: process.env.PATH,
      NODE: process.execPath,
      CLI,
      CONFIG: args[1],
      CATALOG: args[3],
      OUT: join(dir, "out.jsonl"),
    };
    // Paths reach the shell through env vars, never interpolated into the command.
    const command =
      'stty cols 100 rows 40; exec "$NODE" "$CLI" --config "$CONFIG" --catalog "$CATALOG" > "$OUT"';
    const child = spawn("script", ["-qfec", command, "/dev/null"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let screen = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      screen += text;
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code, screen).toBe(0);
    expect(recordCounts(await parseAll(readFileSync(env.OUT, "utf8")))).toEqual(SENT);

    const CLEAR = "\r\x1b[2K";
    const text = screen.replaceAll("\r\n", "\n"); // the terminal's newline translation
    expect(text).toContain(CLEAR);
    // What stays on screen of each line: what follows its last clear.
    const logLines = text
      .split("\n")
      .map((line) => line.split(CLEAR).at(-1) ?? "")
      .filter((line) => line !== "");
    // Every status drawn: after a clear, up to the next clear (past a log line printed first).
    const statuses = text
      .split(CLEAR)
      .slice(1)
      .map((part) => part.slice(part.lastIndexOf("\n") + 1))
      .filter((status) => status !== "");
    expect(statuses.some((status) => /columns [\d,]+\/687/.test(status))).toBe(true);
    for (const status of statuses) expect(status.length).toBeLessThanOrEqual(99);
    for (const line of logLines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z [A-Z]+ /);
    expect(logLines.some((line) => PROGRESS.test(line))).toBe(false); // no plain progress lines
    const last = logLines.at(-1) ?? "";
    expect(last).toMatch(FINISHED);
    expect(countsOf(FINISHED.exec(last)?.[1] ?? "")).toEqual(SENT);
    expect(text.endsWith("\n")).toBe(true); // no status line left behind
  });
});
