#!/usr/bin/env node
/**
 * Benchmark (not a test): target-postgres against the physical limit.
 *
 *   node bench/load.mjs [rows=1000000] [--runs=1] [--keep] [--settings='{"batch_size_bytes":8388608}']
 *
 * 1. Generates `rows` Secoda-like catalog records (22 columns: text, timestamptz, booleans,
 *    integers, numeric, jsonb arrays and objects; about 1 KB each; seeded, so every run is the
 *    same) as a Singer stream, and the same rows as a COPY text file.
 * 2. Loads the Singer stream with the built CLI (`node dist/cli.js`, upsert on `id`, validation
 *    on, default batch limits), measuring wall time and the process's peak RSS (/usr/bin/time).
 * 3. The baseline: psql `\copy` of the same rows into a staging table plus the same
 *    INSERT … ON CONFLICT merge, in one transaction, into an empty copy of the same table.
 * Prints rows/s of both, the ratio (goal ≥ 0.8) and the peak RSS (goal ≤ 200 MB). Before each
 * measured load the data files are synced and Postgres checkpoints, so neither side pays for the
 * other's writes; with --runs=N the pair is repeated and the median ratio reported.
 * Connection: DATABASE_URL or PG* (default postgres@127.0.0.1:5432/test). Needs psql on PATH.
 */
import { execFileSync, spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const rows = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const keep = process.argv.includes("--keep");
const runs = Number(process.argv.find((a) => a.startsWith("--runs="))?.slice(7) ?? 1);
// Extra target settings, e.g. --settings='{"batch_size_bytes":8388608}' (for tuning runs).
const extra = JSON.parse(process.argv.find((a) => a.startsWith("--settings="))?.slice(11) ?? "{}");
const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const env = {
  PGHOST: process.env.PGHOST ?? "127.0.0.1",
  PGPORT: process.env.PGPORT ?? "5432",
  PGUSER: process.env.PGUSER ?? "postgres",
  PGDATABASE: process.env.PGDATABASE ?? "test",
  ...(process.env.PGPASSWORD === undefined ? {} : { PGPASSWORD: process.env.PGPASSWORD }),
};
const schema = `bench_${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), "tp-bench-"));

// --- data -------------------------------------------------------------------------------------

let seed = 42;
const random = () => {
  // mulberry32: small, seeded, good enough for test data
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const hex = (n) =>
  Array.from({ length: n }, () => "0123456789abcdef"[Math.floor(random() * 16)]).join("");
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
const words =
  "data table column dashboard metric revenue customer order churn weekly daily pipeline model source warehouse lineage owner quality freshness test".split(
    " ",
  );
const text = (n) =>
  Array.from({ length: n }, () => words[Math.floor(random() * words.length)]).join(" ");
const date = (base) => new Date(base + Math.floor(random() * 3e10)).toISOString();
const pick = (list) => list[Math.floor(random() * list.length)];
const ids = (n) => Array.from({ length: Math.floor(random() * n) }, uuid);

const properties = {
  id: { type: "string" },
  title: { type: "string" },
  description: { type: ["string", "null"] },
  entity_type: { type: "string" },
  native_type: { type: ["string", "null"] },
  created_at: { type: "string", format: "date-time" },
  updated_at: { type: "string", format: "date-time" },
  published: { type: "boolean" },
  pii: { type: "boolean" },
  verified: { type: "boolean" },
  archived: { type: "boolean" },
  owners: { type: "array", items: { type: "string" } },
  tags: { type: "array", items: { type: "string" } },
  teams: { type: "array", items: { type: "string" } },
  properties: { type: "object" },
  parent_id: { type: ["string", "null"] },
  integration_id: { type: ["string", "null"] },
  url: { type: "string" },
  external_usage: { type: "integer" },
  internal_usage: { type: "integer" },
  popularity: { type: "number" },
  definition: { type: ["string", "null"] },
};
const columns = Object.keys(properties);

function record(i) {
  return {
    id: `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${i.toString(16).padStart(12, "0")}`, // unique
    title: text(4),
    description: random() < 0.8 ? text(30) : null,
    entity_type: pick(["table", "column", "dashboard", "chart", "collection", "question"]),
    native_type: random() < 0.7 ? pick(["BASE TABLE", "VIEW", "varchar", "integer"]) : null,
    created_at: date(1.6e12),
    updated_at: date(1.7e12),
    published: random() < 0.5,
    pii: random() < 0.1,
    verified: random() < 0.3,
    archived: random() < 0.05,
    owners: ids(3),
    tags: ids(4),
    teams: ids(2),
    properties: {
      schema: pick(["public", "analytics", "raw"]),
      rows: Math.floor(random() * 1e6),
      sla: text(2),
    },
    parent_id: random() < 0.9 ? uuid() : null,
    integration_id: uuid(),
    url: `https://app.secoda.co/table/${hex(12)}`,
    external_usage: Math.floor(random() * 10000),
    internal_usage: Math.floor(random() * 1000),
    popularity: Math.round(random() * 1e6) / 1e3,
    definition: random() < 0.5 ? text(15) : null,
  };
}

