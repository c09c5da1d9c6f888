#!/usr/bin/env node
import { createProcessIo, packageVersion, runCli, targetProgram } from "@singerkit/singer";
import { type JsonlConfig, runJsonlTarget } from "./run-target.js";

const io = createProcessIo();
const program = targetProgram<JsonlConfig>(
  {
    name: "target-jsonl",
    description: "Writes each stream's records to <destination_path>/<stream>.jsonl",
    version: packageVersion(import.meta.url),
    capabilities: ["about", "validate-records"],
    settings: {
      type: "object",
      properties: {
        destination_path: {
          type: "string",
          description: "Folder for the .jsonl files",
          default: "output",
        },
        validate_records: {
          type: "boolean",
          description: "Validate records against their SCHEMA",
          default: true,
        },
      },
    },
  },
  io,
  runJsonlTarget,
);
process.exitCode = await runCli(program, io);
