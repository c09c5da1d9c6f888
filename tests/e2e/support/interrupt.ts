import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bins } from "./bins.js";
import { stateLines } from "./pipe.js";

export interface KilledRun {
  readonly states: unknown[];
  readonly tapExit: { code: number | null; signal: NodeJS.Signals | null };
  readonly targetExit: { code: number | null; signal: NodeJS.Signals | null };
  readonly tapStderr: string;
}

/**
 * Starts tap → target joined by an OS pipe (the target's stdin is the tap's stdout fd) and
 * SIGKILLs one of them at a chosen point: the target after it printed `afterStates` STATE lines,
 * or the tap after it wrote `afterBytes` bytes. Returns what the target printed.
 */
export function runAndKill(options: {
  readonly dir: string;
  readonly tapConfig: object;
  readonly targetConfig: object;
  readonly state?: unknown;
  readonly kill:
    | { readonly who: "target"; readonly afterStates: number }
    | { readonly who: "tap"; readonly afterBytes: number };
}): Promise<KilledRun> {
  const tapConfig = join(options.dir, "tap.json");
  const targetConfig = join(options.dir, "target.json");
  writeFileSync(tapConfig, JSON.stringify(options.tapConfig));
  writeFileSync(targetConfig, JSON.stringify(options.targetConfig));
  const stateArgs: string[] = [];
  if (options.state !== undefined) {
    const statePath = join(options.dir, "state.json");
    writeFileSync(statePath, JSON.stringify(options.state));
    stateArgs.push("--state", statePath);
  }
  const tap = spawn(process.execPath, [bins.tap, "--config", tapConfig, ...stateArgs], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const target = spawn(process.execPath, [bins.target, "--config", targetConfig], {
    stdio: [tap.stdout, "pipe", "pipe"],
  });
  const exited = (child: typeof tap) =>
    new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal })),
    );
  const tapDone = exited(tap);
  // The parent's copy of the pipe's read end must go, or the tap never sees EPIPE.
  tap.stdout.destroy();
  const targetDone = exited(target);
  let out = "";
  let tapStderr = "";
  tap.stderr.on("data", (chunk: Buffer) => {
    tapStderr += chunk.toString();
  });
  target.stderr.resume();
  target.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    const kill = options.kill;
    if (
      kill.who === "target" &&
      stateLines(out.slice(0, out.lastIndexOf("\n") + 1)).length >= kill.afterStates
    ) {
      target.kill("SIGKILL");
    }
  });
  if (options.kill.who === "tap") {
    // A second reader of the pipe would steal data, so poll the kernel's count of written bytes.
    const limit = options.kill.afterBytes;
    const timer = setInterval(() => {
      const written = bytesWritten(tap.pid);
      if (written >= limit) {
        tap.kill("SIGKILL");
        clearInterval(timer);
      }
    }, 5);
    void tapDone.then(() => clearInterval(timer)); // polling stops when the tap is gone
  }
  return Promise.all([tapDone, targetDone]).then(([tapExit, targetExit]) => ({
    states: stateLines(out.slice(0, out.lastIndexOf("\n") + 1)),
    tapExit,
    targetExit,
    tapStderr,
  }));
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
