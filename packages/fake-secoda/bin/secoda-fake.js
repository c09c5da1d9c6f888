#!/usr/bin/env node
// Committed, not built: pnpm links it at install time, before the first build.
await import(new URL("../dist/cli.js", import.meta.url).href);
