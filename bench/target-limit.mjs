#!/usr/bin/env node
/**
 * Benchmark (not a test): target-postgres against PostgreSQL's physical limit, on the shared
 * workload (`../shared/bench`: Secoda catalog resources, 23 fields, ~1.19 KB of NDJSON each).
 *
 *   npm run bench -- bench/target-limit.mjs [--sizes 100000,1000000] [--reps 3]
 *                    [--embedded-sizes 100000] [--settings '{"max_parallelism":1}']
 *
 * For each size, `--reps` times, alternating (the machine is shared and noisy; only same-run
 * ratios mean anything):
 *   limit   `copy-limit.sh N` with REPS=1: psql `\copy` into staging + the INSERT … ON CONFLICT
 *           merge, into an empty table (new rows) and again (existing rows), and `\copy` straight
 *           into the final table (the bound for an initial load);
 *   ours    the built target-postgres reading the generated file (not a pipe behind the slow
 *           generator) into a fresh schema (new rows), then the same file again (existing rows),
 *           timed with /usr/bin/time: wall, CPU (user + sys) and peak RSS.
 *   embedded (sizes in --embedded-sizes) the same two loads into a fresh embedded (PGlite) folder.
 * Prints one Markdown table (medians, with the range over reps) headed by the date and machine.
 * Needs psql and /usr/bin/time; connection from PG* (default postgres@127.0.0.1:5432, database
 * `bench`, created by copy-limit.sh). The workload folder: SINGER_BENCH_DIR or ../shared/bench.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import {
  arg,
  dataDir,
  k,
  median,
  pg,
  psql,
  serverConfig,
  span,
  streamFile,
  timedLoad,
  workloadDir,
} from "./workload.mjs";

const sizes = arg("--sizes", "100000,1000000").split(",").map(Number);
const embeddedSizes = arg("--embedded-sizes", "100000").split(",").filter(Boolean).map(Number);
const reps = Number(arg("--reps", "3"));
const settings = JSON.parse(arg("--settings", "{}"));
const workload = workloadDir();
const log = (text) => process.stderr.write(`target-limit: ${text}\n`);
const load = (file, config) => timedLoad(file, { ...config, ...settings });

/** One rep of Postgres's own limit: seconds per measurement. */
function limit(n) {
  const out = execFileSync("bash", [join(workload, "copy-limit.sh"), String(n)], {
    env: { ...process.env, ...pg, REPS: "1", DATA_DIR: dataDir },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ms = (label) => {
    const line = out.split("\n").find((l) => l.startsWith(label));
    return line === undefined ? Number.NaN : Number(line.slice(30).trim().split(/\s+/)[0]) / 1000;
  };
  return {
    copyPk: ms("copy_pk"),
    newRows: ms("COPY + merge, new rows"),
    existingRows: ms("COPY + merge, existing rows"),
  };
}

/** New rows into a fresh schema, then the same file again (every key exists). */
function ours(file, backend) {
  if (backend === "server") {
    const schema = `bench_ours_${process.pid}`;
    psql(`drop schema if exists ${schema} cascade; checkpoint`);
    const config = serverConfig(schema);
    const fresh = load(file, config);
    psql("checkpoint");
    const again = load(file, config);
    psql(`drop schema if exists ${schema} cascade`);
    return { fresh, again };
  }
  const folder = mkdtempSync(join(tmpdir(), "target-limit-embedded-"));
  try {
    const config = { embedded: true, embedded_path: folder, default_target_schema: "bench" };
    return { fresh: load(file, config), again: load(file, config) };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const rows = [];
for (const n of sizes) {
  const file = streamFile(workload, n, log);
  const runs = { limit: [], server: [], embedded: [] };
  for (let rep = 1; rep <= reps; rep += 1) {
    // Each rep's own numbers go to stderr, so every median and range in the table can be
    // checked against what was measured.
    log(`N=${n} rep ${rep}/${reps}: limit`);
    const lim = limit(n);
    runs.limit.push(lim);
    log(`  limit: new ${lim.newRows} s, existing ${lim.existingRows} s, copy_pk ${lim.copyPk} s`);
    for (const backend of embeddedSizes.includes(n) ? ["server", "embedded"] : ["server"]) {
      log(`N=${n} rep ${rep}/${reps}: target-postgres (${backend})`);
      const run = ours(file, backend);
      runs[backend].push(run);
      log(
        `  ours: new ${run.fresh.wall} s (CPU ${run.fresh.cpu.toFixed(2)} s), existing ${run.again.wall} s`,
      );
    }
  }
  rows.push({ n, runs });
}

const cpuModel = cpus()[0]?.model ?? "unknown CPU";
const version = execFileSync("psql", ["-X", "-tAc", "show server_version", "-d", pg.BENCH_DB], {
  env: { ...process.env, ...pg },
  encoding: "utf8",
}).trim();
const lines = [
  `${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpuModel}), PostgreSQL ${version} on the same machine, ${reps} reps, medians (range):`,
  "",
  "| N | backend | limit new | ours new | ratio new | copy_pk | ratio vs copy_pk | limit existing | ours existing | ratio existing | ours CPU (new) | CPU µs/record | peak RSS |",
  "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
];
for (const { n, runs } of rows) {
  const lim = (key) => runs.limit.map((l) => l[key]);
  for (const backend of ["server", "embedded"]) {
    const r = runs[backend];
    if (r.length === 0) continue;
    const fresh = r.map((x) => x.fresh.wall);
    const again = r.map((x) => x.again.wall);
    const cpu = r.map((x) => x.fresh.cpu);
    const rss = r.flatMap((x) => [x.fresh.rss, x.again.rss]);
    const ratio = (limitKey, ourWalls) =>
      r.map((_, i) => lim(limitKey)[i] / ourWalls[i]).filter((v) => !Number.isNaN(v));
    const cells =
      backend === "server"
        ? [
            `${median(lim("newRows")).toFixed(1)} s`,
            `${median(fresh).toFixed(1)} s (${span(fresh)})`,
            `${median(ratio("newRows", fresh)).toFixed(2)} (${span(ratio("newRows", fresh), 2)})`,
            `${median(lim("copyPk")).toFixed(1)} s`,
            `${median(ratio("copyPk", fresh)).toFixed(2)}`,
            `${median(lim("existingRows")).toFixed(1)} s`,
            `${median(again).toFixed(1)} s (${span(again)})`,
            `${median(ratio("existingRows", again)).toFixed(2)} (${span(ratio("existingRows", again), 2)})`,
          ]
        : [
            "",
            `${median(fresh).toFixed(1)} s (${(n / median(fresh)).toFixed(0)} rows/s)`,
            "",
            "",
            "",
            "",
            `${median(again).toFixed(1)} s`,
            "",
          ];
    lines.push(
      `| ${k(n)} | ${backend} | ${cells.join(" | ")} | ${median(cpu).toFixed(1)} s | ${((median(cpu) / n) * 1e6).toFixed(0)} | ${Math.max(...rss).toFixed(0)} MB |`,
    );
  }
}
process.stdout.write(`${lines.join("\n")}\n`);
