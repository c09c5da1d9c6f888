/**
 * @singerkit/singer — the Singer protocol for TypeScript taps and targets: message types, a streaming
 * NDJSON reader and writer, catalog selection, JSON Schema validation, config loading, logging
 * with metrics, progress and redaction, and the CLI conventions (`--config`, `--about`, …).
 * It knows nothing about any particular source or destination.
 */
export * from "./about.js";
export * from "./catalog.js";
export * from "./cli.js";
export * from "./clock.js";
export * from "./config.js";
export * from "./errors.js";
export * from "./io.js";
export * from "./json.js";
export * from "./log.js";
export * from "./messages.js";
export * from "./progress.js";
export * from "./read-messages.js";
export * from "./schema.js";
export * from "./write-messages.js";
