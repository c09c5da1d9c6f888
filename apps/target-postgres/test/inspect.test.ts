import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshSchema, postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import { targetCase } from "@singerkit/singer/testing";
import { afterAll, describe, expect, it } from "vitest";
import { LOCK_FILE } from "../src/lock.js";
import { configFor, runTarget } from "./support.js";

const caseInput = (name: string) => targetCase(name).runs[0]?.input ?? "";

/** `cli.js inspect --config <file> …` (`--config` takes several files, so it goes after `inspect`). */
async function inspectRun(
  config: Record<string, unknown>,
  args: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
) {
  const dir = mkdtempSync(join(tmpdir(), "target-postgres-inspect-config-"));
  try {
    writeFileSync(join(dir, "config.json"), JSON.stringify(config));
    return await runTarget(undefined, "", {
      env,
      args: ["inspect", "--config", join(dir, "config.json"), ...args],
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Table lines of `inspect` without the target's own tables (load history, commit markers). */
const userLines = (stdout: string) =>
  stdout.split("\n").filter((line) => line !== "" && !line.startsWith("_sdc_"));
const ownTables = (stdout: string) =>
  stdout.split("\n").filter((line) => line.startsWith("_sdc_")).length;

describe("inspect and the lock on the embedded default", () => {
  const folder = mkdtempSync(join(tmpdir(), "target-postgres-inspect-"));
  const config = { embedded_path: folder, default_target_schema: "raw" };
  // No connection in the config or the environment: the embedded default.
  const env = { DATABASE_URL: "", PGHOST: "", PGDATABASE: "", PGUSER: "" };
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it("loads with no connection configured, then lists tables with row counts and runs --sql", async () => {
    const load = await runTarget(config, caseInput("library"), { env });
    expect(load.code).toBe(0);
    expect(load.stderr).toContain(`embedded PostgreSQL (PGlite) at ${folder}`);
    expect(load.states).toEqual([{ authors: 5, books: 3, author_books: 3 }]);
    const listed = await inspectRun(config, [], env);
    expect(listed.code).toBe(0);
    expect(userLines(listed.stdout)).toEqual([
      "table         rows",
      "------------  ----",
      "author_books     3",
      "authors          5",
      "books            3",
      `(${3 + ownTables(listed.stdout)} tables in raw)`,
    ]);
    const query = await inspectRun(
      config,
      ["--sql", "select id, name from raw.authors where id <= 2 order by id"],
      env,
    );
    expect(query.code).toBe(0);
    expect(query.stdout).toBe("id  name\n--  ------\n1   Ursula\n2   Italo\n(2 rows)\n");
  });

  it("a live lock fails naming the folder and pid; a stale one is taken over with a warning", async () => {
    const lock = join(folder, LOCK_FILE);
    writeFileSync(lock, `${process.pid}\n`); // this test process: alive
    const busy = await inspectRun(config, [], env);
    expect(busy.code).toBe(1);
    expect(busy.fatal).toContain(
      `the embedded database ${folder} is in use by process ${process.pid}`,
    );
    expect(readFileSync(lock, "utf8")).toBe(`${process.pid}\n`); // not taken
    writeFileSync(lock, "2147483646\n"); // no such process
    const stale = await inspectRun(config, [], env);
    expect(stale.code).toBe(0);
    expect(stale.stderr).toContain("taking over the stale lock");
    expect(() => readFileSync(lock)).toThrow(); // released at exit
  });
});

describe.skipIf((await postgresUnavailable()) !== undefined)("inspect on a server", () => {
  const schemas: TestSchema[] = [];
  afterAll(async () => {
    for (const schema of schemas) await schema.drop();
  });

  it("lists the schema's tables with row counts and runs --sql", async () => {
    const schema = await freshSchema("tp_inspect");
    schemas.push(schema);
    expect((await runTarget(configFor(schema), caseInput("playlists"))).code).toBe(0);
    const listed = await inspectRun(configFor(schema));
    expect(listed.code).toBe(0);
    expect(userLines(listed.stdout).slice(0, 3)).toEqual([
      "table       rows",
      "----------  ----",
      "playlists      4",
    ]);
    const query = await inspectRun(configFor(schema), [
      "--sql",
      `select id, songs from "${schema.name}".playlists where id = 3`,
    ]);
    expect(query.code).toBe(0);
    expect(query.stdout).toBe('id  songs\n--  ---------\n3   ["Naima"]\n(1 row)\n');
  });
});
