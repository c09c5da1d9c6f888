/**
 * The API key and the database password never appear in any output: logs at LOGLEVEL=debug,
 * FATAL lines, METRIC lines, --about, STATE, or the load-history table, also when a run fails
 * and the error carries the request. Every run below fails (or is --about), with distinctive
 * secrets; ALL of stdout and stderr is searched, raw and URL-encoded.
 */
import { type FakeSecoda, startFakeSecoda } from "@repo/fake-secoda";
import { freshSchema, postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bins } from "../support/bins.js";
import { type ProcessResult, run, runTarget, tempDir, writeJson } from "../support/run.js";
import { fastRetries, runTap } from "../support/tap.js";

const API_KEY = "sk-Rel1ab/APIKEY+zq9=Xw";
const DB_PASSWORD = "pw-Rel1ab/DBPASS@:+zq9?&";
const secrets = [API_KEY, DB_PASSWORD];

const debug = {
  LOGLEVEL: "debug",
  TAP_SECODA_LOG_LEVEL: "debug",
  TARGET_POSTGRES_LOG_LEVEL: "debug",
};

function leaks(result: ProcessResult | string): string[] {
  const text = typeof result === "string" ? result : `${result.stdout}\n${result.stderr}`;
  const out: string[] = [];
  for (const secret of secrets)
    for (const form of new Set([
      secret,
      encodeURIComponent(secret),
      encodeURI(secret),
      Buffer.from(secret).toString("base64"),
      // A fragment long enough to be the secret, short enough to survive partial masking.
      secret.slice(0, 12),
    ]))
      for (const line of text.split("\n")) if (line.includes(form)) out.push(line.slice(0, 300));
  return out;
}

const unavailable = await postgresUnavailable();

