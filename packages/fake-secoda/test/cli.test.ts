import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { get, object, results } from "./support.js";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

interface Running {
  readonly child: ChildProcess;
  readonly url: string;
  readonly stdout: () => string;
  readonly stderr: () => string;
}

/** Starts the built bin and waits for the URL line on stdout. */
async function start(args: readonly string[]): Promise<Running> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes("\n")) resolve(stdout.split("\n")[0] ?? "");
    });
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  return { child, url, stdout: () => stdout, stderr: () => stderr };
}

async function run(
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}

describe("secoda-fake CLI", () => {
  it.each(["SIGTERM", "SIGINT"] as const)(
    "serves with its options and stops cleanly on %s",
    async (signal) => {
      const cli = await start([
        "--port=0",
        "--seed=5",
        "--scale=200",
        "--api-key=k1",
        "--admin-key=k2",
        "--page-size=7",
        "--error-every=2",
        "--error-statuses=503",
        "--fault-path=/api/v1/tag",
      ]);
      expect(cli.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const users = object((await get(cli.url, "/api/v1/user", "k2")).json);
      expect([
        users.count,
        users.total_pages,
        results({ ...(await get(cli.url, "/api/v1/user", "k2")) }).length,
      ]).toEqual([20, 3, 7]);
      expect((await get(cli.url, "/api/v1/activity_log/audit_logs/", "k1")).status).toBe(403);
      expect([
        (await get(cli.url, "/api/v1/tag", "k1")).status,
        (await get(cli.url, "/api/v1/tag", "k1")).status,
      ]).toEqual([200, 503]);
      const info = object((await fetch(`${cli.url}/__admin/info`).then((r) => r.json())) as never);
      expect([info.seed, info.scale]).toEqual([5, 200]);

      cli.child.kill(signal);
      const [code] = (await once(cli.child, "exit")) as [number | null];
      expect(code).toBe(0);
      expect(cli.stdout()).toBe(`${cli.url}\n`);
      expect(cli.stderr()).toContain(`secoda-fake: ${signal}: stopping\nsecoda-fake: stopped\n`);
    },
  );

  it.each([
    [["--scale=5"], 2, "secoda-fake: error: scale must be an integer >= 100, got 5"],
    [['--faults={"nope":{}}'], 2, 'secoda-fake: error: unknown fault "nope"'],
    [["--error-share=3"], 1, "expected a number between 0 and 1"],
  ])("%j exits %i with a message", async (args, code, message) => {
    const result = await run(["--port=0", ...args]);
    expect(result.code).toBe(code);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(message);
  });

  it("--help lists the options and exits 0", async () => {
    const result = await run(["--help"]);
    expect(result.code).toBe(0);
    for (const flag of [
      "--port",
      "--scale",
      "--admin-key",
      "--rate-limit",
      "--no-retry-after",
      "--fault-path",
    ]) {
      expect(result.stdout).toContain(flag);
    }
  });
});
