import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  configFromEnv,
  envVarName,
  loadConfig,
  type SettingsSchema,
  validateConfig,
} from "./config.js";
import { ConfigError } from "./errors.js";

const settings: SettingsSchema = {
  type: "object",
  properties: {
    api_key: { type: "string", description: "API key", secret: true, minLength: 8 },
    base_url: { type: "string", description: "Base URL", default: "https://api.example.com" },
    page_size: {
      type: "integer",
      description: "Page size",
      default: 100,
      minimum: 1,
      maximum: 1000,
    },
    ratio: { type: "number", description: "A ratio" },
    verbose: { type: "boolean", description: "Verbose" },
    streams: { type: "array", items: { type: "string" }, description: "Streams" },
    headers: { type: "object", description: "Extra headers" },
  },
  required: ["api_key"],
};

const dir = mkdtempSync(join(tmpdir(), "config-test-"));
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe("loadConfig", () => {
  it("merges files in order (later wins), then env, then defaults", async () => {
    const a = file(
      "a.json",
      JSON.stringify({ api_key: "first-key-123", page_size: 10, verbose: true }),
    );
    const b = file("b.json", JSON.stringify({ page_size: 20 }));
    const { config, secrets } = await loadConfig<Record<string, unknown>>({
      plugin: "tap-x",
      settings,
      files: [a, b],
      env: { TAP_X_VERBOSE: "off", TAP_X_STREAMS: "a, b" },
    });
    expect(config).toEqual({
      api_key: "first-key-123",
      page_size: 20,
      verbose: false,
      streams: ["a", "b"],
      base_url: "https://api.example.com",
    });
    expect(secrets).toEqual(["first-key-123"]);
  });

  it("accepts --config ENV as the SDK spells it", async () => {
    const { config } = await loadConfig<{ api_key: string }>({
      plugin: "tap-x",
      settings,
      files: ["ENV"],
      env: { TAP_X_API_KEY: "from-env-key" },
    });
    expect(config.api_key).toBe("from-env-key");
  });

  it("lists every problem at once and never shows a secret value", async () => {
    const path = file(
      "bad.json",
      JSON.stringify({ api_key: "short", page_size: 5000, ratio: "x" }),
    );
    const error = await loadConfig({ plugin: "tap-x", settings, files: [path], env: {} }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).describe();
    expect(text).toBe(
      'invalid config: "api_key" must NOT have fewer than 8 characters (got (secret)); "page_size" must be <= 1000 (got 5000); "ratio" must be number (got "x")',
    );
    expect(text).not.toContain("short");
  });

  it.each([
    [
      "an env var",
      { TAP_X_PAGE_SIZE: "hunter2-secret-1" },
      [],
      'TAP_X_PAGE_SIZE must be an integer, got "(secret)"',
    ],
    [
      "a file",
      {},
      [{ ratio: "hunter2-secret-1" }],
      'invalid config: "ratio" must be number (got "(secret)")',
    ],
  ])(
    "a secret's value given in another setting (%s) is not echoed by its error",
    async (_where, env, extra, message) => {
      const secret = file("secret.json", JSON.stringify({ api_key: "hunter2-secret-1" }));
      const files = [
        secret,
        ...extra.map((values, i) => file(`extra${i}.json`, JSON.stringify(values))),
      ];
      const error = await loadConfig({ plugin: "tap-x", settings, files, env }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toBe(message);
      expect(String((error as ConfigError).cause ?? "")).not.toContain("hunter2");
    },
  );

  it("the secret given by env var is redacted in another setting's error too", async () => {
    const error = await loadConfig({
      plugin: "tap-x",
      settings,
      env: { TAP_X_API_KEY: 'pa"ss-word-9', TAP_X_HEADERS: '{"x": pa"ss-word-9' },
    }).catch((e: unknown) => e);
    expect((error as ConfigError).message).toBe(
      'TAP_X_HEADERS must be JSON (object), got "{\\"x\\": (secret)"',
    );
  });

  it("reports a missing required setting", async () => {
    await expect(loadConfig({ plugin: "tap-x", settings, env: {} })).rejects.toThrow(
      'invalid config: "api_key" is required',
    );
  });

  it.each([
    ["missing.json", /cannot read config file .*missing\.json \(ENOENT\)/],
    ["notjson.json", /config file .*notjson\.json is not valid JSON/],
    ["array.json", /config file .*array\.json must hold a JSON object/],
  ])("names the file when %s cannot be used", async (name, pattern) => {
    file("notjson.json", "{nope");
    file("array.json", "[1]");
    await expect(
      loadConfig({ plugin: "tap-x", settings, files: [join(dir, name)], env: {} }),
    ).rejects.toThrow(pattern);
  });
});

/** Two `anyOf` settings as target-postgres declares them (validate_records, before_run_sql). */
const anyOfSettings = {
  check: {
    anyOf: [{ type: "boolean" }, { type: "string", enum: ["strict"] }],
    description: "Check",
  },
  sql: {
    anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }],
    description: "SQL",
  },
} as const;

