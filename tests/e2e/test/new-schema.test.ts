import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshSchema, pgUrl, postgresUnavailable } from "@repo/pg-testing";
import { describe, expect, it } from "vitest";
import { bins } from "../support/bins.js";
import { run } from "../support/run.js";

const unavailable = await postgresUnavailable();

describe.skipIf(unavailable !== undefined)(
  "a first run into a schema that does not exist yet",
  () => {
    it("creates the schema, its tables and the load history, and prints the state", async () => {
      const probe = await freshSchema("e2e_new");
      const name = `${probe.name}_fresh`;
      try {
        const dir = mkdtempSync(join(tmpdir(), "e2e-new-schema-"));
        const config = join(dir, "target.json");
        writeFileSync(
          config,
          JSON.stringify({ connection_string: pgUrl(), default_target_schema: name }),
        );
        const input = [
          '{"type":"SCHEMA","stream":"s","schema":{"properties":{"id":{"type":"integer"}}},"key_properties":["id"]}',
          '{"type":"RECORD","stream":"s","record":{"id":1}}',
          '{"type":"STATE","value":{"n":1}}',
        ].join("\n");
        const result = await run(process.execPath, [bins.target, "--config", config], { input });
        expect(result.status, result.stderr.slice(-300)).toBe(0);
        expect(result.stdout.toString()).toBe('{"n":1}\n');
        const tables = await probe.query<{ table_name: string }>(
          "select table_name from information_schema.tables where table_schema = $1 order by 1",
          [name],
        );
        expect(tables.map((t) => t.table_name)).toEqual(["_sdc_commits", "_sdc_loads", "s"]);
      } finally {
        await probe.query(`drop schema if exists "${name}" cascade`);
        await probe.drop();
      }
    });
  },
);
