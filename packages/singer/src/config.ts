import { readFile } from "node:fs/promises";
import { Ajv, type ErrorObject } from "ajv";
import addFormatsImport from "ajv-formats";
import { expectation } from "./ajv-messages.js";
import { ConfigError } from "./errors.js";
import { isJsonObject, type JsonObject, type JsonValue } from "./json.js";
import { unknownSetting } from "./nearest-name.js";
import { type JsonSchema, pointerSegments, valueAt } from "./schema.js";

/** One setting of a tap or target: a JSON Schema plus `secret` (redacted everywhere). */
export type SettingSchema = JsonSchema & {
  readonly description: string;
  readonly secret?: boolean;
  readonly title?: string;
  readonly examples?: readonly JsonValue[];
};

/** The settings of a plugin, as `--about` shows them and config is validated against. */
export interface SettingsSchema {
  readonly type: "object";
  readonly properties: { readonly [name: string]: SettingSchema };
  readonly required?: readonly string[];
}

/** The TypeScript type of values a JSON Schema accepts (the subset settings use). */
export type ValueOf<S> = S extends { readonly enum: readonly (infer E)[] }
  ? E
  : S extends { readonly anyOf: readonly (infer A)[] }
    ? ValueOf<A>
    : S extends { readonly const: infer C }
      ? C
      : S extends { readonly type: infer T }
        ? T extends readonly (infer U)[]
          ? TypeName<U, S>
          : TypeName<T, S>
        : JsonValue;

type TypeName<T, S> = T extends "string"
  ? string
  : T extends "integer" | "number"
    ? number
    : T extends "boolean"
      ? boolean
      : T extends "null"
        ? null
        : T extends "array"
          ? S extends { readonly items: infer I }
            ? readonly ValueOf<I>[]
            : readonly JsonValue[]
          : T extends "object"
            ? S extends { readonly properties: infer P }
              ? S extends { readonly required: readonly (infer R)[] }
                ? { readonly [K in keyof P as K extends R ? K : never]: ValueOf<P[K]> } & {
                    readonly [K in keyof P as K extends R ? never : K]?: ValueOf<P[K]>;
                  }
                : { readonly [K in keyof P]?: ValueOf<P[K]> }
              : S extends { readonly additionalProperties: infer V extends object }
                ? { readonly [key: string]: ValueOf<V> }
                : JsonObject
            : JsonValue;

type Required<S> =
  | (S extends { readonly required: readonly (infer R)[] } ? R : never)
  | {
      [K in keyof Properties<S>]: Properties<S>[K] extends { readonly default: unknown }
        ? K
        : never;
    }[keyof Properties<S>];

type Properties<S> = S extends { readonly properties: infer P } ? P : never;

/**
 * The config type of a settings schema declared `as const satisfies SettingsSchema`: required
 * settings and settings with a default (loadConfig applies defaults) are present, the rest
 * optional; `enum` becomes a union of its values. One declaration, no hand-written twin to drift.
 * Example: `export type TapConfig = ConfigOf<typeof SETTINGS>;`
 */
export type ConfigOf<S extends SettingsSchema> = {
  readonly [K in keyof Properties<S> as K extends Required<S> ? K : never]: ValueOf<
    Properties<S>[K]
  >;
} & {
  readonly [K in keyof Properties<S> as K extends Required<S> ? never : K]?: ValueOf<
    Properties<S>[K]
  >;
};

export interface LoadConfigOptions {
  /** Plugin name, e.g. `tap-secoda`; env vars are `TAP_SECODA_<SETTING>`. */
  readonly plugin: string;
  readonly settings: SettingsSchema;
  /** Config files in order; later files override earlier ones. `ENV` is accepted and ignored. */
  readonly files?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Read `<PLUGIN>_<SETTING>` variables (they override files). Default true. */
  readonly useEnv?: boolean;
}

export interface LoadedConfig<C> {
  readonly config: C;
  /** Values of every secret setting that is set, for by-value redaction. */
  readonly secrets: readonly string[];
  /** Settings in the config files that the plugin does not know, each with the nearest known
   * name (a setting of another loader, or a typo): warned about, never a failure. */
  readonly unknown: readonly string[];
}

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object.
const addFormats = addFormatsImport as unknown as typeof addFormatsImport.default;

/** The env var prefix of a plugin: `tap-secoda` → `TAP_SECODA_`. */
export function envPrefix(plugin: string): string {
  return `${plugin.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_`;
}

