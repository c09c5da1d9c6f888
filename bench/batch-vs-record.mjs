#!/usr/bin/env node
/**
 * Benchmark (not a test): target-postgres loading the same records through RECORD messages and
 * through BATCH messages (the Meltano SDK's gzip'd jsonl files), on the shared workload
 * (`../shared/bench`: Secoda catalog resources, ~1.19 KB of NDJSON each).
 *
 *   npm run bench -- bench/batch-vs-record.mjs [--size 1000000] [--reps 3]
 *
 * The generated Singer file (a STATE every 10,000 records) is rewritten once as a BATCH stream:
 * the records between two STATEs go to one `jsonl.gz` file and one BATCH message, as an SDK tap
 * with `batch_config` sends them. Then, `--reps` times, alternating (only same-run ratios mean
 * anything on a shared machine): the built target loads the RECORD file and the BATCH file, each
 * into a fresh schema, timed with /usr/bin/time (wall, CPU, peak RSS). Prints a Markdown table.
 * Connection from PG* (default postgres@127.0.0.1:5432, database `bench`).
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { createGzip } from "node:zlib";
import {
  arg,
  dataDir,
  ensureDatabase,
  k,
  median,
  psql,
  serverConfig,
  span,
  streamFile,
  timedLoad,
  workloadDir,
} from "./workload.mjs";

const size = Number(arg("--size", "1000000"));
const reps = Number(arg("--reps", "3"));
const log = (text) => process.stderr.write(`batch-vs-record: ${text}\n`);

/** Closes a write stream and waits until its bytes are on disk. */
const finish = (stream) =>
  new Promise((resolve, reject) => stream.end((error) => (error ? reject(error) : resolve())));

/** The RECORD file rewritten with BATCH messages: one gzip'd jsonl file per STATE interval. */
async function batchStream(recordFile, n) {
  const dir = join(dataDir, `batch-${n}`);
  const file = join(dataDir, `singer-batch-${n}.ndjson`);
  if (existsSync(file)) return file;
  log(`writing ${file} and its files in ${dir}`);
  mkdirSync(dir, { recursive: true });
  const out = createWriteStream(`${file}.tmp`);
  let part;
  let parts = 0;
  const closePart = async () => {
    if (part === undefined) return;
    const { file: written, gzip, path, name } = part;
    part = undefined;
    gzip.end();
    await new Promise((resolve, reject) => written.on("finish", resolve).on("error", reject));
    const encoding = { format: "jsonl", compression: "gzip" };
    out.write(
      `${JSON.stringify({ type: "BATCH", stream: name, encoding, manifest: [pathToFileURL(path).href] })}\n`,
    );
  };
  for await (const line of createInterface({ input: createReadStream(recordFile) })) {
    const message = JSON.parse(line);
    if (message.type !== "RECORD") {
      await closePart();
      out.write(`${line}\n`);
      continue;
    }
    if (part === undefined) {
      parts += 1;
      const path = join(dir, `${message.stream}-${parts}.jsonl.gz`);
      const gzip = createGzip();
      const file = createWriteStream(path);
      gzip.pipe(file);
      part = { file, gzip, path, name: message.stream };
    }
    if (!part.gzip.write(`${JSON.stringify(message.record)}\n`)) {
      await new Promise((resolve) => part.gzip.once("drain", resolve));
    }
  }
  await closePart();
  await finish(out);
  renameSync(`${file}.tmp`, file);
  return file;
}

/** One fresh load into a new schema of the bench database. */
function fresh(file, label) {
  const schema = `bench_batch_${process.pid}`;
  psql(`drop schema if exists ${schema} cascade; checkpoint`);
  log(`${label}: loading ${file}`);
  const run = timedLoad(file, serverConfig(schema));
  psql(`drop schema if exists ${schema} cascade`);
  return run;
}

const workload = workloadDir();
ensureDatabase();
const recordFile = streamFile(workload, size, log);
const batchFile = await batchStream(recordFile, size);
const runs = { record: [], batch: [] };
for (let rep = 1; rep <= reps; rep += 1) {
  runs.record.push(fresh(recordFile, `rep ${rep}/${reps} RECORD`));
  runs.batch.push(fresh(batchFile, `rep ${rep}/${reps} BATCH`));
}

const row = (label, list) => {
  const walls = list.map((r) => r.wall);
  const cpu = median(list.map((r) => r.cpu));
  return `| ${label} | ${median(walls).toFixed(1)} s (${span(walls)}) | ${(size / median(walls)).toFixed(0)} | ${cpu.toFixed(1)} s | ${((cpu / size) * 1e6).toFixed(0)} | ${Math.max(...list.map((r) => r.rss)).toFixed(0)} MB |`;
};
const ratios = runs.record.map((r, i) => r.wall / runs.batch[i].wall);
const lines = [
  `${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpus()[0]?.model ?? "unknown CPU"}), ${k(size)} records, ${reps} reps alternating, medians (range):`,
  "",
  "| input | wall | records/s | CPU | CPU µs/record | peak RSS |",
  "|---|---|---|---|---|---|",
  row("RECORD messages", runs.record),
  row("BATCH (jsonl.gz)", runs.batch),
  "",
  `BATCH speed-up over RECORD (RECORD wall / BATCH wall, per rep): median ${median(ratios).toFixed(2)} (${span(ratios, 2)}).`,
];
process.stdout.write(`${lines.join("\n")}\n`);
