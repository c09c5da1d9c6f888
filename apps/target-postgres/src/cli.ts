#!/usr/bin/env node
import {
  createProcessIo,
  Logger,
  loadConfig,
  MessageWriter,
  packageVersion,
  runCli,
  targetProgram,
} from "@singerkit/singer";
import { SETTINGS, type TargetConfig } from "./config.js";
import { inspect } from "./inspect.js";
import { runTarget } from "./run-target.js";

const io = createProcessIo();
const program = targetProgram<TargetConfig>(
  {
    name: "target-postgres",
    description:
      "Singer target that loads any Singer stream into PostgreSQL (or an embedded PGlite): COPY + merge per batch, safe type widening, exact numbers, STATE only after commit.",
    version: packageVersion(import.meta.url),
    capabilities: [
      "about",
      "activate-version",
      "batch",
      "hard-delete",
      "soft-delete",
      "schema-flattening",
      "target-schema",
      "validate-records",
    ],
    settings: SETTINGS,
  },
  io,
  runTarget,
);
program
  .command("inspect")
  .description(
    "list the target schema's tables with row counts (or run --sql) on the database the config points to",
  )
  .option("--sql <query>", "print this query's rows instead")
  .action(async (options) => {
    const { config, secrets } = await loadConfig<TargetConfig>({
      plugin: "target-postgres",
      settings: SETTINGS,
      files: program.opts().config ?? [],
      env: io.env,
    });
    const log = new Logger({ name: "target-postgres", level: "warn", out: io.stderr });
    log.addSecrets(secrets);
    const out = new MessageWriter(io.stdout);
    try {
      await inspect(config, io.env, log, out, options.sql);
    } finally {
      await out.close();
    }
  });
process.exitCode = await runCli(program, io);