/** The row as COPY text, the way the baseline loads it (jsonb as JSON text). */
function copyLine(r) {
  return `${columns
    .map((c) => {
      const v = r[c];
      if (v === null) return "\\N";
      if (typeof v === "object") return JSON.stringify(v).replaceAll("\\", "\\\\");
      return String(v);
    })
    .join("\t")}\n`;
}

async function generate() {
  const singer = createWriteStream(join(dir, "input.singer"));
  const tsv = createWriteStream(join(dir, "rows.tsv"));
  const write = (stream, text) =>
    stream.write(text) ? undefined : new Promise((resolve) => stream.once("drain", resolve));
  await write(
    singer,
    `${JSON.stringify({ type: "SCHEMA", stream: "catalog", key_properties: ["id"], schema: { type: "object", properties } })}\n`,
  );
  for (let i = 1; i <= rows; i += 1) {
    const r = record(i);
    await write(
      singer,
      `${JSON.stringify({ type: "RECORD", stream: "catalog", record: r, time_extracted: "2026-01-01T00:00:00Z" })}\n`,
    );
    await write(tsv, copyLine(r));
    if (i % 10_000 === 0)
      await write(
        singer,
        `${JSON.stringify({ type: "STATE", value: { bookmarks: { catalog: { page: i / 100 } } } })}\n`,
      );
  }
  await Promise.all([singer, tsv].map((s) => new Promise((resolve) => s.end(resolve))));
}

// --- runs -------------------------------------------------------------------------------------

const psql = (...args) =>
  execFileSync("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", ...args], {
    env: { ...process.env, ...env },
    encoding: "utf8",
  });

function runTarget() {
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({ default_target_schema: schema, ...extra }),
  );
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      "/usr/bin/time",
      ["-f", "MAXRSS_KB=%M", process.execPath, cli, "--config", join(dir, "config.json")],
      {
        env: { ...process.env, ...env },
        stdio: [openSync(join(dir, "input.singer"), "r"), "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`target exited ${code}:\n${stderr.slice(-2000)}`));
      const rss = Number(/MAXRSS_KB=(\d+)/.exec(stderr)?.[1] ?? 0) / 1024;
      resolve({ seconds, rss, states: stdout.trim().split("\n").length });
    });
  });
}

function runBaseline() {
  const names = columns.map((c) => `"${c}"`);
  const rest = names.filter((n) => n !== '"id"');
  const merge = `INSERT INTO "${schema}".baseline AS t (${names.join(", ")}) SELECT ${names.join(", ")} FROM stage ON CONFLICT ("id") DO UPDATE SET ${rest.map((n) => `${n} = EXCLUDED.${n}`).join(", ")} WHERE (${rest.map((n) => `t.${n}`).join(", ")}) IS DISTINCT FROM (${rest.map((n) => `EXCLUDED.${n}`).join(", ")})`;
  const started = performance.now();
  psql(
    "-1",
    "-c",
    `CREATE TEMPORARY TABLE stage AS SELECT ${names.join(", ")} FROM "${schema}".baseline WITH NO DATA`,
    "-c",
    `\\copy stage (${names.join(", ")}) from '${join(dir, "rows.tsv")}'`,
    "-c",
    merge,
  );
  return { seconds: (performance.now() - started) / 1000 };
}

// --- main -------------------------------------------------------------------------------------

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

try {
  process.stderr.write(`generating ${rows} records in ${dir} …\n`);
  await generate();
  execFileSync("sync");
  const results = [];
  for (let run = 1; run <= runs; run += 1) {
    psql("-c", `DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    psql("-c", "CHECKPOINT");
    process.stderr.write(`run ${run}: loading with target-postgres …\n`);
    const target = await runTarget();
    psql("-c", `CREATE TABLE "${schema}".baseline (LIKE "${schema}".catalog INCLUDING ALL)`);
    psql("-c", "CHECKPOINT");
    process.stderr.write(`run ${run}: loading with psql \\copy + merge …\n`);
    const baseline = runBaseline();
    const count = (table) =>
      Number(psql("-At", "-c", `select count(*) from "${schema}".${table}`).trim());
    const loaded = { target: count("catalog"), baseline: count("baseline") };
    if (loaded.target !== rows || loaded.baseline !== rows)
      throw new Error(`row counts differ: ${JSON.stringify(loaded)}`);
    results.push({
      target: {
        seconds: +target.seconds.toFixed(2),
        rowsPerSecond: Math.round(rows / target.seconds),
        peakRssMB: +target.rss.toFixed(1),
        statesPrinted: target.states,
      },
      baseline: {
        seconds: +baseline.seconds.toFixed(2),
        rowsPerSecond: Math.round(rows / baseline.seconds),
      },
      ratio: +(baseline.seconds / target.seconds).toFixed(3),
    });
  }
  const summary = {
    rows,
    runs: results,
    medianRatio: median(results.map((r) => r.ratio)),
    maxPeakRssMB: Math.max(...results.map((r) => r.target.peakRssMB)),
    goals: { ratio: ">= 0.8", peakRssMB: "<= 200" },
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
} finally {
  if (!keep) {
    rmSync(dir, { recursive: true, force: true });
    psql("-c", `DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }
}
