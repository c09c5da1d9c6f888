import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { LIBRARY_VERSION } from "./about.js";
import { type Catalog, catalogEntry, isStreamSelected } from "./catalog.js";
import { type SyncInput, tapProgram, targetProgram } from "./cli.js";
import { InputError } from "./errors.js";
import type { ProcessIo } from "./io.js";
import type { JsonObject } from "./json.js";
import { message } from "./messages.js";
import type { PartitionSpec } from "./partition.js";
import type { PluginSpec } from "./plugin-spec.js";
import { readMessages } from "./read-messages.js";
import { runCli } from "./run-cli.js";

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
      sdk_version: `@singerkit/singer ${LIBRARY_VERSION}`,
      capabilities: [...spec.capabilities, "batch", "stream-maps", "structured-logging"],
    });
    expect(LIBRARY_VERSION).toBe(
      JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version,
    );
    expect(Object.keys(about.settings.properties)).toEqual([
      "api_key",
      "page_size",
      "select",
      "batch_config",
      "stream_maps",
      "stream_map_config",
      "log_format",
      "metrics_log_level",
    ]);
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

describe("stream maps in the shell", () => {
  const maps = {
    stream_maps: {
      users: { email: "md5(email)", __filter__: "id != 2", __alias__: "people" },
      logs: null,
    },
  };
  const schema = message.schema(
    "users",
    { type: "object", properties: { id: { type: "integer" }, email: { type: "string" } } },
    ["id"],
  );

  it("a tap maps what it writes, raw lines too; the catalog is not mapped", async () => {
    const config = file("maps.json", { api_key: "k-123456", ...maps });
    const run = fakeIo(["--config", config]);
    const program = tapProgram(spec, run.io, {
      ...syncHandlers,
      sync: async (ctx) => {
        await ctx.output.write(schema);
        await ctx.output.writeLine(
          '{"type":"RECORD","stream":"users","record":{"id":1,"email":"a@b.c"}}',
        );
        await ctx.output.write(message.record("users", { id: 2, email: "x@y.z" }));
        await ctx.output.writeLine('{"type":"RECORD","stream":"logs","record":{"n":1}}');
        await ctx.output.writeLine('{"type":"RECORD","stream":"other","record":{"n":1.50}}');
        await ctx.output.write(message.state({ bookmarks: {} }));
      },
    });
    expect(await runCli(program, run.io)).toBe(0);
    expect(run.stdout().split("\n")).toEqual([
      '{"type":"SCHEMA","stream":"people","schema":{"type":"object","properties":{"id":{"type":"integer"},"email":{"type":["string","null"]}}},"key_properties":["id"]}',
      '{"type":"RECORD","stream":"people","record":{"id":1,"email":"5d60d4e28066df254d5452f92c910092"}}',
      '{"type":"RECORD","stream":"other","record":{"n":1.50}}', // unmapped: byte for byte
      '{"type":"STATE","value":{"bookmarks":{}}}',
      "",
    ]);
    const discover = fakeIo(["--config", config, "--discover"]);
    await runCli(
      tapProgram(spec, discover.io, {
        ...syncHandlers,
        discover: async () => ({ streams: [{ tap_stream_id: "users" }] as never }),
      }),
      discover.io,
    );
    expect(JSON.parse(discover.stdout())).toEqual({ streams: [{ tap_stream_id: "users" }] });
  });

  it("a bad expression fails at startup with exit 2, before anything is written", async () => {
    const config = file("bad-map.json", {
      api_key: "k-123456",
      stream_maps: { users: { h: "md5(email" } },
    });
    const run = fakeIo(["--config", config]);
    let synced = false;
    const program = tapProgram(spec, run.io, {
      ...syncHandlers,
      sync: async () => {
        synced = true;
      },
    });
    expect(await runCli(program, run.io)).toBe(2);
    expect(synced).toBe(false);
    expect(run.stdout()).toBe("");
    expect(run.stderr()).toContain(
      'FATAL tap-demo  stream_maps.users.h: expected ")", found end of expression at column 10 of "md5(email"\n',
    );
  });

  it("a target refuses __source__ at startup (exit 2): copies would shift its line numbers", async () => {
    const target = {
      ...spec,
      name: "target-demo",
      settings: { type: "object" as const, properties: {} },
    };
    const copying = file("target-copy.json", {
      stream_maps: { users_copy: { __source__: "users" } },
    });
    const io = fakeIo(["--config", copying], {}, "");
    let ran = false;
    const program = targetProgram(target, io.io, async () => {
      ran = true;
    });
    expect(await runCli(program, io.io)).toBe(2);
    expect(ran).toBe(false);
    expect(io.stderr()).toContain(
      "stream_maps.users_copy.__source__: a target cannot copy a stream (map it in the tap)",
    );
  });

  it("a target reads its input mapped, with the user's line numbers", async () => {
    const lines = [
      JSON.stringify(schema),
      '{"type":"RECORD","stream":"users","record":{"id":2,"email":"x@y.z"}}',
      "",
      '{"type":"RECORD","stream":"users","record":{"id":3,"email":"a@b.c"}}',
      '{"type":"RECORD","stream":"logs","record":{"n":1}}',
      '{"type":"STATE","value":{"n":1}}',
    ].join("\n");
    const target = {
      ...spec,
      name: "target-demo",
      settings: { type: "object" as const, properties: {} },
    };
    const io = fakeIo(["--config", file("target-maps.json", maps)], {}, lines);
    const seen: unknown[] = [];
    const program = targetProgram(target, io.io, async (_ctx, input) => {
      for await (const { line, message: m } of readMessages(input))
        seen.push([line, m.type, "stream" in m ? m.stream : ""]);
    });
    expect(await runCli(program, io.io)).toBe(0);
    expect(seen).toEqual([
      [1, "SCHEMA", "people"],
      [4, "RECORD", "people"],
      [6, "STATE", ""],
    ]);
  });
});

