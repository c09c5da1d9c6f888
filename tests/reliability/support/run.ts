import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bins } from "./bins.js";

export interface ProcessResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command without blocking the event loop (a fake Secoda API may serve from this very
 * process, so spawnSync would deadlock it). `input` is written to stdin.
 */
export function run(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string | Buffer } = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.stdin.on("error", () => {
      // The process may exit before reading all its input (e.g. on a FATAL): not our error.
    });
    child.on("close", (status, signal) =>
      resolve({
        status,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
    child.stdin.end(options.input ?? "");
  });
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
