import {
  freshSchema,
  pgConfigFromEnv,
  pgUrl,
  postgresUnavailable,
  type TestSchema,
} from "@repo/pg-testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  configFor,
  ndjson,
  recordMessage,
  runTarget,
  schemaMessage,
  stateMessage,
  watchStderr,
} from "./support.js";

const input = ndjson([
  schemaMessage("users", { id: { type: "integer" } }, ["id"]),
  recordMessage("users", { id: 1 }),
  stateMessage({ n: 1 }),
]);

/** Connection settings as a user gives them: config file, connection string, env vars. */
describe.skipIf((await postgresUnavailable()) !== undefined)("CLI and connection settings", () => {
  let schema: TestSchema;
  const connection = pgConfigFromEnv();
  // A clean environment: no PG* or DATABASE_URL from the test runner leaks into the child.
  const bare = Object.fromEntries(
    Object.keys(process.env)
      .filter((key) => key.startsWith("PG") || key === "DATABASE_URL")
      .map((key) => [key, undefined]),
  );
  beforeAll(async () => {
    schema = await freshSchema("tp_cli");
  });
  afterAll(async () => {
    await schema.drop();
  });

  it("--about --format json lists every setting with a description; secrets flagged", async () => {
    const result = await runTarget(undefined, "", {
      env: {},
      args: ["--about", "--format", "json"],
    });
    expect(result.code).toBe(0);
    const about = JSON.parse(result.stdout) as {
      name: string;
      settings: { properties: Record<string, { description?: string; secret?: boolean }> };
    };
    expect(about.name).toBe("target-postgres");
    const settings = about.settings.properties;
    expect(Object.keys(settings)).toEqual([
      "host",
      "port",
      "user",
      "password",
      "database",
      "connection_string",
      "ssl_mode",
      "ssl_certificate_authority",
      "ssl_client_certificate",
      "ssl_client_private_key",
      "embedded",
      "embedded_path",
      "default_target_schema",
      "schema_mapping",
      "stream_mapping",
      "max_parallelism",
      "batch_size_rows",
      "batch_size_bytes",
      "batch_max_age_seconds",
      "flush_retries",
      "validate_records",
      "interpret_content_encoding",
      "nul_handling",
      "invalid_records",
      "flattening_enabled",
      "flattening_max_depth",
      "process_activate_version_messages",
      "hard_delete",
      "add_record_metadata",
      "load_method",
      "load_history_table",
      "before_run_sql",
      "after_run_sql",
      "log_level",
      "progress_interval_seconds",
      // added by @singerkit/singer's shell (capabilities stream-maps, structured-logging)
      "stream_maps",
      "stream_map_config",
      "log_format",
      "metrics_log_level",
    ]);
    for (const spec of Object.values(settings))
      expect(spec.description?.length).toBeGreaterThan(20);
    expect(settings.password?.secret).toBe(true);
    expect(settings.connection_string?.secret).toBe(true);
    expect(settings.ssl_client_private_key?.secret).toBe(true);
  });

  it("settings of other loaders are warned about by name, with the nearest known setting", async () => {
    const config = {
      ...configFor(schema),
      batch_size: 5000, // PipelineWise / a typo for batch_size_rows
      primary_key_required: true, // PipelineWise: not ours
      activate_version: true, // MeltanoLabs: ours is process_activate_version_messages
    };
    const result = await runTarget(config, input);
    expect(result.code).toBe(0);
    const warnings = result.stderr.split("\n").filter((line) => line.includes("unknown setting"));
    expect(warnings.map((line) => line.replace(/^.* WARN +target-postgres +/, ""))).toEqual([
      'unknown setting "batch_size" is ignored (nearest known setting: batch_size_rows)',
      'unknown setting "primary_key_required" is ignored',
      'unknown setting "activate_version" is ignored (nearest known setting: process_activate_version_messages)',
    ]);
  });

  it("DATABASE_URL is used when no connection setting is given (env config only)", async () => {
    const result = await runTarget(undefined, input, {
      env: {
        ...bare,
        DATABASE_URL: pgUrl(connection),
        PGHOST: "host.invalid",
        TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA: schema.name,
      },
    });
    expect(result.fatal).toBeUndefined();
    expect(result.code).toBe(0);
    expect(result.states).toEqual([{ n: 1 }]);
  });

  it("the libpq PG* variables work as node-postgres reads them", async () => {
    const result = await runTarget(undefined, input, {
      env: {
        ...bare,
        PGHOST: connection.host,
        PGPORT: String(connection.port),
        PGUSER: connection.user,
        PGDATABASE: connection.database,
        ...(connection.password === undefined ? {} : { PGPASSWORD: connection.password }),
        TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA: schema.name,
      },
    });
    expect(result.code).toBe(0);
    expect(result.states).toEqual([{ n: 1 }]);
  });

  it("connection_string wins over host; a failure names the cause and never the secret", async () => {
    const secret = "s3cr3t-P4ss";
    const ok = await runTarget(
      {
        connection_string: pgUrl(connection),
        host: "host.invalid",
        default_target_schema: schema.name,
      },
      input,
      { env: bare },
    );
    expect(ok.code).toBe(0);
    const refused = await runTarget(
      {
        connection_string: `postgres://${connection.user}:${secret}@127.0.0.1:1/${connection.database}`,
        default_target_schema: schema.name,
      },
      input,
      { env: bare },
    );
    expect(refused.code).toBe(1);
    expect(refused.fatal).toContain("could not connect to PostgreSQL");
    expect(refused.stderr).not.toContain(secret);
    expect(refused.stdout).toBe("");
  });

  it("SIGTERM: commits what is buffered, prints its STATE, exits 143", async () => {
    let kill: ((signal: NodeJS.Signals) => void) | undefined;
    const stderr = watchStderr();
    const result = await runTarget(
      { ...configFor(schema), batch_size_rows: 1000 },
      async (stdin) => {
        stdin.write(
          ndjson([
            schemaMessage("sig", { id: { type: "integer" } }, ["id"]),
            recordMessage("sig", { id: 1 }),
            recordMessage("sig", { id: 2 }),
            stateMessage({ n: 2 }),
          ]),
        );
        // The tap goes quiet once the target read it all: the SCHEMA's debug line is written
        // just before the records of the same chunk are buffered, with no I/O in between.
        await stderr.line(/stream sig: loading into/);
        kill?.("SIGTERM");
        await stderr.line(/received SIGTERM/);
        stdin.end();
      },
      { onSpawn: (fn) => (kill = fn), onStderr: stderr.onStderr, env: { LOGLEVEL: "debug" } },
    );
    expect(result.code).toBe(143);
    expect(result.fatal).toContain("interrupted by SIGTERM");
    expect(result.states).toEqual([{ n: 2 }]);
    expect(await schema.count("sig")).toBe(2);
  });
});
