// Fan-out throughput: fake Secoda (N catalog resources) → N = 1, 2, 4, 8 concurrent
// `tap-secoda --select resources --partition K/N | target-postgres` pipes (real OS pipes) into
// one schema of the PostgreSQL from DATABASE_URL (default 127.0.0.1:5432/test). Per level:
// aggregate records/s over the wall time, each process's peak RSS (GNU time), and lock waits
// sampled every 100 ms from pg_stat_activity (wait_event_type = 'Lock').
// A benchmark, not a test. Usage: npm run build && node bench/fan-out.mjs [scale=40000] [levels=1,2,4,8]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const scale = Number(process.argv[2] ?? 40_000);
const levels = (process.argv[3] ?? "1,2,4,8").split(",").map(Number);
const dir = mkdtempSync(join(tmpdir(), "fan-out-bench-"));
const db = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

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

/** Samples pg_stat_activity while a level runs: the peak and the sum of lock waiters seen. */
function lockSampler() {
  const sql =
    "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database() \\watch 0.1\n";
  const psql = spawn("psql", [db, "-Atq"], { stdio: ["pipe", "pipe", "ignore"] });
  psql.stdin.write(sql);
  const seen = { samples: 0, withWaits: 0, peak: 0 };
  psql.stdout.on("data", (chunk) => {
    for (const line of String(chunk).split("\n")) {
      if (!/^\d+$/.test(line.trim())) continue;
      const waiting = Number(line.trim());
      seen.samples += 1;
      if (waiting > 0) seen.withWaits += 1;
      seen.peak = Math.max(seen.peak, waiting);
    }
  });
  return {
    stop: () => {
      psql.kill();
      return seen;
    },
  };
}

const fake = spawn(
  process.execPath,
  [
    `${root}/packages/fake-secoda/dist/cli.js`,
    "--port",
    "0",
    "--scale",
    String(scale),
    "--admin-key",
    "bench",
  ],
  { stdio: ["ignore", "pipe", "ignore"] },
);
const url = await new Promise((resolve) =>
  fake.stdout.once("data", (chunk) => resolve(String(chunk).trim())),
);
writeFileSync(join(dir, "tap.json"), JSON.stringify({ api_key: "bench", base_url: url }));
const rss = (file) =>
  Math.round(Number(/^(\d+)/m.exec(readFileSync(file, "utf8"))?.[1] ?? 0) / 1024);
const seconds = () => Number(process.hrtime.bigint()) / 1e9;
const schemas = [];

try {
  const results = [];
  for (const n of levels) {
    const schema = `bench_fan_${n}_${process.pid}`;
    schemas.push(schema);
    writeFileSync(
      join(dir, `target-${n}.json`),
      JSON.stringify({ connection_string: db, default_target_schema: schema }),
    );
    const locks = lockSampler();
    const start = seconds();
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        sh(
          'set -o pipefail; /usr/bin/time -f %M -o "$D/tap-$N-$K.time" "$NODE_BIN" "$TAP" --config "$D/tap.json" --select resources --partition "$K/$N" 2>"$D/tap-$N-$K.log" | /usr/bin/time -f %M -o "$D/target-$N-$K.time" "$NODE_BIN" "$TARGET" --config "$D/target-$N.json" >/dev/null 2>"$D/target-$N-$K.log"',
          {
            NODE_BIN: process.execPath,
            TAP: `${root}/apps/tap-secoda/dist/cli.js`,
            TARGET: `${root}/apps/target-postgres/dist/cli.js`,
            D: dir,
            N: String(n),
            K: String(i + 1),
          },
        ),
      ),
    );
    const wall = seconds() - start;
    const lockWaits = locks.stop();
    const rows = Number(
      (await sh(`psql "${db}" -Atqc 'select count(*) from ${schema}.resources'`)).trim(),
    );
    results.push({
      processes: n,
      rows,
      seconds: Number(wall.toFixed(1)),
      rowsPerSecond: Math.round(rows / wall),
      tapPeakRssMb: Array.from({ length: n }, (_, i) => rss(join(dir, `tap-${n}-${i + 1}.time`))),
      targetPeakRssMb: Array.from({ length: n }, (_, i) =>
        rss(join(dir, `target-${n}-${i + 1}.time`)),
      ),
      lockWaits,
    });
    console.error(JSON.stringify(results.at(-1)));
  }
  console.log(JSON.stringify({ date: new Date().toISOString(), scale, results }, null, 2));
} finally {
  fake.kill();
  for (const schema of schemas)
    await sh(`psql "${db}" -qc 'drop schema if exists ${schema} cascade' 2>/dev/null || true`);
}
