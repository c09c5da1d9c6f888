#!/usr/bin/env node
/**
 * Benchmark (not a test): one-row batches spread over many streams with `max_parallelism`, and a
 * SIGTERM while thousands of them wait.
 *
 *   node bench/small-batches-drain.mjs [records=20000] [--streams=8] [--parallelism=8]
 *     [--term-after=3] [--state-every=1000]
 *
 * Loads `records` records round-robin over `streams` streams with `batch_size_rows: 1` and a STATE
 * every `state-every` records (0: none), and sends SIGTERM `term-after` seconds after start (0: never). Prints the
 * rows committed, how long the target took from SIGTERM to exit, its exit code, the last STATE it
 * printed and whether that STATE is covered by committed rows, and the peak RSS.
 * Connection: DATABASE_URL or PG* (default postgres@127.0.0.1:5432/test).
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const option = (name, fallback) =>
  Number(args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const records = Number(args.find((a) => /^\d+$/.test(a)) ?? 20_000);
const streams = option("streams", 8);
const parallelism = option("parallelism", 8);
const termAfter = option("term-after", 3);
const stateEvery = option("state-every", 1000);
const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const url =
  process.env.DATABASE_URL ??
  `postgres://${process.env.PGUSER ?? "postgres"}@${process.env.PGHOST ?? "127.0.0.1"}:${process.env.PGPORT ?? "5432"}/${process.env.PGDATABASE ?? "test"}`;
const dir = mkdtempSync(join(tmpdir(), "tp-drain-"));
const schema = `bench_drain_${process.pid}`;
const lines = [];
for (let s = 0; s < streams; s += 1)
  lines.push(
    JSON.stringify({
      type: "SCHEMA",
      stream: `s${s}`,
      schema: { type: "object", properties: { id: { type: "integer" }, v: { type: "string" } } },
      key_properties: ["id"],
    }),
  );
for (let id = 1; id <= records; id += 1) {
  lines.push(
    JSON.stringify({ type: "RECORD", stream: `s${id % streams}`, record: { id, v: `v${id}` } }),
  );
  if (stateEvery > 0 && id % stateEvery === 0)
    lines.push(JSON.stringify({ type: "STATE", value: { upto: id } }));
}
const input = join(dir, "input.jsonl");
writeFileSync(input, `${lines.join("\n")}\n`);
const config = join(dir, "config.json");
writeFileSync(
  config,
  JSON.stringify({
    connection_string: url,
    default_target_schema: schema,
    batch_size_rows: 1,
    max_parallelism: parallelism,
  }),
);
const psql = (sql) => execFileSync("psql", [url, "-qAtc", sql], { encoding: "utf8" }).trim();
try {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [cli, "--config", config, "--input", input]);
  let stdout = "";
  child.stdout.on("data", (c) => {
    stdout += c;
  });
  let stderr = "";
  child.stderr.on("data", (c) => {
    stderr += c;
  });
  // Peak RSS: the kernel's high-water mark of the target's process, read until it exits.
  let rssKb = 0;
  const sampler = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      rssKb = Math.max(rssKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
    } catch {
      // exited
    }
  }, 50);
  let termed;
  const timer =
    termAfter > 0
      ? setTimeout(() => {
          termed = process.hrtime.bigint();
          child.kill("SIGTERM");
        }, termAfter * 1000)
      : undefined;
  const code = await new Promise((resolve) => child.on("close", resolve));
  clearTimeout(timer);
  clearInterval(sampler);
  const ended = process.hrtime.bigint();
  const seconds = (from) => (Number(ended - from) / 1e9).toFixed(2);
  if (code !== 0 && code !== 143) process.stderr.write(stderr.slice(-2000));
  const states = stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const last = states.at(-1);
  const count = (where) =>
    Number(
      psql(
        Array.from({ length: streams }, (_, s) => `select count(*) from "${schema}".s${s} ${where}`)
          .join(" union all ")
          .replace(/^/, "select sum(count) from (")
          .concat(") c"),
      ),
    );
  const committed = count("");
  const covered = last === undefined ? "n/a" : count(`where id <= ${last.upto}`) === last.upto;
  process.stdout.write(
    `${records} records, ${streams} streams, max_parallelism ${parallelism}: exit ${code}, ${committed} rows committed in ${seconds(started)} s, ${termed === undefined ? "no SIGTERM" : `SIGTERM to exit ${seconds(termed)} s`}, last STATE ${JSON.stringify(last)} covered: ${covered}, peak RSS ${Math.round(rssKb / 1024)} MB\n`,
  );
} finally {
  psql(`drop schema if exists "${schema}" cascade`);
  rmSync(dir, { recursive: true, force: true });
}
