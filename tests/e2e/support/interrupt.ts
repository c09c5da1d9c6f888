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
}

/**
 * Starts tap → target joined by an OS pipe (the target's stdin is the tap's stdout fd) and
 * SIGKILLs one of them once the tap has written `afterBytes` bytes. Returns the STATE lines the
 * target printed before that.
 */
export async function runAndKill(options: {
  readonly dir: string;
  readonly tapConfig: object;
  readonly targetConfig: object;
  readonly state?: unknown;
  readonly kill: { readonly who: "tap" | "target"; readonly afterBytes: number };
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
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const target = spawn(
    process.execPath,
    [bins.target, "--config", file("target.json", options.targetConfig)],
    {
      stdio: [tap.stdout, "pipe", "pipe"],
    },
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
  target.stderr.resume();
  target.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  // A second reader of the pipe would steal data, so poll the kernel's count of written bytes.
  const victim = options.kill.who === "tap" ? tap : target;
  const timer = setInterval(() => {
    if (bytesWritten(tap.pid) >= options.kill.afterBytes) {
      victim.kill("SIGKILL");
      clearInterval(timer);
    }
  }, 5);
  const [tapExit, targetExit] = await Promise.all([tapDone, targetDone]);
  clearInterval(timer);
  return {
    states: stateLines(out.slice(0, out.lastIndexOf("\n") + 1)),
    tapExit,
    targetExit,
    tapStderr,
  };
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
