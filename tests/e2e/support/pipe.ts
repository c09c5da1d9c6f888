import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readMessages, type SingerMessage } from "@singerkit/singer";
import { bins } from "./bins.js";

export interface PipeOptions {
  readonly tapConfig: object;
  readonly targetConfig: object;
  /** STATE to resume from (the last line a previous target run printed). */
  readonly state?: object;
  /** Which target bin (default target-postgres). */
  readonly target?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export interface PipeRun {
  readonly dir: string;
  readonly tapStatus: number;
  readonly targetStatus: number;
  readonly tapStderr: string;
  readonly targetStderr: string;
  /** Every message the tap wrote (tee'd between the processes). */
  readonly tapMessages: SingerMessage[];
  /** The STATE values the target printed, in order. */
  readonly targetStates: unknown[];
}

/**
 * Runs `tap | tee | target` in bash with pipefail: real processes joined by real OS pipes.
 * Paths travel in env vars and are never interpolated into the script.
 */
export async function runPipe(options: PipeOptions): Promise<PipeRun> {
  const dir = mkdtempSync(join(tmpdir(), "e2e-pipe-"));
  const file = (name: string, value?: object) => {
    const path = join(dir, name);
    if (value !== undefined) writeFileSync(path, JSON.stringify(value));
    return path;
  };
  const env = {
    ...process.env,
    ...options.env,
    NODE_BIN: process.execPath,
    TAP: bins.tap,
    TARGET: options.target ?? bins.target,
    TAP_CONFIG: file("tap.json", options.tapConfig),
    TARGET_CONFIG: file("target.json", options.targetConfig),
    TAP_STATE: options.state === undefined ? "" : file("state.json", options.state),
    TAP_OUT: file("tap.out"),
    TAP_ERR: file("tap.err"),
    TARGET_OUT: file("target.out"),
    TARGET_ERR: file("target.err"),
    STATUS: file("status"),
  };
  await new Promise<void>((resolve, reject) => {
    const child = spawn("bash", [fileURLToPath(new URL("pipe.sh", import.meta.url))], {
      env,
      stdio: "ignore",
    });
    child.on("error", reject);
    child.on("close", () => resolve());
  });
  const [tapStatus, targetStatus] = readFileSync(env.STATUS, "utf8").trim().split(" ").map(Number);
  return {
    dir,
    tapStatus: tapStatus ?? -1,
    targetStatus: targetStatus ?? -1,
    tapStderr: readFileSync(env.TAP_ERR, "utf8"),
    targetStderr: readFileSync(env.TARGET_ERR, "utf8"),
    tapMessages: await parseMessages(readFileSync(env.TAP_OUT)),
    targetStates: stateLines(readFileSync(env.TARGET_OUT, "utf8")),
  };
}

/** Parses NDJSON Singer output with the protocol package's reader (so it is also validated). */
export async function parseMessages(bytes: Buffer): Promise<SingerMessage[]> {
  const out: SingerMessage[] = [];
  for await (const { message } of readMessages([bytes], { unknownTypes: "fail" }))
    out.push(message);
  return out;
}

export function stateLines(text: string): unknown[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as unknown);
}

/** The last record per key of each stream, and each stream's key properties, from tap output. */
export function latestRecords(messages: readonly SingerMessage[]) {
  const keys = new Map<string, readonly string[]>();
  const records = new Map<string, Map<string, Record<string, unknown>>>();
  for (const message of messages) {
    if (message.type === "SCHEMA") keys.set(message.stream, message.key_properties);
    if (message.type !== "RECORD") continue;
    const key = keyOf(message.record, keys.get(message.stream) ?? []);
    let byKey = records.get(message.stream);
    if (byKey === undefined) {
      byKey = new Map();
      records.set(message.stream, byKey);
    }
    byKey.set(key, message.record);
  }
  return { keys, records };
}

export function keyOf(record: Record<string, unknown>, keyProperties: readonly string[]): string {
  return JSON.stringify(keyProperties.map((name) => record[name]));
}
