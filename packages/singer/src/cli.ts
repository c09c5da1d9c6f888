import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { Command, Option } from "@commander-js/extra-typings";
import { CommanderError } from "commander";
import { type AboutFormat, renderAbout } from "./about.js";
import { type Catalog, parseCatalog, parseStreamPatterns, selectStreams } from "./catalog.js";
import {
  envVarName,
  loadConfig,
  readJsonObjectFile,
  type SettingSchema,
  type SettingsSchema,
} from "./config.js";
import { ConfigError, describeUnknown, InterruptedError, SingerError } from "./errors.js";
import type { ProcessIo } from "./io.js";
import type { JsonObject } from "./json.js";
import { LOG_FORMATS, LOG_LEVELS, Logger, parseLogFormat, parseLogLevel } from "./log.js";
import { mapInput } from "./map-input.js";
import { STREAM_MAP_SETTINGS, type StreamMapper, streamMapperFromConfig } from "./stream-maps.js";
import { MessageWriter } from "./write-messages.js";

/** What a plugin is: shown by `--about`, used for env var names and log lines. */
export interface PluginSpec {
  readonly name: string;
  readonly description: string;
  readonly version: string;
  readonly capabilities: readonly string[];
  readonly settings: SettingsSchema;
}

/** Settings of the structured-logging capability; added to every plugin by the CLI shell. */
export const LOGGING_SETTINGS = {
  log_format: {
    type: "string",
    enum: [...LOG_FORMATS],
    description:
      "Log line format on stderr: `text` (default) or `json` (one JSON object per line: time, level, plugin, message, stream, metric_info). LOG_FORMAT also sets it.",
  },
  metrics_log_level: {
    type: "string",
    enum: [...LOG_LEVELS],
    description:
      "Level of METRIC log lines. Default: info in logs; on a terminal they are summed up in one line at the end (shown one by one at debug).",
  },
} as const;

/** Stream selection without a catalog; added to every tap by the CLI shell (`--select`). */
export const SELECT_SETTINGS = {
  select: {
    type: "string",
    description:
      "Comma-separated stream names or glob patterns (`*`, `?`) to sync, e.g. `tables,columns` or `catalog_*`: matching streams are selected, all others deselected (with or without --catalog, whose field selection still applies). A name or pattern matching no stream is an error. `--select` on the command line wins.",
    examples: ["tables,columns"],
  },
} as const;

/** Splitting each stream across processes; added to taps that support it (`--partition`). */
export const PARTITION_SETTINGS = {
  partition: {
    type: "string",
    pattern: "^[0-9]+/[0-9]+$",
    description:
      "`K/N`: this process reads partition K of N of every selected stream (disjoint; the N partitions together read exactly what one run reads). Each partition needs its own STATE, which records K/N; resuming it as another partition is an error. `--partition` on the command line wins.",
    examples: ["2/8"],
  },
} as const;

/** One process's share of a fan-out: partition `index` (1-based) of `count`. */
export interface PartitionSpec {
  readonly index: number;
  readonly count: number;
}

/** Parses `K/N` (1 ≤ K ≤ N); a clear ConfigError otherwise. */
export function parsePartition(text: string): PartitionSpec {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || !(index >= 1 && index <= count)) {
    throw new ConfigError(
      `partition: expected K/N with 1 <= K <= N (e.g. 2/8), got ${JSON.stringify(text)}`,
    );
  }
  return { index, count };
}

export function formatPartition(partition: PartitionSpec): string {
  return `${partition.index}/${partition.count}`;
}

/** Capabilities the shell provides to every plugin, with the settings behind them. */
const BUILTIN_CAPABILITIES = ["stream-maps", "structured-logging"];

/**
 * The plugin as users see it: its own settings and capabilities plus the shell's (stream maps,
 * structured logging), as the Meltano SDK adds its built-in settings. A plugin's own setting of
 * the same name wins.
 */
export function withBuiltins(
  spec: PluginSpec,
  extra: { readonly [name: string]: SettingSchema } = {},
): PluginSpec {
  const own = spec.settings.properties;
  const all = { ...extra, ...STREAM_MAP_SETTINGS, ...LOGGING_SETTINGS };
  const builtins = Object.entries(all).filter(([name]) => !Object.hasOwn(own, name));
  return {
    ...spec,
    capabilities: [
      ...spec.capabilities,
      ...BUILTIN_CAPABILITIES.filter((c) => !spec.capabilities.includes(c)),
    ],
    settings: {
      ...spec.settings,
      // The plugin's own settings first (and winning a clash), then the shell's.
      properties: { ...own, ...Object.fromEntries(builtins) },
    },
  };
}

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

