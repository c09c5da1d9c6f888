#!/usr/bin/env node
/** secoda-fake: runs the fake Secoda API until SIGINT/SIGTERM. Prints its URL on stdout. */
import { Command, CommanderError, InvalidArgumentError } from "@commander-js/extra-typings";
import { faultPlanFromFlags } from "./fault-flags.js";
import { FaultPlanError } from "./fault-plan.js";
import { type FakeSecoda, startFakeSecoda } from "./server.js";

// stdout carries exactly one line (the URL); everything else goes to stderr.
const say = (line: string) => process.stdout.write(`${line}\n`);
const log = (line: string) => process.stderr.write(`secoda-fake: ${line}\n`);

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError("expected a non-negative integer");
  return n;
}

function share(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError("expected a number between 0 and 1");
  return n;
}

const program = new Command("secoda-fake")
  .description(
    "A local fake of the Secoda API v1 with seeded data, an admin API and fault injection.",
  )
  .option("--port <n>", "TCP port (0 = any free port)", integer, 8787)
  .option("--host <host>", "interface to listen on", "127.0.0.1")
  .option("--seed <n>", "data seed", integer, 1)
  .option("--scale <n>", "catalog resources (>= 100); other kinds scale with it", integer, 1000)
  .option("--api-key <key>", "non-admin API key (audit logs → 403)", "test-key")
  .option("--admin-key <key>", "admin API key", "admin-key")
  .option("--page-size <n>", "default page_size", integer, 50)
  .option("--max-page-size <n>", "largest honoured page_size", integer, 1000)
  .option("--start-time <iso>", "fake clock at start", "2026-03-01T12:00:00.000000Z")
  .option("--control-token <token>", "require X-Admin-Token on /__admin")
  .option("--log-requests", "log every API request to stderr")
  .option("--real-api", "serve the real API's documented variants (README: Real-API mode)")
  .option("--faults <json>", "a full fault plan as JSON (README: Faults)")
  .option("--rate-limit <perMinute>", "token bucket: requests per minute, then 429", integer)
  .option("--rate-limit-burst <n>", "token bucket size (default: the per-minute rate)", integer)
  .option("--no-retry-after", "send 429 without a Retry-After header")
  .option("--error-every <n>", "every Nth request in scope gets a 5xx", integer)
  .option("--error-share <p>", "a seeded share of requests in scope gets a 5xx", share)
  .option("--error-statuses <list>", "5xx statuses used in turn", "500,502,503")
  .option("--slow-ms <ms>", "delay every request in scope", integer)
  .option("--reset-every <n>", "every Nth request: reset the connection mid-body", integer)
  .option("--truncate-every <n>", "every Nth request: 200 with a cut JSON body", integer)
  .option("--missing-results-every <n>", "every Nth request: 200 without `results`", integer)
  .option("--fault-path <prefix>", "scope: only paths starting with this")
  .option("--fault-after <n>", "scope: let the first N requests in scope through", integer)
  .option("--fault-for <n>", "scope: then only the next N requests are eligible", integer)
  .option("--fault-max <n>", "scope: stop after N injected faults", integer)
  .option("--fault-seed <n>", "seed for --error-share (default: --seed)", integer);

program.action(async (options) => {
  const faults = faultPlanFromFlags(options);
  const fake = await startFakeSecoda({
    ...options,
    faults,
    ...(options.controlToken === undefined ? {} : { controlToken: options.controlToken }),
    ...(options.logRequests === true
      ? {
          onRequest: (r) =>
            log(
              `${r.method} ${r.path}${r.query === "" ? "" : `?${r.query}`} → ${r.status}${r.fault === null ? "" : ` (${r.fault})`}`,
            ),
        }
      : {}),
  });
  log(`seed ${options.seed}, scale ${options.scale}, faults ${JSON.stringify(faults)}`);
  log(
    `keys: admin "${options.adminKey}", non-admin "${options.apiKey}"; admin API at ${fake.url}/__admin`,
  );
  say(fake.url);
  stopOnSignal(fake);
});

function stopOnSignal(fake: FakeSecoda): void {
  const stop = (signal: string) => {
    log(`${signal}: stopping`);
    fake.close().then(
      () => log("stopped"),
      (error: unknown) => {
        log(`error while stopping: ${String(error)}`);
        process.exitCode = 1;
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

try {
  await program.exitOverride().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else {
    const known =
      error instanceof FaultPlanError ||
      error instanceof RangeError ||
      error instanceof SyntaxError;
    log(`error: ${known ? error.message : String(error)}`);
    process.exitCode = known ? 2 : 1;
  }
}
