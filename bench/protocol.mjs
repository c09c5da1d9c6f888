// Reader and writer throughput of @singerkit/singer against baselines measured in the same run.
// Usage: node bench/protocol.mjs [records=1000000]   (build first: npm run build)
// Prints a JSON summary and Markdown rows for the README's Benchmarks section.
import { spawn } from "node:child_process";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pipeline } from "node:stream/promises";
import { MessageWriter, readMessages } from "@singerkit/singer";
import ndjson from "ndjson";
import split2 from "split2";

const count = Number(process.argv[2] ?? 1_000_000);
const runs = 3;
const dir = mkdtempSync(join(tmpdir(), "singer-bench-"));
const input = join(dir, "records.jsonl");

function record(i) {
  return {
    type: "RECORD",
    stream: "tables",
    record: {
      id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      title: `table_${i}`,
      description: i % 7 === 0 ? null : `Describes **table ${i}** — with unicode ✓ and "quotes"`,
      created_at: "2025-01-01T00:00:00.000000Z",
      updated_at: "2026-06-01T12:34:56.123456Z",
      owners: [`00000000-0000-4000-8000-${String(i % 50).padStart(12, "0")}`],
      tags: ["pii", "gold"],
      verified: i % 2 === 0,
      external_usage: i * 3,
      properties: { custom: { sla: "24h", tier: i % 3 } },
    },
    time_extracted: "2026-11-25T00:00:00.000Z",
  };
}

async function writeInput() {
  const out = createWriteStream(input);
  for (let i = 0; i < count; i += 1) {
    if (!out.write(`${JSON.stringify(record(i))}\n`))
      await new Promise((r) => out.once("drain", r));
  }
  await new Promise((r) => out.end(r));
}

const readers = {
  "readline + JSON.parse (baseline)": async () => {
    let n = 0;
    for await (const line of createInterface({
      input: createReadStream(input),
      crlfDelay: Number.POSITIVE_INFINITY,
    })) {
      if (line === "") continue;
      JSON.parse(line);
      n += 1;
    }
    return n;
  },
  "ndjson.parse()": async () => {
    let n = 0;
    await pipeline(createReadStream(input), ndjson.parse(), async (source) => {
      for await (const _ of source) n += 1;
    });
    return n;
  },
  "split2 + JSON.parse": async () => {
    let n = 0;
    for await (const line of createReadStream(input).pipe(split2())) {
      JSON.parse(line);
      n += 1;
    }
    return n;
  },
  "@singerkit/singer readMessages": async () => {
    let n = 0;
    for await (const _ of readMessages(createReadStream(input))) n += 1;
    return n;
  },
};

/** A child that drains a pipe, as a downstream target would. */
function sink() {
  const child = spawn("sh", ["-c", "cat > /dev/null"], { stdio: ["pipe", "ignore", "inherit"] });
  const done = new Promise((resolve) => child.on("close", resolve));
  return { stream: child.stdin, done };
}

const messages = Array.from({ length: 1000 }, (_, i) => record(i));
const writers = {
  "write(JSON.stringify) + drain (baseline)": async () => {
    const { stream, done } = sink();
    for (let i = 0; i < count; i += 1) {
      if (!stream.write(`${JSON.stringify(messages[i % 1000])}\n`))
        await new Promise((r) => stream.once("drain", r));
    }
    stream.end();
    await done;
    return count;
  },
  "ndjson.stringify()": async () => {
    const { stream, done } = sink();
    const serialize = ndjson.stringify();
    serialize.pipe(stream);
    for (let i = 0; i < count; i += 1) {
      if (!serialize.write(messages[i % 1000]))
        await new Promise((r) => serialize.once("drain", r));
    }
    serialize.end();
    await done;
    return count;
  },
  "@singerkit/singer MessageWriter": async () => {
    const { stream, done } = sink();
    const writer = new MessageWriter(stream);
    for (let i = 0; i < count; i += 1) await writer.write(messages[i % 1000]);
    await writer.close();
    stream.end();
    await done;
    return count;
  },
};

async function measure(variants, bytes) {
  const results = {};
  for (const name of Object.keys(variants)) results[name] = [];
  for (let run = 0; run < runs; run += 1) {
    for (const [name, fn] of Object.entries(variants)) {
      const start = process.hrtime.bigint();
      const n = await fn();
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (n !== count) throw new Error(`${name} saw ${n} of ${count} messages`);
      results[name].push(seconds);
    }
  }
  const table = {};
  const [baseline] = Object.keys(variants);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const [name, times] of Object.entries(results)) {
    const seconds = median(times);
    table[name] = {
      seconds: Number(seconds.toFixed(3)),
      messagesPerSecond: Math.round(count / seconds),
      mbPerSecond: Number((bytes / 1e6 / seconds).toFixed(1)),
      ratioToBaseline: Number((median(results[baseline]) / seconds).toFixed(2)),
    };
  }
  return table;
}

await writeInput();
const bytes = statSync(input).size;
const reader = await measure(readers, bytes);
const writer = await measure(writers, bytes);
rmSync(dir, { recursive: true, force: true });

console.log(
  JSON.stringify({ node: process.version, records: count, bytes, runs, reader, writer }, null, 2),
);
console.log("\n| Benchmark | Variant | msg/s | MB/s | × baseline |\n|:--|:--|--:|--:|--:|");
for (const [kind, table] of [
  ["reader", reader],
  ["writer", writer],
]) {
  for (const [name, row] of Object.entries(table)) {
    console.log(
      `| ${kind} | ${name} | ${row.messagesPerSecond.toLocaleString("en-US")} | ${row.mbPerSecond} | ${row.ratioToBaseline} |`,
    );
  }
}
