import { PassThrough } from "node:stream";
import {
  type Catalog,
  type JsonObject,
  MessageWriter,
  type PartitionSpec,
  type ProcessIo,
  readMessages,
  type SingerMessage,
} from "@singerkit/singer";
import type { FetchLike } from "../../src/client.js";
import type { TapConfig } from "../../src/config.js";
import { sync } from "../../src/run-tap.js";
import { fakeClock, memoryLogger } from "./memory.js";

export interface InProcessRun {
  readonly messages: SingerMessage[];
  readonly logs: string[];
  readonly error: unknown;
}

/** Runs the tap's sync in-process against an injected fetch and a clock that does not sleep. */
export async function runSync(
  fetch: FetchLike,
  options: {
    config?: Partial<TapConfig>;
    state?: JsonObject;
    catalog?: Catalog;
    test?: boolean;
    now?: string;
    partition?: PartitionSpec;
  } = {},
): Promise<InProcessRun> {
  const stdout = new PassThrough();
  const collected = (async () => {
    const out: SingerMessage[] = [];
    for await (const { message } of readMessages(stdout, { unknownTypes: "fail" }))
      out.push(message);
    return out;
  })();
  const { log, lines } = memoryLogger();
  const { clock } = fakeClock();
  const now = new Date(options.now ?? "2025-06-01T00:00:00Z");
  const config: TapConfig = {
    api_key: "test-key",
    base_url: "https://api.secoda.co",
    max_concurrency: 2,
    request_timeout: 5,
    max_retries: 2,
    backoff_initial_seconds: 0.01,
    backoff_max_seconds: 0.1,
    emit_activate_version_messages: false,
    deletion_sweep: "never", // engine tests look at paging; deletion-sweep.test.ts sweeps
    progress_interval_seconds: 10, // the default, which loadConfig would fill in
    ...options.config,
  };
  const output = new MessageWriter(stdout);
  let error: unknown;
  try {
    await sync(
      {
        config,
        log,
        io: { now: () => now } as unknown as ProcessIo, // sync reads only io.now
        output,
        signal: new AbortController().signal,
      },
      {
        test: options.test ?? false,
        ...(options.state === undefined ? {} : { state: options.state }),
        ...(options.catalog === undefined ? {} : { catalog: options.catalog }),
        ...(options.partition === undefined ? {} : { partition: options.partition }),
      },
      "0.0.0-test",
      { fetch, clock, random: () => 0.5 },
    );
  } catch (caught) {
    error = caught;
  }
  await output.close();
  stdout.end();
  return { messages: await collected, logs: lines, error };
}

/** Records of one stream, in output order. */
export function recordsOf(messages: readonly SingerMessage[], stream: string): JsonObject[] {
  return messages.flatMap((m) => (m.type === "RECORD" && m.stream === stream ? [m.record] : []));
}

/** The last STATE value. */
export function lastState(messages: readonly SingerMessage[]): JsonObject | undefined {
  return messages.findLast((m) => m.type === "STATE")?.value;
}
