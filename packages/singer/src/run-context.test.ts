import { PassThrough, Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { ProcessIo } from "./io.js";
import { loggerFor } from "./run-context.js";

/** A terminal-like stderr (isTTY, 80 columns) that keeps what was written. */
function terminal(): Writable & { text: string } {
  const out = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        out.text += String(chunk);
        done();
      },
    }),
    { isTTY: true, columns: 80, text: "" },
  );
  return out;
}

function io(env: NodeJS.ProcessEnv, stderr: Writable): ProcessIo {
  return {
    argv: [],
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    stderr,
    env,
    now: () => new Date(0),
    onSignal: () => () => {},
  };
}

describe("loggerFor", () => {
  it("draws the status line on a terminal, but not when TERM=dumb", () => {
    const ansi = terminal();
    loggerFor("tap-x", io({ TERM: "xterm-256color" }, ansi)).status("50%");
    expect(ansi.text).toBe("\r\x1b[2K50%");
    const dumb = terminal();
    const log = loggerFor("tap-x", io({ TERM: "dumb" }, dumb));
    log.status("50%");
    expect([log.isTTY, log.canRedraw, dumb.text]).toEqual([true, false, ""]);
  });
});
