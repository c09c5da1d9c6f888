import { type ChildProcess, spawn } from "node:child_process";
import { bins } from "./bins.js";
import { writeJson } from "./run.js";

export interface Running {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts target-postgres in the background, `input` written to its stdin (then closed, unless `keepOpen`). */
export function startTarget(
  dir: string,
  config: object,
  input: string,
  options: { keepOpen?: boolean; env?: NodeJS.ProcessEnv } = {},
): Running {
  const child = spawn(
    process.execPath,
    [bins.target, "--config", writeJson(dir, "target.json", config)],
    {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, ...options.env },
    },
  );
  let out = "";
  let err = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  child.stdin?.on("error", () => {
    // The target may exit before reading everything.
  });
  if (options.keepOpen) child.stdin?.write(input);
  else child.stdin?.end(input);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exit };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every `ms` up to `tries` times; resolves to whether it became true. */
export async function until(condition: () => boolean | Promise<boolean>, tries = 2000, ms = 5) {
  for (let i = 0; i < tries; i++) {
    if (await condition()) return true;
    await sleep(ms);
  }
  return false;
}