describe("secrets never leak", () => {
  let fake: FakeSecoda;
  const dir = tempDir("secrets");

  beforeAll(async () => {
    // The fake accepts the secret API key only for the 5xx run; the 401 run uses another fake key.
    fake = await startFakeSecoda({ seed: 5, scale: 100, apiKey: "other-key", adminKey: API_KEY });
  });
  afterAll(async () => {
    await fake?.close();
  });

  it("tap --about (every format) with the key configured", async () => {
    for (const format of ["text", "json", "markdown"]) {
      const result = await run(
        process.execPath,
        [
          bins.tap,
          "--config",
          writeJson(dir, "about.json", { api_key: API_KEY, base_url: fake.url }),
          "--about",
          "--format",
          format,
        ],
        { env: { ...process.env, ...debug } },
      );
      expect(result.status).toBe(0);
      expect(leaks(result)).toEqual([]);
    }
  });

  it("tap with a key the API rejects (401), at debug level", async () => {
    fake.setFaults({});
    const result = await run(process.execPath, [bins.tap, "--config", "ENV"], {
      env: {
        ...process.env,
        ...debug,
        TAP_SECODA_API_KEY: `${API_KEY}-wrong`,
        TAP_SECODA_BASE_URL: fake.url,
        TAP_SECODA_MAX_RETRIES: "1",
        TAP_SECODA_BACKOFF_INITIAL_SECONDS: "0.01",
      },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/FATAL tap-secoda .*401/);
    expect(leaks(result)).toEqual([]);
  });

  it("tap exhausting its retries on 5xx, at debug level", async () => {
    fake.setFaults({ errors: { pathPrefix: "/api/v1/user", statuses: [502] } });
    try {
      const result = await runTap(dir, fake, API_KEY, { config: fastRetries, env: debug });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/FATAL tap-secoda {2}stream users: Secoda returned HTTP 502/);
      expect(result.stderr).toMatch(/DEBUG/);
      expect(leaks(result)).toEqual([]);
    } finally {
      fake.setFaults({});
    }
  });

  it("tap timing out and being reset, at debug level", async () => {
    fake.setFaults({
      reset: { pathPrefix: "/api/v1/tag", fraction: 0.3 },
      slow: { pathPrefix: "/api/v1/user", delayMs: 1500 },
    });
    try {
      const result = await runTap(dir, fake, API_KEY, { config: fastRetries, env: debug });
      expect(result.status).toBe(1);
      expect(leaks(result)).toEqual([]);
    } finally {
      fake.setFaults({});
    }
  });

  it("log_format json: every line of tap and target is one JSON object, secrets redacted", async () => {
    const json = { ...debug, LOG_FORMAT: "json" };
    const parsesAsJson = (stderr: string) =>
      stderr
        .split("\n")
        .filter((line) => line !== "")
        .every((line) => {
          try {
            return typeof JSON.parse(line).level === "string";
          } catch {
            return false;
          }
        });
    fake.setFaults({ errors: { pathPrefix: "/api/v1/user", statuses: [502] } });
    try {
      const tap = await runTap(dir, fake, API_KEY, { config: fastRetries, env: json });
      expect(tap.status).toBe(1);
      expect(tap.stderr).toContain('"message":"METRIC"'); // metric lines are JSON too
      expect(tap.stderr).toMatch(
        /"level":"fatal","plugin":"tap-secoda","message":"stream users: Secoda returned HTTP 502/,
      );
      expect(parsesAsJson(tap.stderr)).toBe(true);
      expect(leaks(tap)).toEqual([]);
    } finally {
      fake.setFaults({});
    }
    const input = `${JSON.stringify({ type: "SCHEMA", stream: "s", schema: { type: "object", properties: { id: { type: "integer" } } }, key_properties: ["id"] })}\n`;
    const target = await runTarget(
      dir,
      {
        connection_string: `postgres://postgres:${encodeURIComponent(DB_PASSWORD)}@127.0.0.1:1/test`,
      },
      { text: input },
      json,
    );
    expect(target.status).toBe(1);
    expect(parsesAsJson(target.stderr)).toBe(true);
    expect(target.stderr).toContain('"level":"fatal","plugin":"target-postgres"');
    expect(leaks(target)).toEqual([]);
  });

  it("target --about (every format) with a password configured", async () => {
    for (const format of ["text", "json", "markdown"]) {
      const result = await run(process.execPath, [bins.target, "--about", "--format", format], {
        env: {
          ...process.env,
          ...debug,
          TARGET_POSTGRES_PASSWORD: DB_PASSWORD,
          TARGET_POSTGRES_CONNECTION_STRING: `postgres://postgres:${encodeURIComponent(DB_PASSWORD)}@127.0.0.1:5432/test`,
        },
      });
      expect(result.status).toBe(0);
      expect(leaks(result)).toEqual([]);
    }
  });

  it("target with an unreachable database and the password in connection_string", async () => {
    const input = `${JSON.stringify({ type: "SCHEMA", stream: "s", schema: { type: "object", properties: { id: { type: "integer" } } }, key_properties: ["id"] })}\n${JSON.stringify({ type: "RECORD", stream: "s", record: { id: 1 } })}\n`;
    for (const [config, status] of [
      [
        {
          connection_string: `postgres://postgres:${encodeURIComponent(DB_PASSWORD)}@127.0.0.1:1/test`,
        },
        1,
      ],
      [
        { host: "127.0.0.1", port: 1, user: "postgres", password: DB_PASSWORD, database: "test" },
        1,
      ],
      [
        // Not a valid URL at all: a config error (exit 2) that must not echo it.
        { connection_string: `postgres://postgres:${DB_PASSWORD}@127.0.0.1:1/test` },
        2,
      ],
    ] as const) {
      const result = await runTarget(dir, config, { text: input }, debug);
      expect(result.status).toBe(status);
      expect(result.stderr).toMatch(/FATAL target-postgres /);
      expect(leaks(result)).toEqual([]);
    }
  });

  describe.skipIf(unavailable !== undefined)("with a reachable database", () => {
    let schema: TestSchema;
    beforeAll(async () => {
      schema = await freshSchema("rel_secret");
    });
    afterAll(async () => {
      await schema?.drop();
    });

    it("target on bad input: FATAL, STATE and load-history rows hold no password", async () => {
      // Trust authentication ignores the password, so the load reaches the database.
      const url = `postgres://postgres:${encodeURIComponent(DB_PASSWORD)}@127.0.0.1:5432/test`;
      const input = [
        JSON.stringify({
          type: "SCHEMA",
          stream: "s",
          schema: {
            type: "object",
            properties: { id: { type: "integer" }, v: { type: "string" } },
          },
          key_properties: ["id"],
        }),
        JSON.stringify({ type: "RECORD", stream: "s", record: { id: 1, v: "a" } }),
        JSON.stringify({ type: "STATE", value: { ok: 1 } }),
        JSON.stringify({ type: "RECORD", stream: "s", record: { id: 2, v: 5 } }),
        "",
      ].join("\n");
      const result = await runTarget(
        dir,
        {
          connection_string: url,
          default_target_schema: schema.name,
          batch_size_rows: 1,
          validate_records: "strict", // the default loads a number in a string column as text
        },
        { text: input },
        debug,
      );
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/FATAL target-postgres {2}line 4, stream s, field \/v: /);
      expect(result.stdout).toBe('{"ok":1}\n');
      expect(leaks(result)).toEqual([]);
      const history = await schema.query<{ row: unknown }>(
        `select to_jsonb(h) as row from "${schema.name}"._sdc_loads h`,
      );
      expect(history.length).toBeGreaterThan(0);
      expect(leaks(JSON.stringify(history))).toEqual([]);
    });
  });
});
