import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freshSchema, pgConfigFromEnv, type TestSchema } from "@repo/pg-testing";
import { afterEach } from "vitest";

export const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout lines parsed as JSON (the STATE values the target printed). */
  readonly states: unknown[];
  /** The FATAL line on stderr, if any. */
  readonly fatal: string | undefined;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Called with each stdout line as it arrives (the run continues meanwhile). */
  readonly onLine?: (line: string) => void | Promise<void>;
  /** Called with each stderr line as it arrives. */
  readonly onStderr?: (line: string) => void;
  /** Extra CLI arguments. */
  readonly args?: readonly string[];
  /** Arguments for node itself, before the script (e.g. a heap limit). */
  readonly nodeArgs?: readonly string[];
  /** Called with the process's signal function once it runs. */
  readonly onSpawn?: (kill: (signal: NodeJS.Signals) => void) => void;
}

/**
 * For a describe block: returns `fresh()`, which creates a new test schema (`<prefix>_<random>`);
 * every schema made in a test is dropped after it.
 */
export function freshSchemas(prefix: string): () => Promise<TestSchema> {
  const schemas: TestSchema[] = [];
  afterEach(async () => {
    await Promise.all(schemas.splice(0).map((s) => s.drop()));
  });
  return async () => {
    const schema = await freshSchema(prefix);
    schemas.push(schema);
    return schema;
  };
}

/** Target config for a test schema: the test database plus the given settings. */
export function configFor(
  schema: Pick<TestSchema, "name">,
  settings: Record<string, unknown> = {},
) {
  const connection = pgConfigFromEnv();
  return {
    host: connection.host,
    port: connection.port,
    user: connection.user,
    ...(connection.password === undefined ? {} : { password: connection.password }),
    database: connection.database,
    default_target_schema: schema.name,
    ...settings,
  };
}

/** Runs `node dist/cli.js --config <tmp file>` with `input` on stdin. */
/** What to send on stdin: text, lines sent a few ms apart, or a function that writes it. */
export type Input = string | readonly string[] | ((stdin: NodeJS.WritableStream) => Promise<void>);

export async function runTarget(
  config: Record<string, unknown> | undefined,
  input: Input,
  options: RunOptions = {},
): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), "target-postgres-"));
  try {
    const args = [...(options.nodeArgs ?? []), CLI];
    if (config !== undefined) {
      writeFileSync(join(dir, "config.json"), JSON.stringify(config));
      args.push("--config", join(dir, "config.json"));
    }
    return await run([...args, ...(options.args ?? [])], input, options);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(args: string[], input: Input, options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, LOGLEVEL: "info", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let partial = "";
    let partialErr = "";
    const callbacks: Promise<void>[] = [];
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (text: string) => {
      stdout += text;
      partial += text;
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines)
        if (options.onLine !== undefined) callbacks.push(Promise.resolve(options.onLine(line)));
    });
    child.stderr.on("data", (text: string) => {
      stderr += text;
      partialErr += text;
      const lines = partialErr.split("\n");
      partialErr = lines.pop() ?? "";
      for (const line of lines) options.onStderr?.(line);
    });
    child.on("error", reject);
    options.onSpawn?.((signal) => child.kill(signal));
    child.on("close", (code) => {
      Promise.all(callbacks)
        .then(() => {
          let states: unknown[] = [];
          try {
            states = stdout
              .split("\n")
              .filter((line) => line !== "")
              .map((line) => JSON.parse(line) as unknown);
          } catch {
            states = []; // not STATE lines (e.g. --about output)
          }
          const fatal = stderr.split("\n").find((line) => line.includes(" FATAL "));
          resolve({ code, stdout, stderr, states, fatal });
        })
        .catch(reject);
    });
    child.stdin.on("error", () => undefined); // the target may exit before reading everything
    if (typeof input === "string") child.stdin.end(input);
    else if (typeof input === "function") input(child.stdin).catch(reject);
    else writeLines(child.stdin, input).catch(reject);
  });
}

/**
 * Each line its own stdin chunk, the next written only once the previous one has been handed to
 * the pipe, as a tap writes them. No wall-clock pacing: the checks (no STATE ahead of committed
 * rows, exact tables) hold whatever way the target's reads split the input.
 */
async function writeLines(stdin: NodeJS.WritableStream, lines: readonly string[]): Promise<void> {
  for (const line of lines) {
    await new Promise<void>((resolve, reject) =>
      stdin.write(`${line}\n`, (error) => (error ? reject(error) : resolve())),
    );
  }
  stdin.end();
}

/** Rows of a table as JSON objects (`to_jsonb`), ordered. bigint/numeric come back as numbers. */
export async function rowsOf(
  schema: {
    readonly name: string;
    query<R extends Record<string, unknown>>(sql: string): Promise<R[]>;
  },
  table: string,
  orderBy = "1",
): Promise<unknown[]> {
  const rows = await schema.query<{ r: unknown }>(
    `select to_jsonb(tbl_row_) as r from "${schema.name}"."${table}" tbl_row_ order by ${orderBy}`,
  );
  return rows.map((row) => row.r);
}

/** Messages as NDJSON. */
export function ndjson(messages: readonly unknown[]): string {
  return `${messages.map((m) => JSON.stringify(m)).join("\n")}\n`;
}

export const schemaMessage = (
  stream: string,
  properties: Record<string, unknown>,
  keys: readonly string[] = [],
) => ({ type: "SCHEMA", stream, key_properties: keys, schema: { type: "object", properties } });

export const recordMessage = (stream: string, record: Record<string, unknown>) => ({
  type: "RECORD",
  stream,
  record,
});

export const stateMessage = (value: Record<string, unknown>) => ({ type: "STATE", value });

/**
 * Waits on the target's stderr instead of on the wall clock: pass `onStderr` to runTarget, then
 * `await line(/…/)` resolves once a matching line was written (also if it already was).
 */
export function watchStderr() {
  const seen: string[] = [];
  const waiting = new Set<{ readonly pattern: RegExp; readonly resolve: () => void }>();
  return {
    onStderr: (text: string) => {
      seen.push(text);
      for (const entry of waiting)
        if (entry.pattern.test(text)) {
          waiting.delete(entry);
          entry.resolve();
        }
    },
    line: (pattern: RegExp) =>
      new Promise<void>((resolve) => {
        if (seen.some((text) => pattern.test(text))) resolve();
        else waiting.add({ pattern, resolve });
      }),
  };
}
