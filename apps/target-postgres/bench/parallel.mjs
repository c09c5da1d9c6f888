#!/usr/bin/env node
/**
 * Benchmark (not a test): parallel loading of independent streams (`max_parallelism`).
 *
 *   node bench/parallel.mjs [rows=400000] [--streams=8] [--runs=3] [--parallel=4]
 *
 * Generates `rows` records spread over `streams` keyed streams, interleaved in pages of 500
 * records (as a tap reading several endpoints at once sends them), about 600 bytes each, with a
 * STATE after every page. Loads the same file with the built CLI twice per run into fresh
 * schemas: the baseline with `max_parallelism: 1` (every batch commits on one connection, one
 * after the other) and then with `max_parallelism: --parallel`, alternating the order between
 * runs. Prints each load's wall time and rows/s and the median speed-up (baseline time / parallel
 * time). Also checks both loads printed the last STATE and hold every row.
 * Connection: DATABASE_URL or PG* (default postgres@127.0.0.1:5432/test).
 */
import { spawn } from "node:child_process";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

const arg = (name, fallback) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const rows = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 400_000);
const streams = arg("streams", 8);
const runs = arg("runs", 3);
const parallel = arg("parallel", 4);
const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const connection = {
  host: process.env.PGHOST ?? "127.0.0.1",
  port: Number(process.env.PGPORT ?? 5432),
  user: process.env.PGUSER ?? "postgres",
  database: process.env.PGDATABASE ?? "test",
  ...(process.env.PGPASSWORD === undefined ? {} : { password: process.env.PGPASSWORD }),
};
const dir = mkdtempSync(join(tmpdir(), "tp-parallel-"));
const input = join(dir, "input.ndjson");

// --- data: seeded, so every run loads the same bytes -------------------------------------------
let seed = 7;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const words = "data table column metric revenue customer order churn model source owner".split(" ");
const text = (n) =>
  Array.from({ length: n }, () => words[Math.floor(random() * words.length)]).join(" ");
const properties = {
  id: { type: "integer" },
  title: { type: "string" },
  description: { type: ["null", "string"] },
  score: { type: ["null", "number"] },
  verified: { type: ["null", "boolean"] },
  updated_at: { type: ["null", "string"], format: "date-time" },
  tags: { type: ["null", "array"], items: { type: "string" } },
};

async function writeInput() {
  const out = createWriteStream(input);
  const write = (message) =>
    out.write(`${JSON.stringify(message)}\n`)
      ? undefined
      : new Promise((r) => out.once("drain", r));
  const names = Array.from({ length: streams }, (_, i) => `stream_${i}`);
  for (const stream of names)
    await write({ type: "SCHEMA", stream, key_properties: ["id"], schema: { properties } });
  const perStream = Math.ceil(rows / streams);
  const next = new Array(streams).fill(0);
  let written = 0;
  while (written < rows) {
    for (const [index, stream] of names.entries()) {
      for (let k = 0; k < 500 && next[index] < perStream && written < rows; k += 1) {
        next[index] += 1;
        written += 1;
        const record = {
          id: next[index],
          title: text(4),
          description: text(40),
          score: Math.round(random() * 1e6) / 100,
          verified: random() < 0.5,
          updated_at: new Date(1.7e12 + Math.floor(random() * 3e10)).toISOString(),
          tags: [text(1), text(1)],
        };
        await write({ type: "RECORD", stream, record });
      }
      await write({ type: "STATE", value: { written } });
    }
  }
  await new Promise((resolve) => out.end(resolve));
  return written;
}

// --- one load -------------------------------------------------------------------------------
async function load(maxParallelism, client) {
  const schema = `bench_par_${process.pid}_${maxParallelism}`;
  await client.query(`drop schema if exists ${schema} cascade`);
  const config = join(dir, `config-${maxParallelism}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      ...connection,
      default_target_schema: schema,
      max_parallelism: maxParallelism,
      load_history_table: "",
      progress_interval_seconds: 0,
    }),
  );
  await client.query("checkpoint");
  const started = performance.now();
  const child = spawn(process.execPath, [cli, "--config", config], {
    stdio: ["pipe", "pipe", "ignore"],
    env: { ...process.env, LOGLEVEL: "warn" },
  });
  let stdout = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  createReadStream(input).pipe(child.stdin);
  const code = await new Promise((resolve) => child.on("close", resolve));
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`target exited with ${code}`);
  const last = stdout.trim().split("\n").at(-1);
  if (last !== JSON.stringify({ written: rows })) throw new Error(`last STATE was ${last}`);
  let total = 0;
  for (let i = 0; i < streams; i += 1)
    total += Number(
      (await client.query(`select count(*) from ${schema}.stream_${i}`)).rows[0].count,
    );
  if (total !== rows) throw new Error(`loaded ${total} rows of ${rows}`);
  await client.query(`drop schema ${schema} cascade`);
  return seconds;
}

const say = (line) => process.stdout.write(`${line}\n`);
const client = new pg.Client(connection);
await client.connect();
try {
  await writeInput();
  const ratios = [];
  for (let run = 1; run <= runs; run += 1) {
    const order = run % 2 === 1 ? [1, parallel] : [parallel, 1];
    const times = {};
    for (const p of order) times[p] = await load(p, client);
    const ratio = times[1] / times[parallel];
    ratios.push(ratio);
    say(
      `run ${run}: max_parallelism 1: ${times[1].toFixed(1)} s (${Math.round(rows / times[1])} rows/s); ` +
        `max_parallelism ${parallel}: ${times[parallel].toFixed(1)} s (${Math.round(rows / times[parallel])} rows/s); speed-up ${ratio.toFixed(2)}×`,
    );
  }
  ratios.sort((a, b) => a - b);
  say(
    `${rows} rows over ${streams} streams: median speed-up of max_parallelism ${parallel} over 1: ${ratios[Math.floor(ratios.length / 2)].toFixed(2)}×`,
  );
} finally {
  await client.end();
  rmSync(dir, { recursive: true, force: true });
}
