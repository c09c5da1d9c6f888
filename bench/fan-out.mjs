// Fan-out throughput of the target: the same rows, split into 8 disjoint streams, loaded into one
// PostgreSQL by N = 1, 2, 4, 8 concurrent `cat <files> | target-postgres` pipes (real OS pipes).
// The tap's output is recorded to files first (fake Secoda → tap-secoda --select resources, once),
// so neither the fake server nor the taps share the CPU with the pipes being timed.
// Per level: aggregate rows/s over the wall time (and the ratio to 1 pipe in the same run), each
// target's peak RSS and CPU seconds (GNU time), the machine's busy CPU share over the level (from
// /proc/stat: every process, other users of the machine included), and lock waits sampled every
// 100 ms from pg_stat_activity in a database of the bench's own (wait_event_type = 'Lock', counted
// per wait_event). A benchmark, not a test.
// Usage: npm run build && node bench/fan-out.mjs [rows=160000] [levels=1,2,4,8]
import { spawn } from "node:child_process";
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const rows = Number(process.argv[2] ?? 160_000);
const levels = (process.argv[3] ?? "1,2,4,8").split(",").map(Number);
const PARTS = 8;
const dir = mkdtempSync(join(tmpdir(), "fan-out-bench-"));
const server = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const database = `bench_fan_out_${process.pid}`;
const db = `${server.replace(/\/[^/?]*(\?.*)?$/, "")}/${database}`;
const seconds = () => Number(process.hrtime.bigint()) / 1e9;

function sh(script, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", script], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${script}`)),
    );
  });
}

/** Busy and total jiffies of all CPUs since boot (/proc/stat's first line). */
function cpuTimes() {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1);
  const values = fields.map(Number);
  const idle = values[3] + values[4]; // idle + iowait
  const total = values.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Samples the bench database's lock waiters while a level runs, per wait_event. */
function lockSampler() {
  const sql =
    "select 'w:' || coalesce(string_agg(wait_event, ','), '') from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database() \\watch 0.1\n";
  const psql = spawn("psql", [db, "-Atq"], { stdio: ["pipe", "pipe", "ignore"] });
  psql.stdin.write(sql);
  const seen = { samples: 0, withWaits: 0, peak: 0, byEvent: {} };
  psql.stdout.on("data", (chunk) => {
    for (const line of String(chunk).split("\n")) {
      if (!line.startsWith("w:")) continue;
      const events = line.slice(2).split(",").filter(Boolean);
      seen.samples += 1;
      if (events.length > 0) seen.withWaits += 1;
      seen.peak = Math.max(seen.peak, events.length);
      for (const event of events) seen.byEvent[event] = (seen.byEvent[event] ?? 0) + 1;
    }
  });
  return {
    stop: () => {
      psql.kill();
      return seen;
    },
  };
}