describe("validateConfig messages say what is allowed", () => {
  const shaped: SettingsSchema = {
    type: "object",
    properties: {
      sweep: { type: "string", enum: ["every_run", "daily", "never"], description: "Sweep" },
      ...anyOfSettings,
      port: { type: ["integer", "string"], description: "Port" },
      mode: { const: "fixed", description: "Mode" },
      level: { type: "integer", exclusiveMaximum: 10, minimum: 1, description: "Level" },
      token: { type: "string", enum: ["tok-aaaa", "tok-bbbb"], secret: true, description: "Token" },
      mapping: {
        type: "object",
        additionalProperties: {
          type: "object",
          properties: { target_schema: { type: "string" }, target_table: { type: "string" } },
          required: ["target_schema"],
          additionalProperties: false,
        },
        description: "Mapping",
      },
    },
  };

  it.each([
    [{ sweep: "weekly" }, '"sweep" must be one of "every_run", "daily", "never" (got "weekly")'],
    [{ check: "yes" }, '"check" must be boolean or "strict" (got "yes")'],
    [{ sql: [1] }, '"sql" must be string or array of string (got [1])'],
    [{ port: true }, '"port" must be integer or string (got true)'],
    [{ mode: "moving" }, '"mode" must be "fixed" (got "moving")'],
    [{ level: 10 }, '"level" must be < 10 (got 10)'],
    [{ level: 0 }, '"level" must be >= 1 (got 0)'],
    [
      { mapping: { users: { target_schema: 3 } } },
      '"mapping.users.target_schema" must be string (got 3)',
    ],
    [{ mapping: { users: {} } }, '"mapping.users.target_schema" is required'],
    [
      { mapping: { users: { target_schema: "s", target_tabel: "t" } } },
      '"mapping.users" has unknown property "target_tabel" (allowed: "target_schema", "target_table")',
    ],
    [
      { mapping: { "a/b": { target_schema: 1 } } },
      '"mapping.a/b.target_schema" must be string (got 1)',
    ],
  ])("%j", (config, expected) => {
    expect(() => validateConfig(config, shaped)).toThrow(
      new ConfigError(`invalid config: ${expected}`),
    );
  });

  it("a secret setting's value is not echoed by its enum error; the allowed values are listed", () => {
    expect(() => validateConfig({ token: "tok-cccc" }, shaped)).toThrow(
      new ConfigError(
        'invalid config: "token" must be one of "tok-aaaa", "tok-bbbb" (got (secret))',
      ),
    );
  });
});

describe("unknown settings", () => {
  it("are named with the nearest known setting, and do not fail the load", async () => {
    const path = file(
      "extra.json",
      JSON.stringify({ api_key: "key-123456", page_sise: 5, batch_size_rows: 9, zzz: 1 }),
    );
    const loaded = await loadConfig({ plugin: "tap-x", settings, files: [path], env: {} });
    expect(loaded.unknown).toEqual([
      'unknown setting "page_sise" is ignored (nearest known setting: page_size)',
      'unknown setting "batch_size_rows" is ignored',
      'unknown setting "zzz" is ignored',
    ]);
  });
});

describe("configFromEnv with anyOf settings", () => {
  const either: SettingsSchema = {
    type: "object",
    properties: {
      ...anyOfSettings,
    },
  };
  it.each([
    ["TAP_X_CHECK", "false", { check: false }],
    ["TAP_X_CHECK", "strict", { check: "strict" }],
    ["TAP_X_SQL", "SELECT 1, 2", { sql: "SELECT 1, 2" }],
  ])("casts %s=%s by its branches' types", (variable, value, expected) => {
    expect(configFromEnv("tap-x", either, { [variable]: value })).toEqual(expected);
  });
});

describe("configFromEnv", () => {
  it("names variables after the plugin and setting", () => {
    expect(envVarName("tap-secoda", "api_key")).toBe("TAP_SECODA_API_KEY");
    expect(envVarName("target-postgres", "batch_size_rows")).toBe(
      "TARGET_POSTGRES_BATCH_SIZE_ROWS",
    );
  });

  it.each([
    ["TAP_X_PAGE_SIZE", "250", { page_size: 250 }],
    ["TAP_X_RATIO", "0.5", { ratio: 0.5 }],
    ["TAP_X_VERBOSE", "YES", { verbose: true }],
    ["TAP_X_VERBOSE", "0", { verbose: false }],
    ["TAP_X_STREAMS", '["a","b"]', { streams: ["a", "b"] }],
    ["TAP_X_HEADERS", '{"X-A":"1"}', { headers: { "X-A": "1" } }],
    ["TAP_X_BASE_URL", "http://h", { base_url: "http://h" }],
  ])("casts %s=%s by the setting's type", (variable, value, expected) => {
    expect(configFromEnv("tap-x", settings, { [variable]: value })).toEqual(expected);
  });

  it.each([
    ["TAP_X_PAGE_SIZE", "12abc", 'TAP_X_PAGE_SIZE must be an integer, got "12abc"'],
    ["TAP_X_RATIO", "abc", 'TAP_X_RATIO must be a number, got "abc"'],
    [
      "TAP_X_VERBOSE",
      "maybe",
      'TAP_X_VERBOSE must be a boolean (true/false, 1/0, yes/no, on/off), got "maybe"',
    ],
    ["TAP_X_HEADERS", "{x", 'TAP_X_HEADERS must be JSON (object), got "{x"'],
  ])("rejects %s=%s with the variable's name", (variable, value, message) => {
    expect(() => configFromEnv("tap-x", settings, { [variable]: value })).toThrow(message);
  });

  it("never echoes a secret env value in a cast error", () => {
    const secretInt: SettingsSchema = {
      type: "object",
      properties: { pin: { type: "integer", description: "PIN", secret: true } },
    };
    expect(() => configFromEnv("tap-x", secretInt, { TAP_X_PIN: "hunter2" })).toThrow(
      "TAP_X_PIN must be an integer, got (secret)",
    );
  });
});