/** What a tap's sync is asked to do. */
export interface SyncInput {
  readonly state?: JsonObject;
  /** The catalog, narrowed by `--select` when given (then discovered if no --catalog was). */
  readonly catalog?: Catalog;
  readonly test: boolean;
  /** `--partition K/N` (only for taps with `partitioned: true`). */
  readonly partition?: PartitionSpec;
}

export interface TapHandlers<C> {
  discover(ctx: RunContext<C>): Promise<Catalog>;
  sync(ctx: RunContext<C>, input: SyncInput): Promise<void>;
  /** The tap splits its streams across processes: the shell offers `--partition K/N`. */
  readonly partitioned?: boolean;
}

/** Options every Singer plugin takes. */
function baseCommand(spec: PluginSpec) {
  return new Command(spec.name)
    .description(spec.description)
    .version(spec.version, "--version")
    .option(
      "-c, --config <path...>",
      `config JSON file(s), later files win; env ${envVarName(spec.name, "<SETTING>")} overrides`,
    )
    .option("--about", "print name, version, capabilities and settings, then exit")
    .addOption(
      new Option("--format <format>", "format of --about").choices([
        "text",
        "json",
        "markdown",
      ] as const),
    );
}

/**
 * Builds a tap's CLI: `--config`, `--state`, `--catalog`/`--properties`, `--select`,
 * `--partition` (partitioned taps), `--discover`, `--about`, `--test`.
 */
export function tapProgram<C>(plugin: PluginSpec, io: ProcessIo, handlers: TapHandlers<C>) {
  const partitioned = handlers.partitioned === true;
  const spec = withBuiltins(plugin, {
    ...SELECT_SETTINGS,
    ...(partitioned ? PARTITION_SETTINGS : {}),
  });
  const program = baseCommand(spec)
    .option(
      "-s, --state <path>",
      "STATE from a previous run (the last state line a target printed)",
    )
    .option("--catalog <path>", "catalog selecting streams and fields")
    .option("-p, --properties <path>", "legacy name of --catalog")
    .option("-d, --discover", "print the catalog and exit")
    .option("--test", "connection test: sync one record per stream, then exit")
    .option(
      "--select <streams>",
      "comma-separated stream names or glob patterns to sync (e.g. 'tables,columns', 'catalog_*')",
    )
    .option(
      "--partition <K/N>",
      partitioned
        ? "read partition K of N of every selected stream (one process of a fan-out)"
        : "not supported by this tap",
    );
  program.action(async (options) => {
    if (options.about === true) return printAbout(spec, io, options.format);
    const mapOutput = options.discover !== true; // a catalog is not mapped; synced messages are
    await withContext<C>(spec, io, options.config, mapOutput, async (ctx) => {
      if (options.discover === true) {
        await ctx.output.writeLine(JSON.stringify(await handlers.discover(ctx)));
        return;
      }
      const settings = ctx.config as { select?: unknown; partition?: unknown };
      const select = options.select ?? stringSetting(settings.select);
      const partitionText = options.partition ?? stringSetting(settings.partition);
      if (partitionText !== undefined && !partitioned) {
        throw new ConfigError(`partition: ${spec.name} cannot split its streams across processes`);
      }
      const partition = partitionText === undefined ? undefined : parsePartition(partitionText);
      const catalogPath = options.catalog ?? options.properties;
      let catalog =
        catalogPath === undefined
          ? undefined
          : parseCatalog(await readJsonObjectFile(catalogPath, "catalog"), catalogPath);
      if (select !== undefined) {
        catalog = selectStreams(
          catalog ?? (await handlers.discover(ctx)),
          parseStreamPatterns(select),
        );
      }
      const state =
        options.state === undefined ? undefined : await readJsonObjectFile(options.state, "state");
      await handlers.sync(ctx, {
        ...(state === undefined ? {} : { state }),
        ...(catalog === undefined ? {} : { catalog }),
        test: options.test === true,
        ...(partition === undefined ? {} : { partition }),
      });
    });
  });
  return program;
}

