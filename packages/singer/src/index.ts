/**
 * @singerkit/singer — the Singer protocol for TypeScript taps and targets: message types, a streaming
 * NDJSON reader and writer, catalog selection, JSON Schema validation, config loading, logging
 * with metrics, progress and redaction, stream maps, and the CLI conventions (`--config`,
 * `--about`, …). It knows nothing about any particular source or destination.
 *
 * The public surface, named one by one: what is not listed here is internal and may change.
 * `index.test.ts` holds the list, so a new export is a decision, not an accident.
 */

// Plugin shell: the CLI, its run context, --about, exit codes.
export { type AboutFormat, type AboutInfo, LIBRARY_VERSION, renderAbout } from "./about.js";
export {
  type BatchRecord,
  type CheckBatchOptions,
  type CheckedBatch,
  checkBatch,
  checkBatchFiles,
  type ReadBatchOptions,
  readBatchRecords,
} from "./batch.js";
// BATCH messages: their records, streamed from the manifest's files.
export { type BatchConfig, parseBatchConfig } from "./batch-writer.js";
// Catalog and field selection.
export {
  type Catalog,
  type CatalogEntry,
  catalogEntry,
  type FieldSelection,
  type Inclusion,
  isStreamSelected,
  type MetadataEntry,
  parseCatalog,
  parseStreamPatterns,
  type ReplicationMethod,
  replicationOf,
  type StreamDescription,
  selectedFields,
  selectRecord,
  selectSchema,
  selectStreams,
  standardMetadata,
} from "./catalog.js";
export { type SyncInput, type TapHandlers, tapProgram, targetProgram } from "./cli.js";
// Time: the wall clock and waiting, injected so tests never sleep.
export { type Clock, systemClock } from "./clock.js";
// Config: files, env, defaults, validation, secrets; types derived from the settings schema.
export {
  type ConfigOf,
  envVarName,
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
  readJsonObjectFile,
  type SettingSchema,
  type SettingsSchema,
} from "./config.js";
// Errors: each carries where it happened and its exit code.
export {
  assertNever,
  ConfigError,
  describeUnknown,
  type ErrorContext,
  type ErrorOptions,
  InputError,
  InterruptedError,
  LoadError,
  OutputClosedError,
  SingerError,
  SourceError,
} from "./errors.js";
export { createProcessIo, type ProcessIo, packageVersion } from "./io.js";
export { isJsonObject, type JsonObject, type JsonValue } from "./json.js";
// Logging: stderr lines (text or JSON), metrics, redaction by value.
export { type LogFields, Logger, type LoggerOptions } from "./log.js";
export {
  LOG_FORMATS,
  LOG_LEVELS,
  type LogFormat,
  type LogLevel,
  parseLogFormat,
  parseLogLevel,
} from "./log-levels.js";
export { mapInput } from "./map-input.js";
// Messages on the wire.
export {
  type ActivateVersionMessage,
  type BatchMessage,
  type MessageType,
  message,
  type ParseWarning,
  parseMessage,
  type RecordMessage,
  type SchemaMessage,
  type SingerMessage,
  type StateMessage,
} from "./messages.js";
export { type Metric, MetricCounter } from "./metrics.js";
export { formatPartition, type PartitionSpec, parsePartition } from "./partition.js";
export {
  LOGGING_SETTINGS,
  PARTITION_SETTINGS,
  type PluginSpec,
  SELECT_SETTINGS,
  withBuiltins,
} from "./plugin-spec.js";
export {
  DEFAULT_PROGRESS_INTERVAL_SECONDS,
  PROGRESS_SETTINGS,
  type ProgressOptions,
  ProgressReporter,
  progressReporter,
} from "./progress.js";
// Reading NDJSON: messages one by one, or per chunk with raw text and idle ticks (targets).
export {
  DEFAULT_MAX_LINE_BYTES,
  IDLE,
  type Idle,
  type InputLine,
  type Line,
  LineSplitter,
  type ReadInputOptions,
  type ReadOptions,
  readInput,
  readLines,
  readMessages,
  withIdleTicks,
} from "./read-messages.js";
export { type CliProgram, runCli } from "./run-cli.js";
export type { RunContext } from "./run-context.js";
export {
  compileSchemaCheck,
  compileValidator,
  type JsonSchema,
  type JsonSchemaObject,
  type JsonSchemaType,
  type RecordValidator,
  type SchemaCheck,
  type SchemaIssue,
  schemaTypes,
  type ValidatorOptions,
} from "./schema.js";
export { STREAM_MAP_SETTINGS, StreamMapper, streamMapperFromConfig } from "./stream-maps.js";
export { MessageWriter, type MessageWriterOptions } from "./write-messages.js";
