import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { freshSchema, postgresUnavailable, schemaHelpers } from "@repo/pg-testing";
import { Logger } from "@singerkit/singer";
import type { Db } from "../src/db.js";
import { openPglite } from "../src/pglite-db.js";
import { configFor, type Input, type RunResult, runTarget } from "./support.js";

/** What a test checks a load with: the schema's rows, tables and columns (any backend). */
export interface CheckedSchema {
  readonly name: string;
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<R[]>;
  count(table: string): Promise<number>;
  columns(table: string): Promise<Record<string, string>>;
  tables(): Promise<string[]>;
  drop(): Promise<void>;
}

/** Where a test file's loads go: the PostgreSQL server, or an embedded (PGlite) folder. */
export interface Backend {
  readonly name: string;
  fresh(prefix: string): Promise<CheckedSchema>;
  /** Runs the CLI with the backend's connection settings for `schema` plus `settings`. */
  run(schema: CheckedSchema, settings: Record<string, unknown>, input: Input): Promise<RunResult>;
  dispose(): Promise<void>;
}

export function serverBackend(): Backend {
  return {
    name: "server",
    fresh: (prefix) => freshSchema(prefix),
    run: (schema, settings, input) => runTarget(configFor({ name: schema.name }, settings), input),
    dispose: async () => undefined,
  };
}

/**
 * One embedded folder per test file (initdb once, ~3 s), a schema per test. The test process
 * opens the folder between runs (through the same adapter and lock) and closes it before each
 * run of the CLI, which takes the lock itself.
 */
export function embeddedBackend(): Backend {
  const folder = mkdtempSync(join(tmpdir(), "target-postgres-embedded-"));
  const log = new Logger({
    name: "test",
    level: "warn",
    out: new Writable({ write: (_c, _e, done) => done() }),
  });
  let db: Db | undefined;
  const open = () => {
    db ??= openPglite(folder, log);
    return db;
  };
  const closeDb = async () => {
    const open = db;
    db = undefined;
    await open?.close();
  };
  const query = <R extends Record<string, unknown>>(sql: string, params?: readonly unknown[]) =>
    open().query<R>(sql, params);
  return {
    name: "embedded",
    fresh: async (prefix) => {
      const name = `${prefix}_${randomBytes(5).toString("hex")}`;
      await query(`create schema "${name}"`);
      return {
        name,
        query,
        ...schemaHelpers(name, query),
        drop: async () => {
          await query(`drop schema if exists "${name}" cascade`);
        },
      };
    },
    run: async (schema, settings, input) => {
      await closeDb();
      return runTarget(
        { embedded: true, embedded_path: folder, default_target_schema: schema.name, ...settings },
        input,
      );
    },
    dispose: async () => {
      await closeDb();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** The server (when reachable) and the embedded default. */
export async function allBackends(): Promise<Backend[]> {
  const server = (await postgresUnavailable()) === undefined ? [serverBackend()] : [];
  return [...server, embeddedBackend()];
}