/** fake Secoda (`rows` catalog resources) → tap-secoda → all.ndjson; returns seconds taken. */
async function record() {
  const fake = spawn(
    process.execPath,
    [`${root}/packages/fake-secoda/dist/cli.js`, "--port", "0", "--scale", String(rows)],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  try {
    const url = await new Promise((resolve) =>
      fake.stdout.once("data", (chunk) => resolve(String(chunk).trim())),
    );
    await writeFile(join(dir, "tap.json"), JSON.stringify({ api_key: "test-key", base_url: url }));
    const start = seconds();
    await sh(
      '"$NODE_BIN" "$TAP" --config "$D/tap.json" --select resources > "$D/all.ndjson" 2>"$D/tap.log"',
      {
        NODE_BIN: process.execPath,
        TAP: `${root}/apps/tap-secoda/dist/cli.js`,
        D: dir,
      },
    );
    return seconds() - start;
  } finally {
    fake.kill();
  }
}

/** all.ndjson → part-1..8.ndjson: the SCHEMA, every 8th RECORD renamed to stream `part_k`, and a
 * final STATE (so each target prints one after its last commit). */
async function split() {
  const outs = Array.from({ length: PARTS }, (_, k) =>
    createWriteStream(join(dir, `part-${k + 1}.ndjson`)),
  );
  const counts = new Array(PARTS).fill(0);
  const write = async (k, line) => {
    if (!outs[k].write(`${line}\n`)) await new Promise((r) => outs[k].once("drain", r));
  };
  const prefix = '{"type":"RECORD","stream":"resources",';
  let schema;
  let i = 0;
  for await (const line of createInterface({ input: createReadStream(join(dir, "all.ndjson")) })) {
    if (schema === undefined && line.startsWith('{"type":"SCHEMA","stream":"resources"')) {
      schema = line;
      for (let k = 0; k < PARTS; k += 1)
        await write(k, line.replace('"stream":"resources"', `"stream":"part_${k + 1}"`));
    } else if (line.startsWith(prefix)) {
      const k = i % PARTS;
      i += 1;
      counts[k] += 1;
      await write(k, `{"type":"RECORD","stream":"part_${k + 1}",${line.slice(prefix.length)}`);
    }
  }
  for (let k = 0; k < PARTS; k += 1) {
    await write(k, JSON.stringify({ type: "STATE", value: { part: k + 1 } }));
    await new Promise((r) => outs[k].end(r));
  }
  return counts;
}

async function level(n) {
  const schema = `fan_${n}`;
  await writeFile(
    join(dir, `target-${n}.json`),
    JSON.stringify({ connection_string: db, default_target_schema: schema }),
  );
  const locks = lockSampler();
  const cpu = cpuTimes();
  const load = loadavg()[0];
  const start = seconds();
  await Promise.all(
    Array.from({ length: n }, (_, j) => {
      const files = [];
      for (let k = j + 1; k <= PARTS; k += n) files.push(join(dir, `part-${k}.ndjson`));
      return sh(
        'set -o pipefail; cat $FILES | /usr/bin/time -f "%M %U %S" -o "$D/target-$N-$J.time" "$NODE_BIN" "$TARGET" --config "$D/target-$N.json" >/dev/null 2>"$D/target-$N-$J.log"',
        {
          FILES: files.join(" "),
          NODE_BIN: process.execPath,
          TARGET: `${root}/apps/target-postgres/dist/cli.js`,
          D: dir,
          N: String(n),
          J: String(j + 1),
        },
      );
    }),
  );
  const wall = seconds() - start;
  const after = cpuTimes();
  const lockWaits = locks.stop();
  const counted = await sh(
    `psql "${db}" -Atqc "select sum(n) from (${Array.from({ length: PARTS }, (_, k) => `select count(*) as n from ${schema}.part_${k + 1}`).join(" union all ")}) c"`,
  );
  const times = Array.from({ length: n }, (_, j) =>
    readFileSync(join(dir, `target-${n}-${j + 1}.time`), "utf8")
      .trim()
      .split("\n")
      .at(-1)
      .split(" ")
      .map(Number),
  );
  return {
    pipes: n,
    rows: Number(counted.trim()),
    seconds: Number(wall.toFixed(1)),
    rowsPerSecond: Math.round(Number(counted.trim()) / wall),
    targetPeakRssMb: times.map(([kb]) => Math.round(kb / 1024)),
    targetCpuSeconds: Number(times.reduce((sum, [, user, sys]) => sum + user + sys, 0).toFixed(1)),
    machineBusy: Number(((after.busy - cpu.busy) / (after.total - cpu.total)).toFixed(2)),
    loadAverageAtStart: Number(load.toFixed(1)),
    lockWaits,
  };
}

function table(results) {
  const base = results.find((r) => r.pipes === 1)?.rowsPerSecond;
  const lines = [
    "| Pipes | Rows | Wall time | Rows/s | vs 1 pipe | Target CPU s (cores used) | Machine busy | Peak RSS per target (MB) | Lock waits (samples with waits / samples, peak, by wait_event) |",
    "|--:|--:|--:|--:|--:|--:|--:|:--|:--|",
  ];
  for (const r of results) {
    const ratio = base === undefined ? "" : `${(r.rowsPerSecond / base).toFixed(2)}×`;
    const cores = (r.targetCpuSeconds / r.seconds).toFixed(2);
    const events = Object.entries(r.lockWaits.byEvent)
      .map(([e, c]) => `${e} ${c}`)
      .join(", ");
    lines.push(
      `| ${r.pipes} | ${r.rows.toLocaleString("en")} | ${r.seconds} s | ${r.rowsPerSecond.toLocaleString("en")} | ${ratio} | ${r.targetCpuSeconds} (${cores}) | ${Math.round(r.machineBusy * 100)}% | ${r.targetPeakRssMb.join(", ")} | ${r.lockWaits.withWaits} / ${r.lockWaits.samples}, ${r.lockWaits.peak}${events ? `; ${events}` : ""} |`,
    );
  }
  return lines.join("\n");
}

await sh(`psql "${server}" -qc 'create database ${database}'`);
try {
  const tapSeconds = await record();
  const parts = await split();
  console.error(
    `recorded ${parts.reduce((a, b) => a + b, 0)} records in ${tapSeconds.toFixed(1)} s; parts ${parts.join(", ")}; ${cpus().length} CPUs`,
  );
  const results = [];
  for (const n of levels) {
    results.push(await level(n));
    console.error(JSON.stringify(results.at(-1)));
  }
  console.log(
    JSON.stringify({ date: new Date().toISOString(), rows, cpus: cpus().length, results }, null, 2),
  );
  console.log(table(results));
} finally {
  await sh(`psql "${server}" -qc 'drop database if exists ${database} with (force)'`).catch(
    () => {},
  );
  rmSync(dir, { recursive: true, force: true });
}
