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
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
};
const sizes = arg("--sizes", "100000,1000000").split(",").map(Number);
const embeddedSizes = arg("--embedded-sizes", "100000").split(",").filter(Boolean).map(Number);
const reps = Number(arg("--reps", "3"));
const settings = JSON.parse(arg("--settings", "{}"));
const workload = resolve(process.env.SINGER_BENCH_DIR ?? join(root, "../shared/bench"));
if (!existsSync(join(workload, "copy-limit.sh"))) {
  process.stderr.write(
    `no workload at ${workload}: set SINGER_BENCH_DIR to the shared bench folder\n`,
  );
  process.exit(2);
}
const cli = join(root, "apps/target-postgres/dist/cli.js");
const dataDir = process.env.DATA_DIR ?? "/tmp/bench-data";
const pg = {
  PGHOST: process.env.PGHOST ?? "127.0.0.1",
  PGPORT: process.env.PGPORT ?? "5432",
  PGUSER: process.env.PGUSER ?? "postgres",
  BENCH_DB: process.env.BENCH_DB ?? "bench",
};
const log = (text) => process.stderr.write(`target-limit: ${text}\n`);

/** The generated Singer file for N (made once, shared with copy-limit.sh's cache). */
function streamFile(n) {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, `singer-${n}.ndjson`);
  if (!existsSync(file)) {
    log(`generating ${file}`);
    execFileSync("bash", [
      "-c",
      `node "${workload}/gen-singer.mjs" ${n} > "${file}.tmp" && mv "${file}.tmp" "${file}"`,
    ]);
  }
  return file;
}

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

/** One load of `file` by the built target: wall and CPU seconds, peak RSS in MB. */
function load(file, config) {
  const dir = mkdtempSync(join(tmpdir(), "target-limit-"));
  try {
    writeFileSync(join(dir, "config.json"), JSON.stringify({ ...config, ...settings }));
    const stats = join(dir, "time");
    const run = spawnSync(
      "/usr/bin/time",
      [
        "-o",
        stats,
        "-f",
        "%e %U %S %M",
        process.execPath,
        cli,
        "--config",
        join(dir, "config.json"),
        "--input",
        file,
      ],
      { env: { ...process.env, ...pg, LOGLEVEL: "warn" }, stdio: ["ignore", "ignore", "inherit"] },
    );
    if (run.status !== 0) throw new Error(`target-postgres exited ${run.status}`);
    const [wall, user, sys, rssKb] = execFileSync("tail", ["-n", "1", stats], { encoding: "utf8" })
      .trim()
      .split(" ")
      .map(Number);
    return { wall, cpu: user + sys, rss: rssKb / 1024 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function psql(sql) {
  execFileSync("psql", ["-X", "-q", "-d", pg.BENCH_DB, "-c", sql], {
    env: { ...process.env, ...pg, PGOPTIONS: "-c client_min_messages=warning" },
  });
}

/** New rows into a fresh schema, then the same file again (every key exists). */
function ours(file, backend) {
  if (backend === "server") {
    const schema = `bench_ours_${process.pid}`;
    psql(`drop schema if exists ${schema} cascade; checkpoint`);
    const config = {
      host: pg.PGHOST,
      port: Number(pg.PGPORT),
      user: pg.PGUSER,
      database: pg.BENCH_DB,
      default_target_schema: schema,
    };
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

const median = (values) => {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const span = (values, digits = 1) =>
  `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;

const rows = [];
for (const n of sizes) {
  const file = streamFile(n);
  const runs = { limit: [], server: [], embedded: [] };
  for (let rep = 1; rep <= reps; rep += 1) {
    log(`N=${n} rep ${rep}/${reps}: limit`);
    runs.limit.push(limit(n));
    log(`N=${n} rep ${rep}/${reps}: target-postgres (server)`);
    runs.server.push(ours(file, "server"));
    if (embeddedSizes.includes(n)) {
      log(`N=${n} rep ${rep}/${reps}: target-postgres (embedded)`);
      runs.embedded.push(ours(file, "embedded"));
    }
  }
  rows.push({ n, runs });
}

const k = (n) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);
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
