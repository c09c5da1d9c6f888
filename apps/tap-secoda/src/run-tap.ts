import {
  type Catalog,
  type Clock,
  ConfigError,
  catalogEntry,
  formatPartition,
  isJsonObject,
  type JsonObject,
  MetricCounter,
  message,
  type PluginSpec,
  type ProcessIo,
  progressReporter,
  type RunContext,
  type SyncInput,
  tapProgram,
} from "@singerkit/singer";
import { planFanOut } from "./catalog-fan-out.js";
import { type FetchLike, SecodaClient } from "./client.js";
import { apiRoot, SETTINGS, type TapConfig } from "./config.js";
import { tracksDeletes, withDeletedAt } from "./deletion-sweep.js";
import { planStreams, type StreamPlan } from "./plan.js";
import { StateTracker } from "./state.js";
import { STREAM_DEFS } from "./streams.js";
import type { SyncContext } from "./sync-context.js";
import { syncStream } from "./sync-stream.js";

/** Test seams: the real CLI passes nothing. */
export interface TapDeps {
  readonly fetch?: FetchLike;
  readonly clock?: Clock;
  readonly random?: () => number;
}

export function tapSpec(version: string): PluginSpec {
  return {
    name: "tap-secoda",
    description: "Singer tap for the Secoda API (data catalog, governance and Q&A metadata).",
    version,
    capabilities: [
      "catalog",
      "discover",
      "state",
      "test",
      "about",
      "activate-version",
      "properties",
    ],
    settings: SETTINGS,
  };
}

/** The tap's commander program: @singerkit/singer's tap CLI wired to discover and sync. */
export function tapCli(io: ProcessIo, version: string, deps: TapDeps = {}) {
  return tapProgram<TapConfig>(tapSpec(version), io, {
    partitioned: true,
    discover: async () => discover(),
    sync: (ctx, input) => sync(ctx, input, version, deps),
  });
}

/** The catalog: every stream with standard Singer metadata. */
export function discover(): Catalog {
  return {
    streams: STREAM_DEFS.map((def) =>
      catalogEntry({
        tapStreamId: def.name,
        schema: def.schema,
        keyProperties: def.keyProperties,
        ...(def.replicationKey === undefined ? {} : { replicationKeys: [def.replicationKey] }),
        selectedByDefault: def.selectedByDefault ?? true,
      }),
    ),
  };
}

/**
 * Syncs the selected streams, at most max_concurrency at a time. The first failure stops the
 * others (their in-flight requests are aborted) and is rethrown; every STATE already written
 * stays valid, so the next run resumes from it.
 */
