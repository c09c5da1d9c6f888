import { type FakeSecoda, startFakeSecoda } from "@repo/fake-secoda";
import type { JsonObject, SingerMessage } from "@singerkit/singer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeConfig, parseAll, runCli, spawnCli } from "./support/cli.js";

/**
 * Runs the built CLI and SIGKILLs it once `killAfter` RECORD lines have come out. Returns the
 * complete lines it wrote before dying (a cut last line is dropped, as a target would).
 */
async function runAndKill(
  config: JsonObject,
  killAfter: number,
  signal: NodeJS.Signals = "SIGKILL",
): Promise<{ messages: SingerMessage[]; text: string; stderr: string; code: number | null }> {
  const child = spawnCli({ config });
  let text = "";
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  let records = 0;
  let killed = false;
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    text += chunk;
    if (killed) return;
    records += chunk.split('"type":"RECORD"').length - 1;
    if (records >= killAfter) {
      killed = true;
      child.kill(signal);
    }
  });
  const [code, how] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on("close", (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
  );
  if (signal === "SIGKILL") expect(how).toBe("SIGKILL");
  const messages = await parseAll(text.slice(0, text.lastIndexOf("\n") + 1));
  return { messages, text, stderr, code };
}

const idsByStream = (messages: readonly SingerMessage[]) => {
  const out = new Map<string, Set<string>>();
  for (const m of messages) {
    if (m.type !== "RECORD") continue;
    const set = out.get(m.stream) ?? new Set<string>();
    out.set(m.stream, set);
    set.add(String(m.record.id));
  }
  return out;
};

describe("resume after the CLI is killed mid-sync (SIGKILL)", () => {
  let fake: FakeSecoda;
  let killed: SingerMessage[];
  let resumedCode: number | null;
  let resumed: SingerMessage[];
  let complete: Map<string, Set<string>>;
  /** Catalog pages the resumed run never asked for (the killed run had read them). */
  let skippedPages: number;

  beforeAll(async () => {
    fake = await startFakeSecoda({ scale: 4000, seed: 5 });
    // A reference run: what a complete sync returns.
    complete = idsByStream((await runCli({ config: fakeConfig(fake.url) })).messages);
    // Slow responses so the kill lands in the middle of several streams.
    fake.setFaults({ slow: { delayMs: 15 } });
    const config = fakeConfig(fake.url, { max_concurrency: 3 });
    killed = (await runAndKill(config, 2500)).messages;
    fake.setFaults({});
    const state = killed.findLast((m) => m.type === "STATE");
    if (state?.type !== "STATE") throw new Error("the killed run wrote no STATE");
    fake.resetRequests();
    const run = await runCli({ config, state: state.value });
    resumedCode = run.code;
    resumed = run.messages;
    // `resources`' unfiltered catalog list: its head (page 1, down to the killed run's max_seen)
    // is read again, then the saved page on (decisions-tap.md "Bookmarks move at the end").
    const pages = fake.requests
      .filter((r) => r.path === "/api/v1/resource/catalog" && !r.query.includes("filter="))
      .map((r) => Number(new URLSearchParams(r.query).get("page") ?? "1"));
    skippedPages = Math.max(...pages) - new Set(pages).size;
  });
  afterAll(() => fake.close());

  it("the killed run had written records and STATEs with resume cursors", () => {
    expect(killed.filter((m) => m.type === "RECORD").length).toBeGreaterThanOrEqual(2500);
    const state = killed.findLast((m) => m.type === "STATE");
    expect(JSON.stringify(state)).toContain('"progress"');
  });

  it("the rerun from the last STATE completes, and both runs together cover every record", () => {
    expect(resumedCode).toBe(0);
    const union = idsByStream([...killed, ...resumed]);
    for (const [stream, ids] of complete) {
      const got = union.get(stream) ?? new Set();
      const missing = [...ids].filter((id) => !got.has(id));
      expect(missing, `${stream} lost records`).toEqual([]);
    }
  });

  it("the rerun does not start over: it resumes inside the catalog", () => {
    expect(skippedPages).toBeGreaterThan(0);
    const resumedRecords = resumed.filter((m) => m.type === "RECORD").length;
    const total = [...complete.values()].reduce((sum, ids) => sum + ids.size, 0);
    expect(resumedRecords).toBeLessThan(total);
  });
});

describe("SIGTERM", () => {
  let fake: FakeSecoda;
  beforeAll(async () => {
    fake = await startFakeSecoda({ scale: 2000, seed: 6, faults: { slow: { delayMs: 10 } } });
  });
  afterAll(() => fake.close());

  it("stops at a safe point: exit 143, one FATAL line, every stdout line complete and a STATE to resume from", async () => {
    const run = await runAndKill(fakeConfig(fake.url), 300, "SIGTERM");
    expect(run.code).toBe(143);
    expect(run.text.endsWith("\n")).toBe(true);
    expect(run.stderr).toContain("received SIGTERM: stopping at the next safe point");
    expect(run.stderr.split("\n").filter((line) => line.includes("FATAL"))).toEqual([
      expect.stringMatching(/FATAL +tap-secoda +interrupted by SIGTERM$/),
    ]);
    expect(run.messages.findLast((m) => m.type === "STATE")).toBeDefined();
  });
});