describe("log_format json in the shell", () => {
  it.each([
    ["LOG_FORMAT env", { LOG_FORMAT: "json" }, {}],
    ["plugin env", { TAP_DEMO_LOG_FORMAT: "json" }, {}],
    ["config", {}, { log_format: "json" }],
  ])("every stderr line is a JSON object (%s), the FATAL line included", async (_, env, extra) => {
    const config = file("json-log.json", { api_key: "very-secret-key", ...extra });
    const run = fakeIo(["--config", config], env);
    const program = tapProgram(spec, run.io, {
      ...syncHandlers,
      sync: async (ctx) => {
        ctx.log.info("starting with very-secret-key");
        ctx.log.metric({
          type: "counter",
          metric: "record_count",
          value: 2,
          tags: { stream: "users" },
        });
        throw new InputError("bad very-secret-key", { stream: "users" });
      },
    });
    expect(await runCli(program, run.io)).toBe(1);
    const lines = run
      .stderr()
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => [line.level, line.message])).toEqual([
      ["info", "starting with ***"],
      ["info", "METRIC"],
      ["fatal", "stream users: bad ***"],
    ]);
    expect(lines.at(-1)).toMatchObject({ level: "fatal", plugin: "tap-demo", stream: "users" });
    expect(run.stderr()).not.toContain("very-secret-key");
  });
});

describe("tapProgram --select and --partition", () => {
  const streams = ["tables", "columns", "catalog_a", "catalog_b"].map((id) =>
    catalogEntry({
      tapStreamId: id,
      schema: { type: "object", properties: {} },
      keyProperties: [],
    }),
  );
  const seen: { catalog?: Catalog; partition?: PartitionSpec }[] = [];
  const handlers = (partitioned: boolean) => ({
    partitioned,
    discover: async () => ({ streams }),
    sync: async (_ctx: unknown, input: SyncInput) => {
      seen.push({
        ...(input.catalog === undefined ? {} : { catalog: input.catalog }),
        ...(input.partition === undefined ? {} : { partition: input.partition }),
      });
    },
  });
  const selected = (catalog: Catalog | undefined) =>
    (catalog?.streams ?? []).filter(isStreamSelected).map((entry) => entry.tap_stream_id);

  it("selects streams by name and by glob pattern, discovering when there is no catalog", async () => {
    const run = fakeIo(["--select", "tables, catalog_*"], { TAP_DEMO_API_KEY: "k" });
    expect(await runCli(tapProgram(spec, run.io, handlers(false)), run.io)).toBe(0);
    expect(selected(seen.at(-1)?.catalog)).toEqual(["tables", "catalog_a", "catalog_b"]);
  });

  it("narrows a given catalog, from the select setting (env) too", async () => {
    const catalog = file("catalog.json", { streams });
    const run = fakeIo(["--catalog", catalog], {
      TAP_DEMO_API_KEY: "k",
      TAP_DEMO_SELECT: "col?mns",
    });
    expect(await runCli(tapProgram(spec, run.io, handlers(false)), run.io)).toBe(0);
    expect(selected(seen.at(-1)?.catalog)).toEqual(["columns"]);
  });

  it("fails with exit 2 naming a name or pattern that matches no stream", async () => {
    const run = fakeIo(["--select", "tables,tabels,nope_*"], { TAP_DEMO_API_KEY: "k" });
    expect(await runCli(tapProgram(spec, run.io, handlers(false)), run.io)).toBe(2);
    expect(run.stderr()).toContain('select: "tabels", "nope_*" match no stream of the catalog');
  });

  it("passes --partition K/N (CLI over setting) to a partitioned tap", async () => {
    const run = fakeIo(["--partition", "2/8"], {
      TAP_DEMO_API_KEY: "k",
      TAP_DEMO_PARTITION: "1/8",
    });
    expect(await runCli(tapProgram(spec, run.io, handlers(true)), run.io)).toBe(0);
    expect(seen.at(-1)?.partition).toEqual({ index: 2, count: 8 });
  });

  it("rejects a bad K/N, and --partition on a tap that cannot split", async () => {
    for (const bad of ["0/4", "5/4", "2", "a/b"]) {
      const run = fakeIo(["--partition", bad], { TAP_DEMO_API_KEY: "k" });
      expect(await runCli(tapProgram(spec, run.io, handlers(true)), run.io)).toBe(2);
      expect(run.stderr()).toContain("partition: expected K/N");
    }
    const run = fakeIo(["--partition", "1/2"], { TAP_DEMO_API_KEY: "k" });
    expect(await runCli(tapProgram(spec, run.io, handlers(false)), run.io)).toBe(2);
    expect(run.stderr()).toContain("tap-demo cannot split its streams across processes");
  });

  it("shows select always and partition only for a partitioned tap in --about", async () => {
    const plain = fakeIo(["--about", "--format", "json"]);
    await runCli(tapProgram(spec, plain.io, handlers(false)), plain.io);
    const split = fakeIo(["--about", "--format", "json"]);
    await runCli(tapProgram(spec, split.io, handlers(true)), split.io);
    const names = (text: string) => Object.keys(JSON.parse(text).settings.properties);
    expect(names(plain.stdout())).toContain("select");
    expect(names(plain.stdout())).not.toContain("partition");
    expect(names(split.stdout())).toContain("partition");
  });
});
