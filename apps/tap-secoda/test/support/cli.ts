import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { type Catalog, type JsonObject, readMessages, type SingerMessage } from "@singerkit/singer";

export const CLI = new URL("../../dist/cli.js", import.meta.url).pathname;

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Every stdout line, parsed by @singerkit/singer's reader (a bad line fails the run). */
  readonly messages: SingerMessage[];
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliInput {
  readonly config?: JsonObject;
  readonly state?: JsonObject;
  readonly catalog?: Catalog;
  /** Use the legacy `--properties` flag for the catalog. */
  readonly legacyProperties?: boolean;
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** stdout is not Singer messages (--discover, --about, --version): do not parse it. */
  readonly raw?: boolean;
}

/** Writes config/state/catalog files and returns the CLI arguments that point at them. */
export function cliArgs(input: CliInput): string[] {
  const dir = mkdtempSync(join(tmpdir(), "tap-secoda-"));
  const file = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };
  return [
    ...(input.config === undefined ? [] : ["--config", file("config.json", input.config)]),
    ...(input.state === undefined ? [] : ["--state", file("state.json", input.state)]),
    ...(input.catalog === undefined
      ? []
      : [
          input.legacyProperties === true ? "--properties" : "--catalog",
          file("catalog.json", input.catalog),
        ]),
    ...(input.args ?? []),
  ];
}

/** Starts the built CLI (`node dist/cli.js …`). */
export function spawnCli(input: CliInput): ChildProcess {
  return spawn(process.execPath, [CLI, ...cliArgs(input)], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH, ...input.env },
  });
}

/** Runs the built CLI to the end and parses its stdout as Singer messages. */
export async function runCli(input: CliInput): Promise<CliRun> {
  const child = spawnCli(input);
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (text: string) => {
    stdout += text;
  });
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on("close", (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
  );
  const messages = input.raw === true ? [] : await parseAll(stdout);
  return { code, signal, messages, stdout, stderr };
}

/** Parses NDJSON text with @singerkit/singer's reader; unknown types fail. */
export async function parseAll(text: string): Promise<SingerMessage[]> {
  const out: SingerMessage[] = [];
  for await (const { message } of readMessages(Readable.from([text]), { unknownTypes: "fail" })) {
    out.push(message);
  }
  return out;
}

/** Config for a fake at `url`: fast retries so fault tests finish quickly. */
export function fakeConfig(url: string, extra: JsonObject = {}): JsonObject {
  return {
    api_key: "admin-key",
    base_url: url,
    backoff_initial_seconds: 0.02,
    backoff_max_seconds: 0.2,
    ...extra,
  };
}
