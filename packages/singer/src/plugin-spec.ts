import type { SettingSchema, SettingsSchema } from "./config.js";
import { LOG_FORMATS, LOG_LEVELS } from "./log-levels.js";
import { STREAM_MAP_SETTINGS } from "./stream-maps.js";

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

/** Records as BATCH files (the Meltano SDK's `batch_config`); added to every tap by the shell. */
export const BATCH_SETTINGS = {
  batch_config: {
    type: "object",
    description:
      'Send records as BATCH messages naming jsonl files instead of RECORD messages: `{"encoding": {"format": "jsonl", "compression": "gzip"}, "storage": {"root": "file:///path", "prefix": "run-"}, "batch_size": 10000}` (these are the defaults, with the root a folder of the OS temp dir). A file holds up to batch_size records of one stream; when one is full (and before a SCHEMA or ACTIVATE_VERSION, and at the end) every open file is closed and announced, then the latest STATE is written, so a STATE always follows the BATCH of the records before it (STATEs in between are not sent). Files are left for the target.',
  },
} as const;

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
  extraCapabilities: readonly string[] = [],
): PluginSpec {
  const own = spec.settings.properties;
  const all = { ...extra, ...STREAM_MAP_SETTINGS, ...LOGGING_SETTINGS };
  const builtins = Object.entries(all).filter(([name]) => !Object.hasOwn(own, name));
  return {
    ...spec,
    capabilities: [
      ...spec.capabilities,
      ...[...extraCapabilities, ...BUILTIN_CAPABILITIES].filter(
        (c) => !spec.capabilities.includes(c),
      ),
    ],
    settings: {
      ...spec.settings,
      // The plugin's own settings first (and winning a clash), then the shell's.
      properties: { ...own, ...Object.fromEntries(builtins) },
    },
  };
}
