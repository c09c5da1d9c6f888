import { readFileSync } from "node:fs";
import type { Readable, Writable } from "node:stream";

/** Everything a tap or target touches of its process; tests pass their own. */
export interface ProcessIo {
  readonly argv: readonly string[];
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: NodeJS.ProcessEnv;
  readonly now: () => Date;
  /** Subscribes to SIGINT/SIGTERM; returns the unsubscribe function. */
  readonly onSignal: (handler: (signal: NodeJS.Signals) => void) => () => void;
}

/** The real process's io. The only place in the library that reads `process`. */
export function createProcessIo(): ProcessIo {
  return {
    argv: process.argv,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    now: () => new Date(),
    onSignal: (handler) => {
      let count = 0;
      const listener = (signal: NodeJS.Signals) => {
        count += 1;
        // A second signal means "now": stop without waiting for the graceful path.
        if (count > 1) process.exit(signal === "SIGINT" ? 130 : 143);
        handler(signal);
      };
      process.on("SIGINT", listener);
      process.on("SIGTERM", listener);
      return () => {
        process.off("SIGINT", listener);
        process.off("SIGTERM", listener);
      };
    },
  };
}

/** The `version` of the package.json found next to (or one level above) a module's folder. */
export function packageVersion(moduleUrl: string): string {
  for (const relative of ["../package.json", "../../package.json"]) {
    try {
      const text = readFileSync(new URL(relative, moduleUrl), "utf8");
      const version = (JSON.parse(text) as { version?: unknown }).version; // package.json is an object
      if (typeof version === "string") return version;
    } catch {
      // try the next candidate
    }
  }
  return "0.0.0";
}
