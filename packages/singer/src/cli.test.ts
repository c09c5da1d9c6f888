import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { type PluginSpec, runCli, tapProgram, targetProgram } from "./cli.js";
import { InputError } from "./errors.js";
import type { ProcessIo } from "./io.js";
import type { JsonObject } from "./json.js";
import { message } from "./messages.js";
import { readMessages } from "./read-messages.js";

const spec: PluginSpec = {
  name: "tap-demo",
  description: "A demo tap",
  version: "1.2.3",
  capabilities: ["catalog", "discover", "state", "about"],
  settings: {
    type: "object",
    properties: {
      api_key: { type: "string", description: "The API key", secret: true },
      page_size: { type: "integer", description: "Rows per page", default: 100 },
    },
    required: ["api_key"],
  },
};

const dir = mkdtempSync(join(tmpdir(), "cli-test-"));
function file(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

function fakeIo(args: string[], env: NodeJS.ProcessEnv = {}, stdin = "") {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on("data", (chunk: Buffer) => out.push(chunk.toString()));
  stderr.on("data", (chunk: Buffer) => err.push(chunk.toString()));
  let signalHandler: ((signal: NodeJS.Signals) => void) | undefined;
  const io: ProcessIo = {
    argv: ["node", "cli.js", ...args],
    stdin: Readable.from([stdin]),
    stdout,
    stderr,
    env,
    now: () => new Date("2026-01-01T00:00:00.000Z"),
    onSignal: (handler) => {
      signalHandler = handler;
      return () => {
        signalHandler = undefined;
      };
    },
  };
  return {
    io,
    stdout: () => out.join(""),
    stderr: () => err.join(""),
    signal: (name: NodeJS.Signals) => signalHandler?.(name),
  };
}

const syncHandlers = {
  discover: async () => ({ streams: [] }),
  sync: async (
    ctx: Parameters<Parameters<typeof tapProgram>[2]["sync"]>[0],
    input: { state?: JsonObject; test: boolean },
  ) => {
    ctx.log.info(`syncing with key ${(ctx.config as { api_key: string }).api_key}`);
    await ctx.output.write(message.state({ seen: input.state ?? null, test: input.test }));
  },
};

describe("tapProgram + runCli", () => {
  it("prints --about as JSON in the SDK's shape", async () => {
    const run = fakeIo(["--about", "--format", "json"]);
    expect(await runCli(tapProgram(spec, run.io, syncHandlers), run.io)).toBe(0);
    const about = JSON.parse(run.stdout());
    expect(about).toMatchObject({
      name: "tap-demo",
      version: "1.2.3",
      capabilities: spec.capabilities,
    });
    expect(about.settings.properties.api_key).toEqual({
      type: "string",
      description: "The API key",
      secret: true,
    });
  });

  it("prints --about as text and markdown", async () => {
    const text = fakeIo(["--about"]);
    await runCli(tapProgram(spec, text.io, syncHandlers), text.io);
    expect(text.stdout()).toContain(
      "Name: tap-demo\nDescription: A demo tap\nVersion: 1.2.3\nCapabilities:\n  - catalog",
    );
    expect(text.stdout()).toContain(
      "  - Name: api_key\n    Type: string\n    Environment Variable: TAP_DEMO_API_KEY",
    );
    const markdown = fakeIo(["--about", "--format", "markdown"]);
    await runCli(tapProgram(spec, markdown.io, syncHandlers), markdown.io);
    expect(markdown.stdout()).toContain(
      "| `page_size` | no | `100` | integer | `TAP_DEMO_PAGE_SIZE` | Rows per page |",
    );
    expect(markdown.stdout()).toContain(
      "| `api_key` | yes |  | string | `TAP_DEMO_API_KEY` | The API key (secret) |",
    );
  });

  it("prints --version and exits 0", async () => {
    const run = fakeIo(["--version"]);
    expect(await runCli(tapProgram(spec, run.io, syncHandlers), run.io)).toBe(0);
    expect(run.stdout()).toBe("1.2.3\n");
  });

  it("runs sync with config, state and redacted logs", async () => {
    const config = file("config.json", { api_key: "very-secret-key" });
    const state = file("state.json", { bookmarks: { a: { updated_at: "2024" } } });
    const run = fakeIo(["--config", config, "--state", state]);
    expect(await runCli(tapProgram(spec, run.io, syncHandlers), run.io)).toBe(0);
    expect(run.stdout()).toBe(
      '{"type":"STATE","value":{"seen":{"bookmarks":{"a":{"updated_at":"2024"}}},"test":false}}\n',
    );
    expect(run.stderr()).toContain("syncing with key ***");
    expect(run.stderr()).not.toContain("very-secret-key");
  });

  it.each([
    [{ TAP_DEMO_LOGLEVEL: "debug" }, true],
    [{ LOGLEVEL: "DEBUG" }, true],
    [{ LOGLEVEL: "debug", TAP_DEMO_LOGLEVEL: "warning" }, false],
    [{}, false],
  ])("takes the log level from %j", async (env, debugShown) => {
    const run = fakeIo([], { TAP_DEMO_API_KEY: "key-abcdef", ...env });
    const program = tapProgram(spec, run.io, {
      ...syncHandlers,
      sync: async (ctx) => ctx.log.debug("a debug line"),
    });
    expect(await runCli(program, run.io)).toBe(0);
    expect(run.stderr().includes("DEBUG tap-demo  a debug line")).toBe(debugShown);
  });

  it("prints the discovered catalog", async () => {
    const run = fakeIo(["--discover"], { TAP_DEMO_API_KEY: "k-123456" });
    expect(await runCli(tapProgram(spec, run.io, syncHandlers), run.io)).toBe(0);
    expect(JSON.parse(run.stdout())).toEqual({ streams: [] });
  });

  it("exits 2 with one FATAL line on a config error", async () => {
    const run = fakeIo([]);
    expect(await runCli(tapProgram(spec, run.io, syncHandlers), run.io)).toBe(2);
    expect(run.stderr()).toBe(
      '2026-01-01T00:00:00.000Z FATAL tap-demo  invalid config: "api_key" is required\n',
    );
    expect(run.stdout()).toBe("");
  });

  it("exits 1 with the error's context, secrets redacted, on a SingerError", async () => {
    const run = fakeIo([], { TAP_DEMO_API_KEY: "key-abcdef" });
    const failing = tapProgram(spec, run.io, {
      ...syncHandlers,
      sync: async () => {
        throw new InputError("request with key-abcdef failed", { stream: "users", line: 3 });
      },
    });
    expect(await runCli(failing, run.io)).toBe(1);
    expect(run.stderr()).toBe(
      "2026-01-01T00:00:00.000Z FATAL tap-demo  line 3, stream users: request with *** failed\n",
    );
  });

  it("exits 70 and calls it a bug on an unexpected error", async () => {
    const run = fakeIo([], { TAP_DEMO_API_KEY: "key-abcdef" });
    const failing = tapProgram(spec, run.io, {
      ...syncHandlers,
      sync: async () => {
        throw new TypeError("x is undefined");
      },
    });
    expect(await runCli(failing, run.io)).toBe(70);
    expect(run.stderr().split("\n")[0]).toBe(
      "2026-01-01T00:00:00.000Z FATAL tap-demo  internal error (a bug, please report it): TypeError: x is undefined",
    );
  });

  it("exits 1 with commander's message for an unknown option", async () => {
    const run = fakeIo(["--bogus"]);
    expect(await runCli(tapProgram(spec, run.io, syncHandlers), run.io)).toBe(1);
    expect(run.stderr()).toContain("unknown option '--bogus'");
  });

  it("aborts the run on SIGTERM and exits 143", async () => {
    const run = fakeIo([], { TAP_DEMO_API_KEY: "key-abcdef" });
    const program = tapProgram(spec, run.io, {
      ...syncHandlers,
      sync: async (ctx) => {
        run.signal("SIGTERM");
        expect(ctx.signal.aborted).toBe(true);
        await ctx.output.write(message.state({ last: "safe" }));
      },
    });
    expect(await runCli(program, run.io)).toBe(143);
    expect(run.stdout()).toBe('{"type":"STATE","value":{"last":"safe"}}\n');
    expect(run.stderr()).toContain(
      "WARN  tap-demo  received SIGTERM: stopping at the next safe point",
    );
    expect(run.stderr()).toContain("FATAL tap-demo  interrupted by SIGTERM");
  });
});

describe("targetProgram", () => {
  it("reads stdin, or --input FILE", async () => {
    const lines = '{"type":"STATE","value":{"n":1}}\n';
    const target = {
      ...spec,
      name: "target-demo",
      settings: { type: "object" as const, properties: {} },
    };
    const run = async (args: string[]) => {
      const io = fakeIo(args, {}, lines);
      const seen: unknown[] = [];
      const program = targetProgram(target, io.io, async (_ctx, input) => {
        for await (const { message: m } of readMessages(input)) seen.push(m);
      });
      expect(await runCli(program, io.io)).toBe(0);
      return seen;
    };
    const inputFile = join(dir, "input.jsonl");
    writeFileSync(inputFile, lines);
    expect(await run([])).toEqual([{ type: "STATE", value: { n: 1 } }]);
    expect(await run(["--input", inputFile])).toEqual([{ type: "STATE", value: { n: 1 } }]);
  });
});
