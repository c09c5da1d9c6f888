import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeSecoda, startFakeSecoda } from "@repo/fake-secoda";
import { freshSchema, pgUrl, postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bins } from "../support/bins.js";
import { type PipeRun, runPipe } from "../support/pipe.js";
import { tableRows } from "../support/warehouse.js";

const unavailable = await postgresUnavailable();
const md5 = (text: string) => createHash("md5").update(text, "utf8").digest("hex");
const SEED = "e2e-seed";

/**
 * Stream maps through the real pipe: the tap maps what it writes (hash, computed property, filter,
 * `__else__: null` for properties and streams, alias, a dropped stream), the target maps what it
 * reads (a second alias), and the rows in PostgreSQL are checked against the unmapped source.
 */
describe.skipIf(unavailable !== undefined)("stream maps, tap-secoda | target-postgres", () => {
  let fake: FakeSecoda;
  let schema: TestSchema;
  let plain: PipeRun;
  let mapped: PipeRun;

  beforeAll(async () => {
    fake = await startFakeSecoda({ seed: 17, scale: 100, adminKey: "e2e-admin-key" });
    schema = await freshSchema("e2e_maps");
    const tapConfig = { api_key: "e2e-admin-key", base_url: fake.url };
    // The source as it is, through target-jsonl (nothing loaded): what the maps start from.
    plain = await runPipe({
      tapConfig: { ...tapConfig, stream_maps: { users: {}, tags: {}, __else__: null } },
      targetConfig: { destination_path: mkdtempSync(join(tmpdir(), "e2e-maps-jsonl-")) },
      target: bins.jsonl,
    });
    mapped = await runPipe({
      tapConfig: {
        ...tapConfig,
        stream_maps: {
          users: {
            email: null,
            email_hash: "md5(config['seed'] + email)",
            full_name: "first_name + ' ' + last_name",
            __filter__: "not disabled",
            __else__: null,
          },
          tags: { __alias__: "labels" },
          groups: null,
          __else__: null,
        },
        stream_map_config: { seed: SEED },
      },
      targetConfig: {
        connection_string: pgUrl(),
        default_target_schema: schema.name,
        stream_maps: { labels: { __alias__: "secoda_labels" } },
      },
    });
  });

  afterAll(async () => {
    await schema?.drop();
    await fake?.close();
  });

  it("exits 0 on both sides", () => {
    expect([plain.tapStatus, plain.targetStatus, mapped.tapStatus, mapped.targetStatus]).toEqual([
      0, 0, 0, 0,
    ]);
  });

  it("the tap writes only the mapped streams, SCHEMA and RECORD agreeing", () => {
    const schemas = mapped.tapMessages.filter((message) => message.type === "SCHEMA");
    expect(schemas.map((message) => message.stream).sort()).toEqual(["labels", "users"]);
    const users = schemas.find((message) => message.stream === "users");
    expect(Object.keys(users?.schema.properties ?? {})).toEqual(["id", "email_hash", "full_name"]);
    expect(users?.key_properties).toEqual(["id"]);
  });

  it("loads hashed, computed and filtered users", async () => {
    const source = plain.tapMessages.flatMap((message) =>
      message.type === "RECORD" && message.stream === "users" ? [message.record] : [],
    );
    const expected = source
      .filter((user) => user.disabled !== true)
      .map((user) => ({
        id: user.id,
        email_hash: md5(SEED + String(user.email)),
        full_name: `${String(user.first_name)} ${String(user.last_name)}`,
      }))
      .sort((a, b) => String(a.id).localeCompare(String(b.id)));
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(source.length); // the filter dropped someone
    const rows = (await tableRows(schema, "users"))
      .map((row) => ({ id: row.id, email_hash: row.email_hash, full_name: row.full_name }))
      .sort((a, b) => String(a.id).localeCompare(String(b.id)));
    expect(rows).toEqual(expected);
    const columns = Object.keys((await tableRows(schema, "users"))[0] ?? {});
    expect(columns).not.toContain("email");
    expect(columns).not.toContain("first_name");
  });

  it("aliases twice (tap: tags → labels, target: labels → secoda_labels) and drops the rest", async () => {
    const tags = plain.tapMessages.filter(
      (message) => message.type === "RECORD" && message.stream === "tags",
    );
    expect(await tableRows(schema, "secoda_labels")).toHaveLength(tags.length);
    const tables = await schema.query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = $1 order by 1",
      [schema.name],
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      "_sdc_commits",
      "_sdc_loads",
      "secoda_labels",
      "users",
    ]);
  });
});