export async function sync(
  ctx: RunContext<TapConfig>,
  input: SyncInput,
  version: string,
  deps: TapDeps = {},
): Promise<void> {
  const { config, log } = ctx;
  const cadence = config.deletion_sweep;
  const plans = planStreams(STREAM_DEFS, input.catalog, log).map((plan) =>
    tracksDeletes(plan, cadence) ? withDeletedAt(plan) : plan,
  );
  const partition =
    input.partition === undefined || input.partition.count === 1 ? undefined : input.partition;
  const spec = partition === undefined ? undefined : formatPartition(partition);
  checkStatePartition(input.state, spec);
  const failed = new AbortController();
  const signal = AbortSignal.any([ctx.signal, failed.signal]);
  const client = new SecodaClient({
    root: apiRoot(config.base_url),
    apiKey: config.api_key,
    userAgent: config.user_agent ?? `tap-secoda/${version}`,
    timeoutMs: config.request_timeout * 1000,
    maxRetries: config.max_retries,
    backoffInitialMs: config.backoff_initial_seconds * 1000,
    backoffMaxMs: config.backoff_max_seconds * 1000,
    ...(config.page_size === undefined ? {} : { pageSize: config.page_size }),
    maxConcurrency: config.max_concurrency,
    ...(config.requests_per_minute === undefined
      ? {}
      : { requestsPerMinute: config.requests_per_minute }),
    log,
    signal,
    ...deps,
  });
  const records = new MetricCounter(log, "record_count");
  const progress = progressReporter(ctx);
  const lookups = new Map<string, Promise<string[]>>();
  const syncContext: SyncContext = {
    client,
    output: ctx.output,
    state: new StateTracker(input.state, log, spec, () => ctx.io.now().getTime()),
    log,
    now: ctx.io.now,
    startDate: config.start_date,
    activateVersions: config.emit_activate_version_messages,
    deletionSweep: cadence,
    detailConcurrency: config.max_concurrency,
    // At least 2: with max_concurrency 1 the second request waits for the first's body, then
    // goes out at once, so the server is never idle while we write (decisions-tap.md "Prefetch").
    readAhead: Math.max(2, config.max_concurrency),
    records,
    progress,
    lookupIds: (stream) => {
      let ids = lookups.get(stream);
      if (ids === undefined) {
        ids = readIds(client, stream);
        lookups.set(stream, ids);
      }
      return ids;
    },
    ...(input.test ? { recordLimit: 1 } : {}),
    ...(partition === undefined ? {} : { partition }),
  };
  const share = spec === undefined ? "" : ` (partition ${spec})`;
  log.info(
    `syncing ${plans.length} streams${share}: ${plans.map((plan) => plan.def.name).join(", ")}`,
  );
  try {
    const { readers, followers } = planFanOut(plans, {
      partitioned: partition !== undefined,
      test: input.test,
      resuming: (stream) => syncContext.state.get(stream).progress !== undefined,
    });
    const sync = (plan: StreamPlan) =>
      syncStream(plan, syncContext, followers.get(plan.def.name) ?? []);
    await runAll(readers, config.max_concurrency, sync, failed);
    const last = syncContext.state.flush(); // a big STATE held back by its pace
    if (last !== undefined) await ctx.output.write(message.state(last));
  } finally {
    client.flushMetrics();
    records.flush();
    progress.stop();
  }
}

/**
 * A partition's bookmarks cover only its own records (decisions-tap.md "Fan-out"): a STATE written
 * as partition K/N can only resume K/N. A STATE without a partition (a whole run's) may seed any
 * partition: it covers every record.
 */
function checkStatePartition(state: JsonObject | undefined, spec: string | undefined): void {
  const value = state?.type === "STATE" && isJsonObject(state.value) ? state.value : state;
  const written = value?.partition;
  if (written === undefined || written === spec) return;
  const mine = spec === undefined ? "a whole run (no --partition)" : `partition ${spec}`;
  throw new ConfigError(
    `state: this STATE was written by partition ${JSON.stringify(written)}, but this is ${mine}; its bookmarks cover only that partition's records, so resuming from it would lose records. Give each partition its own state (state file or Meltano state id per K/N)`,
  );
}

/** Runs streams through a pool of `limit` workers; the first error aborts the rest. */
async function runAll(
  plans: readonly StreamPlan[],
  limit: number,
  run: (plan: StreamPlan) => Promise<number>,
  failed: AbortController,
): Promise<void> {
  let next = 0;
  let firstError: { error: unknown } | undefined;
  const worker = async () => {
    for (let plan = plans[next++]; plan !== undefined; plan = plans[next++]) {
      if (firstError !== undefined) return;
      try {
        await run(plan);
      } catch (error) {
        if (firstError === undefined) {
          firstError = { error };
          failed.abort(new Error(`stopped because stream ${plan.def.name} failed`));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, plans.length) }, worker));
  if (firstError !== undefined) throw firstError.error;
}

/** Ids of every record of a stream (for partition values); nothing is emitted. */
async function readIds(client: SecodaClient, stream: string): Promise<string[]> {
  const def = STREAM_DEFS.find((candidate) => candidate.name === stream);
  if (def === undefined) throw new Error(`partition values come from unknown stream ${stream}`);
  const ids: string[] = [];
  const cursor = client.list({
    stream: def.name,
    path: def.path,
    list: def.list,
    params: { ...def.params },
  });
  try {
    for (let page = await cursor.next(); page !== undefined; page = await cursor.next()) {
      cursor.prefetch();
      for (const row of page.rows) if (typeof row.id === "string") ids.push(row.id);
    }
  } finally {
    cursor.close();
  }
  return ids;
}
