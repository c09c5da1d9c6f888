import type { FakeSecoda } from "@repo/fake-secoda";
import { bins } from "./bins.js";
import { type ProcessResult, run, writeJson } from "./run.js";

export interface TapMessage {
  readonly type: string;
  readonly stream?: string;
  readonly record?: Record<string, unknown>;
  readonly value?: unknown;
}

export interface TapRun extends ProcessResult {
  readonly messages: TapMessage[];
  /** The value of the last STATE message, if any. */
  readonly lastState: unknown;
}

/** Small retry delays so fault tests stay fast (the defaults are 1 s doubling to 60 s). */
export const fastRetries = {
  backoff_initial_seconds: 0.01,
  backoff_max_seconds: 0.05,
  max_retries: 3,
  request_timeout: 1,
} as const;

export async function runTap(
  dir: string,
  fake: FakeSecoda,
  apiKey: string,
  options: { config?: object; state?: unknown; env?: NodeJS.ProcessEnv; args?: string[] } = {},
): Promise<TapRun> {
  const args = [
    bins.tap,
    "--config",
    writeJson(dir, "tap.json", { api_key: apiKey, base_url: fake.url, ...options.config }),
  ];
  if (options.state !== undefined)
    args.push("--state", writeJson(dir, "state.json", options.state));
  args.push(...(options.args ?? []));
  const result = await run(process.execPath, args, { env: { ...process.env, ...options.env } });
  // A process killed mid-line may leave a partial last line: only complete lines count.
  const complete = result.stdout.slice(0, result.stdout.lastIndexOf("\n") + 1);
  const messages = complete
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as TapMessage);
  const lastState = messages.filter((m) => m.type === "STATE").at(-1)?.value;
  return { ...result, messages, lastState };
}

/** `stream id` of every RECORD. */
export function recordKeys(messages: readonly TapMessage[]): Set<string> {
  const out = new Set<string>();
  for (const m of messages) if (m.type === "RECORD") out.add(`${m.stream} ${String(m.record?.id)}`);
  return out;
}
