#!/usr/bin/env node
import { createProcessIo, packageVersion, runCli } from "@singerkit/singer";
import { tapCli } from "./run-tap.js";

const io = createProcessIo();
process.exitCode = await runCli(tapCli(io, packageVersion(import.meta.url)), io);
