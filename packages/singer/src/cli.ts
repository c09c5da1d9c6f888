import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { Command, Option } from "@commander-js/extra-typings";
import { type AboutFormat, renderAbout } from "./about.js";
import { type Catalog, parseCatalog, parseStreamPatterns, selectStreams } from "./catalog.js";
import { envVarName, readJsonObjectFile } from "./config.js";
import { ConfigError } from "./errors.js";
import type { ProcessIo } from "./io.js";
import type { JsonObject } from "./json.js";
import { mapInput } from "./map-input.js";
import { type PartitionSpec, parsePartition } from "./partition.js";
import {
  BATCH_SETTINGS,
  PARTITION_SETTINGS,
  type PluginSpec,
  SELECT_SETTINGS,
  withBuiltins,
} from "./plugin-spec.js";
import { type RunContext, withContext } from "./run-context.js";
import { MessageWriter } from "./write-messages.js";

/**
 * The programs of a tap and a target: their options (commander), and what each option asks of
 * the plugin's handlers. Config, logger and signals come from run-context.ts; exit codes from
 * run-cli.ts.
 */

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
  const spec = withBuiltins(
    plugin,
    { ...SELECT_SETTINGS, ...(partitioned ? PARTITION_SETTINGS : {}), ...BATCH_SETTINGS },
    ["batch"],
  );
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
      const copy = mapper?.copyNames()[0];
      if (copy !== undefined)
        // One line out per line in keeps the user's line numbers; a copy would add lines.
        throw new ConfigError(
          `stream_maps.${copy}.__source__: a target cannot copy a stream (map it in the tap)`,
        );
      // 256 KiB reads: a quarter of the per-chunk work of the default 64 KiB on a big file
      // (1 MiB saved little more CPU and held ~30 MB more RSS).
      const input =
        options.input === undefined
          ? io.stdin
          : createReadStream(options.input, { highWaterMark: 256 * 1024 });
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
