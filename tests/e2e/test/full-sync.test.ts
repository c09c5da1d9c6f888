import { join } from "node:path";
import { type FakeSecoda, startFakeSecoda } from "@repo/fake-secoda";
import { freshSchema, pgUrl, postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bins } from "../support/bins.js";
import { latestRecords, type PipeRun, runPipe } from "../support/pipe.js";
import { run as runProcess } from "../support/run.js";
import { byKey, differences, sourceDifferences, tableRows } from "../support/warehouse.js";

const unavailable = await postgresUnavailable();

describe.skipIf(unavailable !== undefined)("tap-secoda | target-postgres, full sync", () => {
  let fake: FakeSecoda;
  let schema: TestSchema;
  let run: PipeRun;

  beforeAll(async () => {
    fake = await startFakeSecoda({ seed: 11, scale: 1500, adminKey: "e2e-admin-key" });
    schema = await freshSchema("e2e_full");
    run = await runPipe({
      tapConfig: { api_key: "e2e-admin-key", base_url: fake.url },
      targetConfig: { connection_string: pgUrl(), default_target_schema: schema.name },
    });
  });

  afterAll(async () => {
    await schema?.drop();
    await fake?.close();
  });

  it("exits 0 on both sides", () => {
    expect({
      tap: run.tapStatus,
      target: run.targetStatus,
      stderr: run.targetStderr.slice(-500),
    }).toMatchObject({
      tap: 0,
      target: 0,
    });
  });

  it("syncs every stream the tap discovers, including the admin-only audit_logs", async () => {
    const discovered = await runProcess(process.execPath, [
      bins.tap,
      "--config",
      join(run.dir, "tap.json"),
      "--discover",
    ]);
    const catalog = JSON.parse(discovered.stdout.toString()) as {
      streams: { tap_stream_id: string }[];
    };
    const { records } = latestRecords(run.tapMessages);
    expect([...records.keys()].sort()).toEqual(catalog.streams.map((s) => s.tap_stream_id).sort());
    expect(records.has("audit_logs")).toBe(true);
    for (const [stream, byId] of records) expect(byId.size, stream).toBeGreaterThan(0);
  });

  it("loads every record the fake served, field by field (unicode and the NUL case included)", async () => {
    const problems = await sourceDifferences(schema, run.tapMessages);
    expect(problems.slice(0, 20)).toEqual([]);
  });

  it("stored the description with a NUL as U+FFFD and kept the rest of that row", async () => {
    const special = fake.info().special as Record<string, string>;
    const id = special.nul_description_table_id;
    const [row] = await schema.query<{ description: string; title: string }>(
      `select description, title from "${schema.name}".tables where id = $1`,
      [id],
    );
    expect(row?.description).toContain("\uFFFD");
    expect(row?.description).not.toContain("\u0000");
    expect(row?.title.length).toBeGreaterThan(0);
  });

  it("prints the tap's last STATE as its last line, after everything was committed", () => {
    const tapStates = run.tapMessages.filter((m) => m.type === "STATE").map((m) => m.value);
    expect(run.targetStates.length).toBeGreaterThan(0);
    expect(run.targetStates.at(-1)).toEqual(tapStates.at(-1));
  });

  it("the comparison itself catches a changed value", async () => {
    const { keys, records } = latestRecords(run.tapMessages);
    const expected = records.get("tags");
    const [first] = expected?.keys() ?? [];
    expect(first).toBeDefined();
    await schema.query(`update "${schema.name}".tags set name = name || '!' where id = $1`, [
      JSON.parse(first ?? "[]")[0],
    ]);
    const rows = byKey(await tableRows(schema, "tags"), keys.get("tags") ?? []);
    expect(differences("tags", expected ?? new Map(), rows)).toEqual([
      expect.stringMatching(/^tags \["[0-9a-f-]+"\] name: expected ".*", got ".*!"$/),
    ]);
  });

  it("made no request the fake could not route", () => {
    const counters = fake.counters();
    expect(Object.keys(counters.byStatus).filter((status) => status !== "200")).toEqual([]);
  });
});
