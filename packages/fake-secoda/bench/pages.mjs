#!/usr/bin/env node
// Pages per second the fake serves for /api/v1/resource/catalog?page_size=100, read by a bare
// sequential fetch loop that follows links.next (no retries, no parsing beyond JSON.parse).
// The server runs as its own process (the built bin), as it does for the tap's benchmarks.
// Usage (after `pnpm --filter @repo/fake-secoda build`):
//   node bench/pages.mjs [--scale 1000000] [--page-size 100] [--seconds 10]
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    scale: { type: "string", default: "1000000" },
    "page-size": { type: "string", default: "100" },
    seconds: { type: "string", default: "10" },
  },
});
const scale = Number(values.scale);
const pageSize = Number(values["page-size"]);
const seconds = Number(values.seconds);
const key = "admin-key";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const server = spawn(
  process.execPath,
  [cli, "--port=0", `--scale=${scale}`, `--admin-key=${key}`],
  {
    stdio: ["ignore", "pipe", "ignore"],
  },
);
const [line] = await once(server.stdout, "data");
const base = String(line).trim();
const start = `${base}/api/v1/resource/catalog?page_size=${pageSize}`;
const headers = { Authorization: `Bearer ${key}` };

async function fetchPage(url) {
  const response = await fetch(url, { headers });
  const text = await response.text();
  if (response.status !== 200)
    throw new Error(`${url} → ${response.status}: ${text.slice(0, 200)}`);
  const body = JSON.parse(text);
  return { next: body.links.next, rows: body.results.length, bytes: text.length };
}

// The first request scans, sorts and caches the capped catalog: timed on its own.
const t0 = performance.now();
await fetchPage(start);
const firstPageMs = performance.now() - t0;

let pages = 0;
let rows = 0;
let bytes = 0;
let passes = 0;
const began = performance.now();
while (performance.now() - began < seconds * 1000) {
  let url = start;
  while (url !== null) {
    const page = await fetchPage(url);
    pages += 1;
    rows += page.rows;
    bytes += page.bytes;
    url = page.next;
  }
  passes += 1;
}
const elapsed = (performance.now() - began) / 1000;
server.kill("SIGTERM");
await once(server, "exit");

const result = {
  endpoint: "/api/v1/resource/catalog",
  scale,
  page_size: pageSize,
  passes,
  pages,
  records: rows,
  seconds: Number(elapsed.toFixed(3)),
  pages_per_second: Number((pages / elapsed).toFixed(1)),
  records_per_second: Math.round(rows / elapsed),
  mb_per_second: Number((bytes / elapsed / 1e6).toFixed(2)),
  first_page_ms: Math.round(firstPageMs),
  node: process.version,
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(
  `README: fake-secoda serves ${result.pages_per_second} catalog pages/s (page_size ${pageSize}, scale ${scale.toLocaleString("en-US")}, ${result.records_per_second.toLocaleString("en-US")} records/s, bare sequential fetch, Node ${process.version}); first page ${result.first_page_ms} ms\n`,
);
