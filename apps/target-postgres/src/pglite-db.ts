import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import type { Logger } from "@singerkit/singer";
import { extract } from "tar";
import { ConnectError, type Db, DbError, type DbSession, type Row, toDbError } from "./db.js";
import { acquireLock } from "./lock.js";

/** Where PGlite keeps its cluster inside the embedded folder (next to the lock file). */
export const PGLITE_DATA = "pgdata";

/** An initialised empty cluster made at build time (scripts/pglite-template.mjs). */
const TEMPLATE = new URL("./pglite-template.tgz", import.meta.url);

/**
 * PostgreSQL settings of the embedded cluster: 16 MB of shared buffers instead of 128 MB (one
 * session in the target's own process; the OS page cache still holds the files).
 */
const SETTINGS = ["shared_buffers = 16MB"];

/**
 * The template cluster unpacked on disk, streaming, next to `dataDir` and then renamed into place
 * (a run killed halfway leaves no half cluster). PGlite's own `loadDataDir` unpacks through its
 * WASM file system, which grows the WASM heap by the cluster's size for the rest of the run.
 */
export async function unpackTemplate(template: URL, dataDir: string): Promise<void> {
  const partial = `${dataDir}.unpacking`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  await extract({ file: fileURLToPath(template), cwd: partial });
  renameSync(partial, dataDir);
}

/** int8 as text, as node-postgres returns it (PGlite would return number or BigInt). */
const PARSERS = { 20: (value: string) => value };

/** The one PGlite call both a Db and a Transaction offer. */
type Queryable = Pick<PGlite, "query" | "exec">;

/**
 * The second adapter of the db.ts port: an embedded PostgreSQL (PGlite, WASM) with its data in
 * `folder`. Opens lazily (first query: lock file, then PGlite; a new folder is unpacked from the
 * build's template cluster, or runs initdb where there is none).
 * PGlite is single-session, so every top-level query and transaction runs one at a time
 * (a promise chain), and `COPY … FROM STDIN` becomes PGlite's `COPY … FROM '/dev/blob'` with the
 * same COPY text. Same SQL, same type mapping, same STATE rule as the server path.
 */
export function openPglite(folder: string, log: Logger): Db {
  const dir = resolve(folder);
  let opened: Promise<{ db: PGlite; release: () => void }> | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const open = () => {
    opened ??= (async () => {
      const release = acquireLock(dir, log);
      try {
        const dataDir = join(dir, PGLITE_DATA);
        // A new folder starts from the template (no initdb in this process) when there is one.
        if (!existsSync(dataDir) && existsSync(TEMPLATE)) await unpackTemplate(TEMPLATE, dataDir);
        const db = await PGlite.create({ dataDir, parsers: PARSERS, postgresqlconf: SETTINGS });
        log.info(`embedded PostgreSQL (PGlite) at ${dir}`);
        return { db, release };
      } catch (error) {
        release();
        const cause = toDbError(error);
        throw new ConnectError(
          `could not open the embedded database ${dir}: ${cause.message}`,
          cause.code,
          false,
          error,
        );
      }
    })();
    return opened;
  };
  const exclusive = <T>(work: (db: PGlite) => Promise<T>): Promise<T> => {
    const run = queue.then(async () => work((await open()).db));
    queue = run.catch(() => undefined);
    return run;
  };
  return {
    connections: 1,
    query: (sql, params) => exclusive((db) => query(db, sql, params)),
    copyRows: (table, columns, data) => exclusive((db) => copyRows(db, table, columns, data)),
    transaction: (work) =>
      exclusive(async (db) => {
        try {
          return await db.transaction(async (tx) => {
            await query(tx, "SET LOCAL TIME ZONE 'UTC'");
            return work(session(tx));
          });
        } catch (error) {
          throw error instanceof DbError ? error : toDbError(error);
        }
      }),
    close: async () => {
      if (opened === undefined) return;
      await queue;
      const { db, release } = await opened;
      try {
        await db.close();
      } finally {
        release();
      }
    },
  };
}

function session(tx: Transaction): DbSession {
  return {
    query: (sql, params) => query(tx, sql, params),
    copyRows: (table, columns, data) => copyRows(tx, table, columns, data),
  };
}

async function query<R extends Row>(
  db: Queryable,
  sql: string,
  params?: readonly unknown[],
): Promise<R[]> {
  try {
    if (params === undefined || params.length === 0) {
      // The simple protocol, like node-postgres without parameters (several statements allowed).
      const results = await db.exec(sql);
      return (results.at(-1)?.rows ?? []) as R[]; // PGlite rows are untyped records
    }
    return (await db.query<R>(sql, [...params])).rows;
  } catch (error) {
    throw toDbError(error);
  }
}

async function copyRows(
  db: Queryable,
  table: string,
  columns: readonly string[],
  data: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
): Promise<number> {
  const parts: Uint8Array[] = [];
  for await (const chunk of data) parts.push(chunk);
  try {
    const result = await db.query(`COPY ${table} (${columns.join(", ")}) FROM '/dev/blob'`, [], {
      blob: new Blob(parts),
    });
    return result.affectedRows ?? 0;
  } catch (error) {
    throw toDbError(error);
  }
}