/** The env var for one setting: `TAP_SECODA_API_KEY`. */
export function envVarName(plugin: string, setting: string): string {
  return envPrefix(plugin) + setting.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/**
 * Loads config: files in order (later wins, key by key), then `<PLUGIN>_<SETTING>` env vars cast
 * by the setting's type, then defaults; validates against the settings schema and reports every
 * problem at once. Secret values never appear in the errors.
 */
export async function loadConfig<C>(options: LoadConfigOptions): Promise<LoadedConfig<C>> {
  const merged: JsonObject = {};
  const unknown: string[] = [];
  for (const file of options.files ?? []) {
    if (file === "ENV") continue; // Meltano SDK's `--config=ENV`: env is always read here
    const values = await readJsonObjectFile(file, "config");
    for (const name of Object.keys(values))
      if (!(name in options.settings.properties) && !unknown.includes(name)) unknown.push(name);
    Object.assign(merged, values);
  }
  const env = options.env ?? process.env;
  const config = withoutSecretsInErrors(secretCandidates(merged, options, env), () => {
    if (options.useEnv ?? true)
      Object.assign(merged, configFromEnv(options.plugin, options.settings, env));
    const config = withDefaults(merged, options.settings);
    validateConfig(config, options.settings);
    return config;
  });
  const secrets = Object.entries(options.settings.properties)
    .filter(
      ([name, spec]) => spec.secret === true && config[name] !== undefined && config[name] !== null,
    )
    .map(([name]) => String(config[name]))
    .filter((value) => value.length > 0);
  const known = Object.keys(options.settings.properties);
  return {
    config: config as C, // validated against the settings schema just above
    secrets,
    unknown: unknown.map((name) => unknownSetting(name, known)),
  };
}

/** Every value a secret setting may have: from the files and, raw, from its env var. */
function secretCandidates(
  files: JsonObject,
  options: LoadConfigOptions,
  env: NodeJS.ProcessEnv,
): string[] {
  const values: string[] = [];
  for (const [name, spec] of Object.entries(options.settings.properties)) {
    if (spec.secret !== true) continue;
    const given = files[name];
    if (typeof given === "string" || typeof given === "number") values.push(String(given));
    const raw = options.useEnv === false ? undefined : env[envVarName(options.plugin, name)];
    if (raw !== undefined) values.push(raw);
  }
  return values.filter((value) => value.length > 0);
}

/**
 * A config error about one setting never shows a secret that landed in another (a password
 * pasted into TARGET_POSTGRES_PORT): every secret's value, raw and as JSON escapes it, becomes
 * `(secret)` in the message. The original error is not kept as the cause (it holds the text).
 */
function withoutSecretsInErrors<T>(secrets: readonly string[], work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (!(error instanceof ConfigError) || secrets.length === 0) throw error;
    let message = error.message;
    for (const secret of secrets)
      for (const form of [secret, JSON.stringify(secret).slice(1, -1)])
        message = message.replaceAll(form, "(secret)");
    if (message === error.message) throw error;
    throw new ConfigError(message, error.context);
  }
}

