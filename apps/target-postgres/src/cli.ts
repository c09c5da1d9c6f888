#!/usr/bin/env node
import { createProcessIo, packageVersion, runCli, targetProgram } from "@repo/singer";
import { SETTINGS, type TargetConfig } from "./config.js";
import { runTarget } from "./run-target.js";

const io = createProcessIo();
const program = targetProgram<TargetConfig>(
  {
    name: "target-postgres",
    description:
      "Singer target that loads any Singer stream into PostgreSQL: COPY + merge per batch, safe type widening, exact numbers, STATE only after commit.",
    version: packageVersion(import.meta.url),
    capabilities: ["about", "target-schema", "validate-records"],
    settings: SETTINGS,
  },
  io,
  runTarget,
);
process.exitCode = await runCli(program, io);
