import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bins } from "./bins.js";
import { stateLines } from "./pipe.js";

type Exit = { code: number | null; signal: NodeJS.Signals | null };

export interface KilledRun {
  readonly states: unknown[];
  readonly tapExit: Exit;
  readonly targetExit: Exit;
  readonly tapStderr: string;
  readonly targetStderr: string;
  /** Whether the SIGKILL was sent (the run may end before its point). */
  readonly killed: boolean;
}

/**
 * Starts tap → target joined by an OS pipe (the target's stdin is the tap's stdout fd) and
 * SIGKILLs one of them at the chosen point (none without `kill`). Returns the STATE lines the
 * target printed.
 */
export async function runAndKill(options: {
  readonly dir: string;
  readonly tapConfig: object;
  readonly targetConfig: object;
  readonly state?: unknown;
  /**
   * Whom to SIGKILL: once the tap has written `afterBytes` bytes (a point in the stream), or the
   * target once it has printed `afterStates` STATE lines (a point after commits).
   */
  readonly kill?:
    | { readonly who: "tap" | "target"; readonly afterBytes: number }
    | { readonly who: "target"; readonly afterStates: number };
  readonly env?: NodeJS.ProcessEnv;
}): Promise<KilledRun> {
  const file = (name: string, value: unknown) => {
    const path = join(options.dir, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };
  const stateArgs =
    options.state === undefined ? [] : ["--state", file("state.json", options.state)];
  const tap = spawn(
    process.execPath,
    [bins.tap, "--config", file("tap.json", options.tapConfig), ...stateArgs],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...options.env } },
  );
  const target = spawn(
    process.execPath,
    [bins.target, "--config", file("target.json", options.targetConfig)],
    { stdio: [tap.stdout, "pipe", "pipe"], env: { ...process.env, ...options.env } },
  );
  const exited = (child: typeof tap) =>
    new Promise<Exit>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  const tapDone = exited(tap);
  const targetDone = exited(target);
  // The parent's copy of the pipe's read end must go, or the tap never sees EPIPE.
  tap.stdout.destroy();
  let out = "";
  let tapStderr = "";
  tap.stderr.on("data", (chunk: Buffer) => {
    tapStderr += chunk.toString();
  });
  let targetStderr = "";
  target.stderr.on("data", (chunk: Buffer) => {
    targetStderr += chunk.toString();
  });
  const kill = options.kill;
  let killed = false;
  const killVictim = () => {
    if (kill === undefined || killed) return;
    killed = (kill.who === "tap" ? tap : target).kill("SIGKILL");
  };
  target.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    if (
      kill !== undefined &&
      "afterStates" in kill &&
      completeStates(out).length >= kill.afterStates
    )
      killVictim();
  });
  // A second reader of the pipe would steal data, so poll the kernel's count of written bytes.
  const afterBytes = kill !== undefined && "afterBytes" in kill ? kill.afterBytes : undefined;
  const timer = setInterval(() => {
    if (afterBytes !== undefined && bytesWritten(tap.pid) < afterBytes) return;
    if (afterBytes !== undefined) killVictim();
    clearInterval(timer);
  }, 5);
  const [tapExit, targetExit] = await Promise.all([tapDone, targetDone]);
  clearInterval(timer);
  return { states: completeStates(out), tapExit, targetExit, tapStderr, targetStderr, killed };
}

function completeStates(out: string): unknown[] {
  return stateLines(out.slice(0, out.lastIndexOf("\n") + 1));
}

/** Bytes a process has written so far (Linux /proc/<pid>/io `wchar`); 0 if unknown. */
function bytesWritten(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const match = /wchar: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, "utf8"));
    return match === null ? 0 : Number(match[1]);
  } catch {
    return 0;
  }
}