/** Builds a target's CLI: `--config`, `--input FILE` (default stdin), `--about`. */
export function targetProgram<C>(
  plugin: PluginSpec,
  io: ProcessIo,
  run: (ctx: RunContext<C>, input: Readable) => Promise<void>,
) {
  const spec = withBuiltins(plugin);
  const program = baseCommand(spec).option(
    "--input <path>",
    "read Singer messages from a file instead of stdin",
  );
  program.action(async (options) => {
    if (options.about === true) return printAbout(spec, io, options.format);
    await withContext<C>(spec, io, options.config, false, (ctx, mapper) => {
      const input = options.input === undefined ? io.stdin : createReadStream(options.input);
      // The target maps right after reading: its code sees the mapped streams only.
      return run(ctx, mapper === undefined ? input : Readable.from(mapInput(input, mapper)));
    });
  });
  return program;
}

function stringSetting(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

async function printAbout(
  spec: PluginSpec,
  io: ProcessIo,
  format: AboutFormat | undefined,
): Promise<void> {
  const writer = new MessageWriter(io.stdout);
  await writer.writeLine(renderAbout(spec, format ?? "text").trimEnd());
  await writer.close();
}

/**
 * Loads config, builds the logger and the stream maps (a bad map fails here, before any data
 * moves), wires signals, runs, and always drains stdout. With `mapOutput`, messages written to
 * stdout go through the stream maps (a tap's sync).
 */
async function withContext<C>(
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
  const output = new MessageWriter(
    io.stdout,
    mapOutput && mapper !== undefined ? { map: (message) => mapper.map(message) } : {},
  );
  const controller = new AbortController();
  const unsubscribe = io.onSignal((signal) => {
    log.warn(`received ${signal}: stopping at the next safe point`);
    controller.abort(new InterruptedError(signal));
  });
  try {
    await run({ config, log, io, output, signal: controller.signal }, mapper);
    if (controller.signal.aborted) throw controller.signal.reason;
  } finally {
    log.summariseMetrics();
    unsubscribe();
    await output.close().catch(() => undefined); // an EPIPE here was already reported by run
  }
}

// The logger of a run, so runCli's final FATAL line redacts the secrets that run loaded.
const loggers = new WeakMap<ProcessIo, Logger>();

function loggerFor(name: string, io: ProcessIo): Logger {
  const existing = loggers.get(io);
  if (existing !== undefined) return existing;
  const level = parseLogLevel(io.env[envVarName(name, "LOGLEVEL")] ?? io.env.LOGLEVEL) ?? "info";
  // Read from env before config, so config errors are already in the chosen format.
  const format =
    parseLogFormat(io.env[envVarName(name, "LOG_FORMAT")] ?? io.env.LOG_FORMAT) ?? "text";
  const log = new Logger({ name, level, format, out: io.stderr, now: io.now });
  loggers.set(io, log);
  return log;
}

/** What runCli needs of a commander program (any option types). */
export interface CliProgram {
  name(): string;
  exitOverride(): unknown;
  configureOutput(output: { writeOut(text: string): void; writeErr(text: string): void }): unknown;
  parseAsync(argv: readonly string[]): Promise<unknown>;
}

/**
 * Parses argv and runs the program. The only place where failures become exit codes; it never
 * calls process.exit(): the caller sets process.exitCode, so stdout drains and the final STATE
 * line is not cut off. Every failure ends with one FATAL line on stderr.
 */
export async function runCli(program: CliProgram, io: ProcessIo): Promise<number> {
  program.exitOverride();
  program.configureOutput({
    writeOut: (text) => io.stdout.write(text),
    writeErr: (text) => io.stderr.write(text),
  });
  try {
    await program.parseAsync([...io.argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode; // commander already printed why
    const log = loggerFor(program.name(), io);
    if (error instanceof SingerError) {
      log.fatal(error.describe(), { ...error.context }); // stream, line, field: keys of a JSON line
      if (log.isEnabled("debug") && error.cause instanceof Error)
        log.debug(error.cause.stack ?? String(error.cause));
      return error.exitCode;
    }
    log.fatal(`internal error (a bug, please report it): ${describeUnknown(error)}`);
    if (error instanceof Error && error.stack !== undefined) log.error(error.stack);
    return 70; // EX_SOFTWARE
  }
}
