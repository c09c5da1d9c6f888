#!/usr/bin/env node
/**
 * Benchmark (not a test): small batches with a STATE after every record.
 *
 *   node bench/small-batches.mjs [records=20000] [--sizes=1,10,100]
 *
 * For each `batch_size_rows` in `--sizes`, loads `records` small records (each followed by a
 * STATE) into a fresh schema with the built CLI and prints rows/s, peak RSS (/usr/bin/time) and
 * the mean commit time of the first and the last quarter of the batches (from the INFO lines):
 * a steady load has the two about equal and an RSS that does not grow with `records`.
 * Connection: DATABASE_URL or PG* (default postgres@127.0.0.1:5432/test).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const records = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 20_000);
const sizes = (process.argv.find((a) => a.startsWith("--sizes="))?.slice(8) ?? "1,10,100")
  .split(",")
  .map(Number);
const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const url =
  process.env.DATABASE_URL ??
  `postgres://${process.env.PGUSER ?? "postgres"}@${process.env.PGHOST ?? "127.0.0.1"}:${process.env.PGPORT ?? "5432"}/${process.env.PGDATABASE ?? "test"}`;
const dir = mkdtempSync(join(tmpdir(), "tp-small-"));
const input = join(dir, "input.jsonl");
const lines = [
  JSON.stringify({
    type: "SCHEMA",
    stream: "s",
    schema: { type: "object", properties: { id: { type: "integer" }, v: { type: "string" } } },
    key_properties: ["id"],
  }),
];
for (let id = 1; id <= records; id += 1) {
  lines.push(JSON.stringify({ type: "RECORD", stream: "s", record: { id, v: `value ${id}` } }));
  lines.push(JSON.stringify({ type: "STATE", value: { upto: id } }));
}
writeFileSync(input, `${lines.join("\n")}\n`);

const psql = (sql) => execFileSync("psql", [url, "-qAtc", sql], { stdio: "pipe" });
try {
  for (const size of sizes) {
    const schema = `bench_small_${process.pid}_${size}`;
    const config = join(dir, `config-${size}.json`);
    writeFileSync(
      config,
      JSON.stringify({
        connection_string: url,
        default_target_schema: schema,
        batch_size_rows: size,
      }),
    );
    const started = process.hrtime.bigint();
    const run = spawnSync(
      "/usr/bin/time",
      ["-f", "peak-rss-kb %M", process.execPath, cli, "--config", config, "--input", input],
      { encoding: "utf8", maxBuffer: 1 << 30, env: { ...process.env, LOGLEVEL: "info" } },
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rss = Number(/peak-rss-kb (\d+)/.exec(run.stderr)?.[1] ?? 0);
    const commits = [...run.stderr.matchAll(/committed \d+ rows .* in (\d+) ms/g)].map((m) =>
      Number(m[1]),
    );
    const quarter = Math.max(1, Math.floor(commits.length / 4));
    const mean = (xs) => (xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)).toFixed(1);
    process.stdout.write(
      `batch_size_rows ${size}: exit ${run.status}, ${records} rows in ${seconds.toFixed(1)} s = ${Math.round(records / seconds)} rows/s, peak RSS ${Math.round(rss / 1024)} MB, ${commits.length} commits, mean commit ${mean(commits.slice(0, quarter))} ms (first quarter) / ${mean(commits.slice(-quarter))} ms (last quarter)\n`,
    );
    psql(`drop schema if exists "${schema}" cascade`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
