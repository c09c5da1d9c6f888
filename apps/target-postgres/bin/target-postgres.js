#!/usr/bin/env node
// The installed command. It only starts the compiled CLI: being committed rather than built, it
// exists when pnpm links workspace commands at install time, before the first build.
import { existsSync } from "node:fs";

const cli = new URL("../dist/cli.js", import.meta.url);
if (existsSync(cli)) {
  await import(cli.href);
} else {
  process.stderr.write(`${cli.pathname} is missing: build first (npm run build)\n`);
  process.exitCode = 1;
}
