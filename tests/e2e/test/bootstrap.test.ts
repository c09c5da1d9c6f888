import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

/**
 * The toolchain bootstrap as a newcomer meets it: no pnpm or turbo on PATH, only node and npm
 * (and a shell). Every script the README names must find the pinned pnpm, and turbo must find it
 * too (it looks the package manager up on PATH).
 */
const root = fileURLToPath(new URL("../../../", import.meta.url));
const pinned = (
  JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    packageManager: string;
  }
).packageManager.split("@")[1];
const scratch = mkdtempSync(join(tmpdir(), "bootstrap-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A PATH holding only node, npm and the shell tools the scripts use: no pnpm, no turbo. */
function barePath(): string {
  const bin = join(scratch, "bin");
  mkdirSync(bin, { recursive: true });
  const npm = spawnSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).stdout.trim();
  symlinkSync(process.execPath, join(bin, "node"));
  symlinkSync(npm, join(bin, "npm"));
  for (const tool of [
    "bash",
    "sh",
    "dirname",
    "cat",
    "head",
    "tail",
    "mkdir",
    "rm",
    "env",
    "ls",
    "grep",
    "sed",
    "chmod",
    "uname",
    "tr",
    "sleep",
    "mktemp",
  ]) {
    const found = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
    if (found !== "") symlinkSync(found, join(bin, tool));
  }
  return bin;
}
const PATH = barePath();

function run(command: string, args: readonly string[]) {
  return spawnSync(command, args, {
    cwd: root,
    encoding: "utf8",
    // HOME stays: it holds pnpm's package store, and a new one would reinstall node_modules.
    env: { PATH, HOME: process.env.HOME ?? scratch, ...caEnv() },
    timeout: 300_000,
  });
}

/** The machine's CA settings for the registry (as .ci/run passes them), when it has any. */
function caEnv(): NodeJS.ProcessEnv {
  const keep: NodeJS.ProcessEnv = {};
  for (const key of ["NODE_EXTRA_CA_CERTS", "npm_config_cafile", "npm_config_registry"])
    if (process.env[key] !== undefined) keep[key] = process.env[key];
  return keep;
}

describe("bootstrap: with no pnpm on PATH every script still finds the pinned one", () => {
  it("the bare PATH really has no pnpm or turbo", () => {
    const found = run("bash", ["-c", "command -v pnpm turbo || true"]);
    expect(found.stdout.trim()).toBe("");
  });

  it("scripts/with-tools.sh puts the pinned pnpm and the workspace's turbo on PATH", () => {
    const result = run("bash", [
      "scripts/with-tools.sh",
      "bash",
      "-c",
      'echo "$(command -v pnpm)"; pnpm --version; command -v turbo',
    ]);
    expect(result.status, result.stderr).toBe(0);
    const [pnpmPath, version, turboPath] = result.stdout.trim().split("\n");
    expect(version).toBe(pinned);
    expect(dirname(pnpmPath ?? "")).toBe(join(root, ".tools/node_modules/.bin"));
    expect(turboPath).toBe(join(root, "node_modules/.bin/turbo"));
  });

  it("npm run build: turbo finds the package manager (the newcomer's first failure)", () => {
    const result = run("npm", ["run", "build", "--", "--output-logs=errors-only"]);
    expect(result.stdout + result.stderr).not.toContain("Unable to find package manager binary");
    expect(result.status, result.stderr).toBe(0);
  });

  it("npm run check and npm run bench (usage) start through the same bootstrap", () => {
    const check = run("npm", ["run", "check", "--", "--max-diagnostics=0", "package.json"]);
    expect(check.status, check.stderr).toBe(0);
    const bench = run("npm", ["run", "bench"]);
    expect(bench.status).toBe(2);
    expect(bench.stderr).toContain("usage: npm run bench -- <bench file>");
  });

  it("every npm script that needs the toolchain goes through the bootstrap", () => {
    const scripts = (
      JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    for (const [name, command] of Object.entries(scripts))
      expect(command, name).toMatch(/^bash scripts\/(with-tools|test|demo|bench)\.sh\b/);
    for (const file of ["test.sh", "demo.sh", "bench.sh", "with-tools.sh"])
      expect(readFileSync(join(root, "scripts", file), "utf8"), file).toContain(
        "source scripts/bootstrap.sh",
      );
  });
});