/** Reads a JSON file that must hold an object; errors name the file and the problem. */
export async function readJsonObjectFile(path: string, what: string): Promise<JsonObject> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code; // fs errors carry a code
    throw new ConfigError(
      `cannot read ${what} file ${path}${code === undefined ? "" : ` (${code})`}`,
      { cause },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (cause) {
    throw new ConfigError(`${what} file ${path} is not valid JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (!isJsonObject(value)) throw new ConfigError(`${what} file ${path} must hold a JSON object`);
  return value;
}

/** Settings given as env vars, cast by their JSON Schema type. */
export function configFromEnv(
  plugin: string,
  settings: SettingsSchema,
  env: NodeJS.ProcessEnv,
): JsonObject {
  const out: JsonObject = {};
  for (const [name, spec] of Object.entries(settings.properties)) {
    const variable = envVarName(plugin, name);
    const raw = env[variable];
    if (raw === undefined) continue;
    out[name] = castEnv(raw, spec, variable);
  }
  return out;
}

const TRUE = new Set(["true", "1", "yes", "on", "y", "t"]);
const FALSE = new Set(["false", "0", "no", "off", "n", "f", ""]);

function castEnv(raw: string, spec: SettingSchema, variable: string): JsonValue {
  const types = settingTypes(spec);
  const fail = (expected: string) =>
    new ConfigError(
      `${variable} must be ${expected}, got ${spec.secret === true ? "(secret)" : JSON.stringify(raw)}`,
    );
  if (types.includes("integer") && !types.includes("string")) {
    if (!/^[+-]?\d+$/.test(raw.trim())) throw fail("an integer");
    return Number(raw);
  }
  if (types.includes("number") && !types.includes("string")) {
    const value = Number(raw);
    if (raw.trim() === "" || Number.isNaN(value)) throw fail("a number");
    return value;
  }
  if (types.includes("boolean")) {
    const lower = raw.trim().toLowerCase();
    if (TRUE.has(lower)) return true;
    if (FALSE.has(lower)) return false;
    if (types.includes("string")) return raw; // e.g. validate_records: true, false or "strict"
    throw fail("a boolean (true/false, 1/0, yes/no, on/off)");
  }
  if ((types.includes("array") || types.includes("object")) && !types.includes("string")) {
    const trimmed = raw.trim();
    if (types.includes("array") && !trimmed.startsWith("[")) {
      return trimmed === "" ? [] : trimmed.split(",").map((item) => item.trim()); // SDK's a,b,c fallback
    }
    try {
      return JSON.parse(trimmed) as JsonValue; // JSON.parse output is JSON
    } catch {
      throw fail(`JSON (${types.join(" or ")})`);
    }
  }
  return raw;
}

/** A setting's JSON types: its `type`, or those of its `anyOf` branches; untyped is a string. */
function settingTypes(spec: SettingSchema): readonly string[] {
  const anyOf = (spec as { anyOf?: readonly SettingSchema[] }).anyOf; // settings are JSON Schema
  if (Array.isArray(anyOf)) return [...new Set(anyOf.flatMap((branch) => settingTypes(branch)))];
  if (spec.type === undefined) return ["string"];
  return typeof spec.type === "string" ? [spec.type] : spec.type;
}

function withDefaults(config: JsonObject, settings: SettingsSchema): JsonObject {
  const out: JsonObject = { ...config };
  for (const [name, spec] of Object.entries(settings.properties)) {
    if (out[name] === undefined && spec.default !== undefined)
      out[name] = structuredClone(spec.default);
  }
  return out;
}

let validatorAjv: Ajv | undefined;

/** Validates a config object; one ConfigError listing every problem, secrets shown as (secret). */
export function validateConfig(config: JsonObject, settings: SettingsSchema): void {
  validatorAjv ??= (() => {
    // verbose: errors carry their schema, so `anyOf` and `additionalProperties` can say what
    // they allow. Only config is checked here (records use schema.ts), so the cost is nil.
    const ajv = new Ajv({ strict: false, allErrors: true, allowUnionTypes: true, verbose: true });
    addFormats(ajv);
    ajv.addKeyword("secret");
    return ajv;
  })();
  const validate = validatorAjv.compile(settings);
  if (validate(config)) return;
  const problems = (validate.errors ?? [])
    // A failed anyOf is told once, by its own error listing every branch; each branch's error
    // ("must be boolean", then "must be one of …") would only half-say it.
    .filter((error) => !error.schemaPath.includes("/anyOf/"))
    .map((error) => describeConfigError(error, config, settings));
  throw new ConfigError(`invalid config: ${[...new Set(problems)].join("; ")}`);
}

/** `"stream_mapping.users.target_schema" is required`, `"page_size" must be <= 1000 (got 5000)`. */
function describeConfigError(
  error: ErrorObject,
  config: JsonObject,
  settings: SettingsSchema,
): string {
  const path = pointerSegments(error.instancePath);
  if (error.keyword === "required") {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    return `${settingPath([...path, missing])} is required`;
  }
  const where = settingPath(path);
  if (error.keyword === "additionalProperties") return `${where} ${expectation(error)}`;
  // The whole setting is secret when its top-level name is: nothing under it is echoed.
  const secret = settings.properties[path[0] ?? ""]?.secret === true;
  const value = secret ? "(secret)" : JSON.stringify(valueAt(config, error.instancePath));
  return `${where} ${expectation(error)} (got ${value})`;
}

/** `"stream_mapping.users"` from decoded pointer segments; the config itself is `config`. */
function settingPath(segments: readonly string[]): string {
  if (segments.length === 0) return "config";
  return JSON.stringify(segments.join("."));
}
