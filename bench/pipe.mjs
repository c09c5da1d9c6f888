// The demo pipe at scale: fake Secoda (N catalog resources) → tap-secoda → target-postgres into
// the PostgreSQL from DATABASE_URL/PG* (default 127.0.0.1:5432/test), through a real OS pipe.
// Reports records/s, wall time and the peak RSS of each process (GNU time), and the same pipe's
// tap alone into /dev/null as the baseline measured in the same run.
// Usage: npm run build && node bench/pipe.mjs [scale=200000]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const scale = Number(process.argv[2] ?? 200_000);
const dir = mkdtempSync(join(tmpdir(), "pipe-bench-"));
const schema = `bench_pipe_${process.pid}`;
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
  {
    stdio: ["ignore", "pipe", "ignore"],
  },
);
const url = await new Promise((resolve) =>
  fake.stdout.once("data", (chunk) => resolve(String(chunk).trim())),
);
writeFileSync(join(dir, "tap.json"), JSON.stringify({ api_key: "bench", base_url: url }));
writeFileSync(
  join(dir, "target.json"),
  JSON.stringify({ connection_string: db, default_target_schema: schema }),
);
const env = {
  NODE_BIN: process.execPath,
  TAP: `${root}/apps/tap-secoda/dist/cli.js`,
  TARGET: `${root}/apps/target-postgres/dist/cli.js`,
  D: dir,
};
const rss = (file) =>
  Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(readFileSync(file, "utf8"))?.[1] ?? 0) /
  1024;
const seconds = () => Number(process.hrtime.bigint()) / 1e9;

try {
  let start = seconds();
  await sh(
    '/usr/bin/time -v -o "$D/tap-alone.time" "$NODE_BIN" "$TAP" --config "$D/tap.json" 2>/dev/null | wc -l > "$D/lines"',
    env,
  );
  const tapAlone = seconds() - start;
  start = seconds();
  await sh(
    'set -o pipefail; /usr/bin/time -v -o "$D/tap.time" "$NODE_BIN" "$TAP" --config "$D/tap.json" 2>"$D/tap.log" | /usr/bin/time -v -o "$D/target.time" "$NODE_BIN" "$TARGET" --config "$D/target.json" >"$D/states" 2>"$D/target.log"',
    env,
  );
  const pipe = seconds() - start;
  const records = readFileSync(join(dir, "tap.log"), "utf8")
    .split("\n")
    .filter((line) => line.includes('"metric":"record_count"'))
    .reduce((sum, line) => sum + JSON.parse(line.slice(line.indexOf("{"))).value, 0);
  const result = {
    scale,
    records,
    pipe: {
      seconds: Number(pipe.toFixed(1)),
      recordsPerSecond: Math.round(records / pipe),
      tapPeakRssMb: Math.round(rss(join(dir, "tap.time"))),
      targetPeakRssMb: Math.round(rss(join(dir, "target.time"))),
    },
    tapAloneToDevNull: {
      seconds: Number(tapAlone.toFixed(1)),
      recordsPerSecond: Math.round(records / tapAlone),
      peakRssMb: Math.round(rss(join(dir, "tap-alone.time"))),
    },
    ratioPipeToTapAlone: Number((tapAlone / pipe).toFixed(2)),
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  fake.kill();
  await sh(`psql "${db}" -qc 'drop schema if exists ${schema} cascade' 2>/dev/null || true`);
}
