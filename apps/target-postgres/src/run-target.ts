import type { Readable } from "node:stream";
import {
  assertNever,
  type Clock,
  progressReporter,
  type RunContext,
  systemClock,
} from "@singerkit/singer";
import { loadBatchMessage } from "./batch-input.js";
import { CommitMarkers } from "./commit-markers.js";
import type { TargetConfig } from "./config.js";
import { runHooks } from "./hooks.js";
import { IDLE, readInput } from "./input.js";
import { LoadHistory } from "./load-history.js";
import { checkMappingNames } from "./mapping.js";
import { OffSchemaLog } from "./off-schema.js";
import { openDb } from "./open-db.js";
import { createPipeline } from "./pipeline.js";
import { retryIdempotent } from "./retry.js";
import { StateTracker } from "./state-tracker.js";

/**
 * stdin → parse → validate → encode into the stream's batch → COPY → merge → COMMIT → STATE.
 * Each message type is handled by one call of the Pipeline (pipeline.ts, which names the unit
 * owning each step); only the StateTracker decides when a STATE may be written (through the
 * MessageWriter, the one writer of stdout). Time comes from `clock` (tests pass a fake one). On a failure, the commit already in flight finishes (and its STATE is written),
 * nothing else is committed, and the error reaches runCli for the FATAL line and exit code.
 */
export async function runTarget(
  ctx: RunContext<TargetConfig>,
  input: Readable,
  clock: Clock = systemClock,
): Promise<void> {
  const { config, log, output, signal } = ctx;
  const progress = progressReporter(ctx, { showCommitted: true });
  const offSchema = new OffSchemaLog(log);
  const history = new LoadHistory(log, config.default_target_schema, config.load_history_table, {
    committed: (stream, rows) => progress.committed(stream, rows),
    clock,
    offSchema,
  });
  const states = new StateTracker((_value, text) => {
    history.stateWritten(text);
    // A closed stdout surfaces below through output.flush(); never as an unhandled rejection.
    output.writeLine(text)?.catch(() => undefined);
  });
  const markers = new CommitMarkers(config.default_target_schema, history.id);
  checkMappingNames(config);
  const db = openDb(config, ctx.io.env, log);
  const retry = { retries: config.flush_retries, clock, log };
  const pipeline = createPipeline(db, config, {
    log,
    clock,
    states,
    history,
    offSchema,
    markers,
    counted: (stream) => progress.count(stream),
  });
  const stop = () => input.destroy();
  signal.addEventListener("abort", stop, { once: true });
  const idleMs = Math.min(1000, config.batch_max_age_seconds * 1000);
  let failing = true;
  let failure: unknown;
  try {
    await history.start(db, retry);
    await runHooks(db, retry, "before_run_sql", config.before_run_sql);
    for await (const batch of readInput(input, log, idleMs, clock)) {
      if (batch === IDLE) {
        await pipeline.idle(clock.now());
        continue;
      }
      for (const { line, message, exact, clean, stateText } of batch) {
        if (signal.aborted) break;
        const now = clock.now();
        switch (message.type) {
          case "SCHEMA":
            await pipeline.schema(message, line);
            break;
          case "RECORD": {
            const waiting = pipeline.record(message, exact, clean, line, now); // no promise per record
            if (waiting !== undefined) await waiting;
            break;
          }
          case "STATE":
            await pipeline.state(message.value, stateText);
            break;
          case "ACTIVATE_VERSION":
            await pipeline.activateVersion(message, line);
            break;
          case "BATCH":
            await loadBatchMessage(pipeline, message, line, clock, () => signal.aborted);
            break;
          default:
            assertNever(message, "message");
        }
        const due = pipeline.flushIfDue(
          now,
          message.type === "RECORD" ? message.stream : undefined,
        );
        if (due !== undefined) await due;
        if (output.isClosed) await output.flush();
      }
    }
    // End of input (or a stop signal): commit everything; the last STATE follows the commit.
    await pipeline.endOfInput();
    if (!signal.aborted) {
      await pipeline.finish(); // a stopped run never swaps in a partial table
      await runHooks(db, retry, "after_run_sql", config.after_run_sql);
    }
    failing = false;
  } catch (error) {
    if (signal.aborted && isAbortError(error)) {
      await pipeline.endOfInput();
      failing = false;
      return;
    }
    failure = error;
    throw error;
  } finally {
    signal.removeEventListener("abort", stop);
    await pipeline.settle().catch((error: unknown) => {
      failure ??= error;
    });
    progress.stop(); // before the load summary, which stays the last word
    const outcome = failing ? "failed" : signal.aborted ? "interrupted" : "succeeded";
    const removing = { label: markers.label, doing: "removing this load's commit markers" };
    await retryIdempotent(removing, () => markers.finish(db), retry).catch((error: unknown) => {
      log.warn(
        `could not remove this load's commit markers from ${markers.label}: ${String(error)}`,
      );
    });
    await history.finish(db, outcome, failing ? failure : undefined, retry);
    await pipeline.close(failing, failure);
  }
}

/** Destroying stdin on SIGINT/SIGTERM ends the read with "premature close"; not a failure. */
function isAbortError(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === "AbortError" ||
      (error as NodeJS.ErrnoException).code === "ERR_STREAM_PREMATURE_CLOSE") // Node stream errors carry a code
  );
}
