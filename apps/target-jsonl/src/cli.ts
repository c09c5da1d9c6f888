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
          anyOf: [{ type: "boolean" }, { type: "string", enum: ["strict"] }],
          description:
            'Validate records against their SCHEMA; an invalid record fails the run ("strict" is the same as true, for config shared with target-postgres)',
          default: true,
        },
      },
    },
  },
  io,
  runJsonlTarget,
);
process.exitCode = await runCli(program, io);
