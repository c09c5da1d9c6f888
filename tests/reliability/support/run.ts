import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run as runProcess } from "../../e2e/support/run.js";
import { bins } from "./bins.js";

export interface ProcessResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command without blocking the event loop (a fake Secoda API may serve from this very
 * process, so spawnSync would deadlock it): tests/e2e's runner, with stdout as text.
 */
export async function run(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string | Buffer } = {},
): Promise<ProcessResult> {
  const result = await runProcess(command, args, options);
  return { ...result, stdout: result.stdout.toString("utf8") };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `reliability-${prefix}-`));
}

export function writeJson(dir: string, name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

/** Runs target-postgres on a file (`--input`) or on stdin text. */
export function runTarget(
  dir: string,
  config: object,
  input: { file: string } | { text: string },
  env: NodeJS.ProcessEnv = {},
): Promise<ProcessResult> {
  const args = [bins.target, "--config", writeJson(dir, "target.json", config)];
  if ("file" in input) args.push("--input", input.file);
  return run(process.execPath, args, {
    env: { ...process.env, ...env },
    ...("text" in input ? { input: input.text } : {}),
  });
}

/** The STATE values printed on stdout, one JSON value per line. */
export function states(stdout: string): unknown[] {
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as unknown);
}

/** The FATAL lines of a run's stderr. */
export function fatals(stderr: string): string[] {
  return stderr.split("\n").filter((line) => / FATAL /.test(line));
}
