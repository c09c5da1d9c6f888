import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeSecoda, startFakeSecoda } from "@repo/fake-secoda";
import { freshSchema, pgUrl, postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bins } from "../support/bins.js";
import { type PipeRun, parseMessages, runPipe } from "../support/pipe.js";
import { run } from "../support/run.js";
import { tableRows } from "../support/warehouse.js";

const unavailable = await postgresUnavailable();

/** Streams checked: the whole catalog, one per-type slice, and a non-catalog list. */
const STREAMS = ["resources", "tables", "columns", "tags"];

type Mode = "hard" | "soft" | "never";

/**
 * Deletes through the real pipe `tap-secoda | target-postgres` (decisions-tap.md "Deletes"): a
 * first run, records deleted upstream, a second run from the STATE the target printed. With a
 * deletion sweep the tap sends tombstones (`_sdc_deleted_at`): `hard_delete` removes the rows,
 * without it they stay, marked; `deletion_sweep: never` leaves them as they were.
 */
describe.skipIf(unavailable !== undefined)("deletes reach the warehouse", () => {
  let fake: FakeSecoda;
  const schemas = new Map<Mode, TestSchema>();
  const second = new Map<Mode, PipeRun>();
  /** Record ids per stream in the source after the deletions (a fresh tap run). */
  const live = new Map<string, Set<string>>();
  /** Record ids per stream after the first run. */
  const before = new Map<string, Set<string>>();
  const tapConfig = (mode: Mode) => ({
    api_key: "del-admin",
    base_url: fake.url,
    deletion_sweep: mode === "never" ? "never" : "every_run",
  });
  const targetConfig = (mode: Mode) => ({
    connection_string: pgUrl(),
    default_target_schema: schemas.get(mode)?.name,
    hard_delete: mode === "hard",
  });
  const rowsOf = async (mode: Mode, stream: string) => {
    const schema = schemas.get(mode);
    if (schema === undefined) throw new Error(`no schema for ${mode}`);
    return tableRows(schema, stream);
  };
  const idsOf = (rows: readonly Record<string, unknown>[]) =>
    new Set(rows.map((r) => String(r.id)));
  const gone = (stream: string) =>
    [...(before.get(stream) ?? [])].filter((id) => !live.get(stream)?.has(id));

  beforeAll(async () => {
    fake = await startFakeSecoda({ seed: 41, scale: 1000, adminKey: "del-admin" });
    const first = new Map<Mode, PipeRun>();
    for (const mode of ["hard", "soft", "never"] as const) {
      schemas.set(mode, await freshSchema(`e2e_del_${mode}`));
      first.set(
        mode,
        await runPipe({ tapConfig: tapConfig(mode), targetConfig: targetConfig(mode) }),
      );
    }
    for (const stream of STREAMS) before.set(stream, idsOf(await rowsOf("hard", stream)));
    fake.advanceClock(3600);
    fake.mutate({ op: "delete", kind: "table", count: 3 }); // and their columns
    fake.mutate({ op: "delete", kind: "catalog", count: 5 });
    fake.mutate({ op: "delete", kind: "tag", count: 2 });
    fake.mutate({ op: "update", kind: "catalog", count: 10 });
    for (const mode of ["hard", "soft", "never"] as const) {
      const state = first.get(mode)?.targetStates.at(-1) as object;
      second.set(
        mode,
        await runPipe({ tapConfig: tapConfig(mode), targetConfig: targetConfig(mode), state }),
      );
    }
    const dir = mkdtempSync(join(tmpdir(), "e2e-del-"));
    writeFileSync(join(dir, "tap.json"), JSON.stringify(tapConfig("never")));
    const now = await run(process.execPath, [bins.tap, "--config", join(dir, "tap.json")]);
    expect(now.status).toBe(0);
    for (const message of await parseMessages(now.stdout)) {
      if (message.type !== "RECORD") continue;
      const ids = live.get(message.stream) ?? new Set<string>();
      ids.add(String(message.record.id));
      live.set(message.stream, ids);
    }
  }, 300_000);

  afterAll(async () => {
    for (const schema of schemas.values()) await schema.drop();
    await fake?.close();
  });

  it("every run succeeds and the deletions touch every stream checked", () => {
    for (const [mode, pipe] of second) {
      expect([pipe.tapStatus, pipe.targetStatus], `${mode}: ${pipe.targetStderr}`).toEqual([0, 0]);
    }
    for (const stream of STREAMS) expect(gone(stream).length, stream).toBeGreaterThan(0);
  });

  it("hard_delete: the deleted rows are gone, the table equals the source", async () => {
    for (const stream of STREAMS) {
      const ids = idsOf(await rowsOf("hard", stream));
      expect([...ids].sort(), stream).toEqual([...(live.get(stream) ?? [])].sort());
    }
  });

  it("without hard_delete: the deleted rows stay, marked with _sdc_deleted_at", async () => {
    for (const stream of STREAMS) {
      const rows = await rowsOf("soft", stream);
      const marked = rows.filter((r) => r._sdc_deleted_at !== null).map((r) => String(r.id));
      expect(marked.sort(), stream).toEqual(gone(stream).sort());
      expect(rows.length, stream).toBe(before.get(stream)?.size);
      // A tombstone carries only the key: the row keeps its data (target-postgres's merge).
      for (const row of rows.filter((r) => r._sdc_deleted_at !== null))
        expect(row.updated_at, `${stream} ${row.id}`).not.toBeNull();
    }
  });

  it("never: the deleted rows stay, unmarked", async () => {
    for (const stream of STREAMS) {
      const rows = await rowsOf("never", stream);
      expect(idsOf(rows).size, stream).toBe(before.get(stream)?.size);
      expect(rows.every((r) => r._sdc_deleted_at === undefined || r._sdc_deleted_at === null)).toBe(
        true,
      );
    }
  });
});
