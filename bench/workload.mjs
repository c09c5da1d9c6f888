/**
 * What the target benchmarks share: the shared workload folder (`../shared/bench`, or
 * SINGER_BENCH_DIR), its generated Singer file per size (made once, in DATA_DIR), one timed load
 * by the built target-postgres, and the median/range helpers for same-run ratios.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));
export const cli = join(root, "apps/target-postgres/dist/cli.js");
export const dataDir = process.env.DATA_DIR ?? "/tmp/bench-data";
export const pg = {
  PGHOST: process.env.PGHOST ?? "127.0.0.1",
  PGPORT: process.env.PGPORT ?? "5432",
  PGUSER: process.env.PGUSER ?? "postgres",
  BENCH_DB: process.env.BENCH_DB ?? "bench",
};

/** `--name value` from argv, or the fallback. */
export const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
};

/** The shared workload folder; exits 2 with a hint when it is not there. */
export function workloadDir() {
  const dir = resolve(process.env.SINGER_BENCH_DIR ?? join(root, "../shared/bench"));
  if (!existsSync(join(dir, "gen-singer.mjs"))) {
    process.stderr.write(
      `no workload at ${dir}: set SINGER_BENCH_DIR to the shared bench folder\n`,
    );
    process.exit(2);
  }
  return dir;
}

/** The generated Singer file for N records (made once, shared with copy-limit.sh's cache). */
export function streamFile(workload, n, log) {
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

/** One load of `file` by the built target: wall and CPU seconds, peak RSS in MB. */
export function timedLoad(file, config) {
  const dir = mkdtempSync(join(tmpdir(), "target-bench-"));
  try {
    writeFileSync(join(dir, "config.json"), JSON.stringify(config));
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

/** Creates the bench database when it does not exist yet (copy-limit.sh does the same). */
export function ensureDatabase() {
  const env = { ...process.env, ...pg };
  const found = execFileSync(
    "psql",
    ["-X", "-tAc", `select 1 from pg_database where datname = '${pg.BENCH_DB}'`, "-d", "postgres"],
    { env, encoding: "utf8" },
  );
  if (found.trim() !== "1") execFileSync("createdb", [pg.BENCH_DB], { env });
}

/** Runs SQL in the bench database. */
export function psql(sql) {
  execFileSync("psql", ["-X", "-q", "-d", pg.BENCH_DB, "-c", sql], {
    env: { ...process.env, ...pg, PGOPTIONS: "-c client_min_messages=warning" },
  });
}

/** Connection settings of a target-postgres config loading into `schema` of the bench database. */
export function serverConfig(schema) {
  return {
    host: pg.PGHOST,
    port: Number(pg.PGPORT),
    user: pg.PGUSER,
    database: pg.BENCH_DB,
    default_target_schema: schema,
  };
}

export const median = (values) => {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * `min–max` over the reps that measured something. Digits are added (up to 3) while two
 * different values would print alike: at 1M rows two reps 0.04 s apart printed `21.9–21.9`,
 * which read as one rep counted twice. Fewer than two measured reps say so instead of a range.
 */
export const span = (values, digits = 1) => {
  const measured = values.filter((v) => !Number.isNaN(v));
  if (measured.length < 2) return `${measured.length} rep`;
  const [lo, hi] = [Math.min(...measured), Math.max(...measured)];
  let shown = digits;
  while (shown < 3 && lo !== hi && lo.toFixed(shown) === hi.toFixed(shown)) shown += 1;
  return `${lo.toFixed(shown)}–${hi.toFixed(shown)}`;
};

/** 1000000 → "1M", 100000 → "100k". */
export const k = (n) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);
