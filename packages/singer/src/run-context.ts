import { parseBatchConfig } from "./batch-writer.js";
import { envVarName, loadConfig } from "./config.js";
import { InterruptedError } from "./errors.js";
import type { ProcessIo } from "./io.js";
import { Logger } from "./log.js";
import { parseLogFormat, parseLogLevel } from "./log-levels.js";
import type { PluginSpec } from "./plugin-spec.js";
import { type StreamMapper, streamMapperFromConfig } from "./stream-maps.js";
import { MessageWriter } from "./write-messages.js";

/** Handed to a plugin's run function: validated config, a redacting logger, an abort signal. */
export interface RunContext<C> {
  readonly config: C;
  readonly log: Logger;
  readonly io: ProcessIo;
  /** The only writer of stdout. */
  readonly output: MessageWriter;
  /** Aborted on SIGINT/SIGTERM; long loops check it and stop at a safe point. */
  readonly signal: AbortSignal;
}

/**
 * Loads config, builds the logger and the stream maps (a bad map fails here, before any data
 * moves), wires signals, runs, and always drains stdout. With `mapOutput`, messages written to
 * stdout go through the stream maps (a tap's sync).
 */
export async function withContext<C>(
  spec: PluginSpec,
  io: ProcessIo,
  files: readonly string[] | undefined,
  mapOutput: boolean,
  run: (ctx: RunContext<C>, mapper: StreamMapper | undefined) => Promise<void>,
): Promise<void> {
  const log = loggerFor(spec.name, io);
  const { config, secrets, unknown } = await loadConfig<C>({
    plugin: spec.name,
    settings: spec.settings,
    files: files ?? [],
    env: io.env,
  });
  log.addSecrets(secrets);
  const configured = parseLogLevel(
    typeof (config as { log_level?: unknown }).log_level === "string"
      ? String((config as { log_level?: unknown }).log_level)
      : undefined,
  );
  if (configured !== undefined) log.setLevel(configured);
  const settings = config as { log_format?: unknown; metrics_log_level?: unknown };
  const format = parseLogFormat(
    typeof settings.log_format === "string" ? settings.log_format : undefined,
  );
  if (format !== undefined) log.setFormat(format);
  const metricsLevel = parseLogLevel(
    typeof settings.metrics_log_level === "string" ? settings.metrics_log_level : undefined,
  );
  if (metricsLevel !== undefined) log.setMetricsLevel(metricsLevel);
  for (const warning of unknown) log.warn(warning);
  const mapper = streamMapperFromConfig(config as object, (text) => log.warn(text));
  // A tap's sync: its output goes through the stream maps, then (batch_config) into BATCH files.
  const batch = mapOutput
    ? parseBatchConfig((config as { batch_config?: unknown }).batch_config)
    : undefined;
  const output = new MessageWriter(io.stdout, {
    ...(mapOutput && mapper !== undefined ? { map: (message) => mapper.mapAll(message) } : {}),
    ...(batch === undefined ? {} : { batch }),
  });
  const controller = new AbortController();
  const unsubscribe = io.onSignal((signal) => {
    log.warn(`received ${signal}: stopping at the next safe point`);
    controller.abort(new InterruptedError(signal));
  });
  try {
    await run({ config, log, io, output, signal: controller.signal }, mapper);
    await output.closeBatches(); // the last BATCH messages; a file that cannot be written fails the run
    if (controller.signal.aborted) throw controller.signal.reason;
  } finally {
    log.summariseMetrics();
    unsubscribe();
    await output.close().catch(() => undefined); // an EPIPE here was already reported by run
  }
}

// The logger of a run, so runCli's final FATAL line redacts the secrets that run loaded.
const loggers = new WeakMap<ProcessIo, Logger>();

export function loggerFor(name: string, io: ProcessIo): Logger {
  const existing = loggers.get(io);
  if (existing !== undefined) return existing;
  const level = parseLogLevel(io.env[envVarName(name, "LOGLEVEL")] ?? io.env.LOGLEVEL) ?? "info";
  // Read from env before config, so config errors are already in the chosen format.
  const format =
    parseLogFormat(io.env[envVarName(name, "LOG_FORMAT")] ?? io.env.LOG_FORMAT) ?? "text";
  const redraw = io.env.TERM !== "dumb";
  const log = new Logger({ name, level, format, out: io.stderr, now: io.now, redraw });
  loggers.set(io, log);
  return log;
}
