import { postgresUnavailable } from "@repo/pg-testing";
import { describe, expect, it } from "vitest";
import {
  configFor,
  freshSchemas,
  ndjson,
  recordMessage,
  runTarget,
  schemaMessage,
  stateMessage,
} from "./support.js";

/**
 * Issue #19 item 5 through the real process: `batch_size_rows: 1` once made each commit slower
 * than the last (14 rows in 60 s with a STATE per record: every STATE scanned every queued batch)
 * and, over 8 streams with `max_parallelism: 8` and no STATE, aborted with a V8 heap
 * out-of-memory after ~3,750 rows (every one-row batch held a 64 KiB chunk, and nothing bounded
 * the queue). Rates and RSS are measured by `bench/small-batches.mjs` and
 * `bench/small-batches-drain.mjs`, not asserted here; these runs fail by the test timeout or by
 * their peak RSS when the old behaviour comes back.
 */
describe.skipIf((await postgresUnavailable()) !== undefined)("one-row batches", () => {
  const fresh = freshSchemas("tp_small");
  const row = { id: { type: "integer" }, v: { type: "string" } };

  it("a STATE after every record: each printed once its row is committed, in order, all of them", async () => {
    const db = await fresh();
    const records = 1_000;
    const messages: unknown[] = [schemaMessage("s", row, ["id"])];
    for (let id = 1; id <= records; id += 1)
      messages.push(recordMessage("s", { id, v: `value ${id}` }), stateMessage({ upto: id }));
    const config = configFor(db, { batch_size_rows: 1, max_parallelism: 1 });
    const result = await runTarget(config, ndjson(messages));
    expect(result.fatal).toBeUndefined();
    expect(result.code).toBe(0);
    expect(result.states).toEqual(Array.from({ length: records }, (_, i) => ({ upto: i + 1 })));
    const [count] = await db.query<{ n: number; max: number }>(
      `select count(*)::int n, max(id)::int max from "${db.name}".s`,
    );
    expect(count).toEqual({ n: records, max: records });
  });

  it("8 streams, max_parallelism 8, no STATE: every row loads and memory stays bounded", async () => {
    const db = await fresh();
    const streams = Array.from({ length: 8 }, (_, i) => `s${i}`);
    const records = 12_000;
    const messages: unknown[] = streams.map((stream) => schemaMessage(stream, row, ["id"]));
    for (let id = 1; id <= records; id += 1)
      messages.push(recordMessage(streams[id % streams.length] as string, { id, v: `v${id}` }));
    messages.push(stateMessage({ done: true }));
    const config = configFor(db, { batch_size_rows: 1, max_parallelism: 8 });
    const result = await runTarget(config, ndjson(messages), {
      env: { NODE_OPTIONS: REPORT_PEAK_RSS },
    });
    expect(result.fatal).toBeUndefined();
    expect(result.code).toBe(0);
    expect(result.states).toEqual([{ done: true }]);
    const counts = await db.query<{ n: number }>(
      streams
        .map((stream) => `select count(*)::int n from "${db.name}"."${stream}"`)
        .join(" union all "),
    );
    expect(counts.reduce((sum, { n }) => sum + n, 0)).toBe(records);
    // Unbounded, the 12,000 queued one-row batches each held a 64 KiB chunk: 333 MB peak before
    // 8b05d68; bounded, 138 MB.
    const peak = Number(/peak-rss-kb:(\d+)/.exec(result.stderr)?.[1]);
    expect(peak / 1024).toBeLessThan(250);
  });
});

/** Makes the child print its peak RSS (kB) on stderr as it exits. */
const REPORT_PEAK_RSS =
  "--import=data:text/javascript,process.on('exit',()=>process.stderr.write('peak-rss-kb:'+process.resourceUsage().maxRSS+'\\n'))";
