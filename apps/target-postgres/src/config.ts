import { type ConfigOf, PROGRESS_SETTINGS, type SettingsSchema } from "@singerkit/singer";
import { resolveSsl, type SslSettings } from "./ssl.js";

/**
 * The target's settings. Every entry's description is what `--about` prints and what the
 * README's settings table shows; env vars `TARGET_POSTGRES_<SETTING>` override config files.
 */
export const SETTINGS = {
  type: "object",
  properties: {
    host: {
      type: "string",
      description:
        "PostgreSQL host. When no connection setting is given at all, DATABASE_URL and then the libpq PG* variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE) are used, as node-postgres does.",
    },
    port: {
      type: "integer",
      minimum: 1,
      maximum: 65535,
      description: "PostgreSQL port (default 5432, or PGPORT).",
    },
    user: { type: "string", description: "User to connect as (default PGUSER, else the OS user)." },
    password: { type: "string", secret: true, description: "Password of `user` (or PGPASSWORD)." },
    database: { type: "string", description: "Database to load into (default PGDATABASE)." },
    connection_string: {
      type: "string",
      secret: true,
      description:
        "A postgres:// URL (libpq connection URI, e.g. with ?sslmode=require). Overrides host, port, user, password and database.",
    },
    ssl_mode: {
      type: "string",
      enum: ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"],
      description:
        "TLS as libpq's sslmode: `disable` plaintext; `allow` plaintext, TLS if the server refuses plaintext; `prefer` TLS, plaintext only if the server does not support SSL; `require` TLS without verifying the certificate (with `ssl_certificate_authority`: the chain is checked, as `verify-ca`); `verify-ca` TLS, certificate signed by the CA; `verify-full` also the host name. Wins over `sslmode` in `connection_string` and PGSSLMODE; unset, those decide as node-postgres reads them. Ignored (with a warning) by the embedded database.",
    },
    ssl_certificate_authority: {
      type: "string",
      minLength: 1,
      description:
        "CA certificate(s) the server's certificate must be signed by: a file path, or the PEM text itself (starting with `-----BEGIN`). Without it, `verify-full` trusts Node's built-in public CAs; `verify-ca` requires it.",
    },
    ssl_client_certificate: {
      type: "string",
      minLength: 1,
      description:
        "Client certificate for servers that ask for one (pg_hba `cert` or `clientcert`): a file path or the PEM text. Needs `ssl_client_private_key`.",
    },
    ssl_client_private_key: {
      type: "string",
      minLength: 1,
      secret: true,
      description:
        "Unencrypted private key of `ssl_client_certificate`: a file path or the PEM text. Redacted from logs, like the key read from the file.",
    },
    embedded: {
      type: "boolean",
      description:
        "Load into the embedded PostgreSQL (PGlite) in `embedded_path`. Default: only when no connection is configured at all (no connection setting, no DATABASE_URL, no PGHOST/PGDATABASE/PGUSER); `false` never.",
    },
    embedded_path: {
      type: "string",
      minLength: 1,
      default: "./.target-postgres/",
      description:
        "Folder of the embedded database (PGlite data in `pgdata/`, the single-session lock in `target-postgres.lock`); created if missing, relative to the working directory.",
    },
    default_target_schema: {
      type: "string",
      minLength: 1,
      maxLength: 63,
      default: "public",
      description:
        "Schema every stream's table is created in (created if missing). Used verbatim, always quoted.",
    },
    schema_mapping: {
      type: "object",
      additionalProperties: {
        type: "object",
        properties: { target_schema: { type: "string", minLength: 1, maxLength: 63 } },
        required: ["target_schema"],
        additionalProperties: false,
      },
      description:
        'Per source schema (PipelineWise style): a stream named `<source schema>-<table>` (as tap-postgres and tap-mysql name them) whose source schema is a key here loads into table `<table>` of that `target_schema`. Example: `{"public": {"target_schema": "raw_app"}}` loads stream `public-orders` into `raw_app.orders`.',
    },
    stream_mapping: {
      type: "object",
      additionalProperties: {
        type: "object",
        properties: {
          target_schema: { type: "string", minLength: 1, maxLength: 63 },
          target_table: { type: "string", minLength: 1, maxLength: 63 },
        },
        additionalProperties: false,
      },
      description:
        'Per stream (exact stream name): `target_schema` and/or `target_table` (used verbatim, always quoted) for that stream; wins over `schema_mapping` and `default_target_schema`. Example: `{"users": {"target_schema": "secoda", "target_table": "secoda_users"}}`. Two streams mapped to one table fail at the second SCHEMA.',
    },
    max_parallelism: {
      type: "integer",
      minimum: 1,
      maximum: 64,
      default: 4,
      description:
        "Most streams committed at the same time, each batch in its own transaction on its own connection (a bounded pool); batches of one stream always commit in input order, and a STATE is still written only once every record before it, in every stream, is committed. The embedded database and `load_method: overwrite` use one connection.",
    },
    batch_size_rows: {
      type: "integer",
      minimum: 1,
      default: 100_000,
      description:
        "A stream's buffered records are committed (COPY + merge, one transaction) when it holds this many.",
    },
    batch_size_bytes: {
      type: "integer",
      minimum: 1024,
      default: 16 * 1024 * 1024,
      description:
        "All buffered streams are committed when their encoded rows reach this many bytes in total; bounds the target's memory.",
    },
    batch_max_age_seconds: {
      type: "number",
      exclusiveMinimum: 0,
      default: 60,
      description:
        "All buffered streams are committed when the oldest buffered record is this old (also while the tap is idle), so the last emitted STATE is never older than this plus one commit.",
    },
    flush_retries: {
      type: "integer",
      minimum: 0,
      maximum: 20,
      default: 3,
      description:
        "How many times a database call is retried after its connection fails (refused at start-up, terminated backend, reset, server briefly unreachable, a lost COMMIT acknowledgement) or PostgreSQL rolls it back for a deadlock or serialization failure, after a short backoff (0.5 s, doubling up to 5 s); then the run fails naming table, line and stream. Catalog reads and DDL are simply rerun (DDL is planned again from the catalog). A batch, an ACTIVATE_VERSION and the dead-letter insert are first checked on a new connection (their commit marker in `_sdc_commits`): one that committed is never run again. `before_run_sql` / `after_run_sql` are retried only when the connection could not be opened. With `load_method: overwrite` the load itself is not retried (its shadow tables live in the lost session).",
    },
    validate_records: {
      anyOf: [{ type: "boolean" }, { type: "string", enum: ["strict"] }],
      default: true,
      description:
        'How records are checked against the JSON Schema of their stream (draft-04 to 2020-12; unknown keywords and formats are ignored with one warning per stream). `true`: values that break the schema but fit their column (a too-long string, a number past an advisory maximum, a string failing `pattern` or `format`) load as sent, counted per stream and field in the load summary and `_sdc_loads` and warned once per field with a line number. `"strict"`: such a record fails the run naming line, stream and field (or goes to `_sdc_rejected` with `invalid_records: dead_letter`). `false`: no check. Under every setting a value its column cannot hold (text in an integer column, an unreadable date-time) widens the column (to text) instead of failing, and a record without its key properties fails.',
    },
    interpret_content_encoding: {
      type: "boolean",
      default: false,
      description:
        'Store string properties declared `contentEncoding: "base16"` as bytea: `"0xA1B2"` → `\\xa1b2` (an odd length padded with a leading 0; `""` and `"0x"` empty; null NULL; a value that is not hex widens the column to text and is kept). False: such strings load as text, verbatim.',
    },
    nul_handling: {
      type: "string",
      enum: ["replace", "fail"],
      default: "replace",
      description:
        "What to do with U+0000 (NUL) in strings, which PostgreSQL text and jsonb cannot store, also nested in objects and arrays: `replace` it with U+FFFD, or `fail` naming stream, column and key.",
    },
    invalid_records: {
      type: "string",
      enum: ["fail", "dead_letter"],
      default: "fail",
      description:
        'A record that fails validation (or lacks a key property, or holds NUL under `nul_handling: fail`): `fail` the run, or `dead_letter`: skip it and keep it in `_sdc_rejected` (stream, record as jsonb, error, input line, load id) in the target schema. `dead_letter` checks records strictly (as `validate_records: "strict"`) unless `validate_records` is `false`.',
    },
    flattening_enabled: {
      type: "boolean",
      default: false,
      description:
        "Flatten object properties that declare `properties` into one column per child, named `parent__child` (names follow the 63-byte identifier rule); arrays and deeper objects stay jsonb.",
    },
    flattening_max_depth: {
      type: "integer",
      minimum: 1,
      default: 1,
      description:
        "How many object levels `flattening_enabled` flattens (1: `a__b`; 2: also `a__b__c`).",
    },
    process_activate_version_messages: {
      type: "boolean",
      default: true,
      description:
        "Handle ACTIVATE_VERSION: the stream's buffered rows are committed, then rows of an older table version (`_sdc_table_version`, from RECORD.version; NULL counts as older) are deleted (`hard_delete`) or stamped in `_sdc_deleted_at`. False: the message is ignored.",
    },
    hard_delete: {
      type: "boolean",
      default: false,
      description:
        "ACTIVATE_VERSION deletes older-version rows instead of setting their `_sdc_deleted_at` (set once, never re-stamped); records whose `_sdc_deleted_at` is set (LOG_BASED deletes) are deleted right after their batch is merged.",
    },
    add_record_metadata: {
      type: "boolean",
      default: false,
      description:
        "Add `_sdc_extracted_at`, `_sdc_received_at`, `_sdc_batched_at`, `_sdc_deleted_at` (timestamptz), `_sdc_sequence` and `_sdc_table_version` (bigint) columns to every table.",
    },
    load_method: {
      type: "string",
      enum: ["upsert", "append-only", "overwrite"],
      default: "upsert",
      description:
        "`upsert`: merge on key_properties (keyless streams append); `append-only`: always append, keys are not enforced; `overwrite`: the stream's rows replace the table's at the end of input, in one transaction (readers never see it empty).",
    },
    load_history_table: {
      type: "string",
      maxLength: 63,
      default: "_sdc_loads",
      description:
        "Table in the target schema that records every run (load id, start and end, rows inserted/updated/deleted per stream, last STATE written, outcome, error). Empty disables it.",
    },
    before_run_sql: {
      anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }],
      description:
        "SQL statement(s) run before the first load (a string or a list, each run in order).",
    },
    after_run_sql: {
      anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }],
      description:
        "SQL statement(s) run after the last commit of a successful run (a string or a list).",
    },
    log_level: {
      type: "string",
      enum: ["debug", "info", "warn", "error", "fatal"],
      description:
        "Log level on stderr (default info; TARGET_POSTGRES_LOGLEVEL or LOGLEVEL also set it).",
    },
    ...PROGRESS_SETTINGS,
  },
} as const satisfies SettingsSchema;

/**
 * Validated config, derived from SETTINGS (loadConfig has applied the defaults, so settings with
 * a default are present). The target uses it as loaded: no field is normalised at runtime.
 */
export type TargetConfig = ConfigOf<typeof SETTINGS>;

export type LoadMethod = TargetConfig["load_method"];

/** `validate_records` (and `invalid_records`, which needs records to be rejected) → the
 * encoder's policy: dead_letter keeps strict checks, so invalid records are routed there. */
export function validationPolicy(config: TargetConfig): "lenient" | "strict" | "off" {
  if (config.validate_records === false) return "off";
  if (config.validate_records === "strict" || config.invalid_records === "dead_letter")
    return "strict";
  return "lenient";
}

/** Where to connect; fields left out fall back to the libpq PG* variables (node-postgres). */
export interface ConnectionSettings {
  readonly connectionString?: string;
  readonly host?: string;
  readonly port?: number;
  readonly user?: string;
  readonly password?: string;
  readonly database?: string;
  /** TLS from `ssl_mode` and the certificate settings; unset, node-postgres decides (PGSSLMODE). */
  readonly ssl?: SslSettings;
}

/**
 * Precedence: `connection_string`, then the individual settings, then DATABASE_URL (only when
 * no connection setting is given at all), then node-postgres's own PG* defaults.
 */
export function connectionSettings(
  config: TargetConfig,
  env: NodeJS.ProcessEnv,
): ConnectionSettings {
  const ssl = resolveSsl(config); // reads the PEM files: a ConfigError before anything connects
  const withSsl = (settings: ConnectionSettings) =>
    ssl === undefined ? settings : { ...settings, ssl };
  if (config.connection_string !== undefined)
    return withSsl({ connectionString: config.connection_string });
  const fields = {
    ...(config.host === undefined ? {} : { host: config.host }),
    ...(config.port === undefined ? {} : { port: config.port }),
    ...(config.user === undefined ? {} : { user: config.user }),
    ...(config.password === undefined ? {} : { password: config.password }),
    ...(config.database === undefined ? {} : { database: config.database }),
  };
  if (Object.keys(fields).length > 0) return withSsl(fields);
  const url = env.DATABASE_URL;
  if (url !== undefined && url !== "") return withSsl({ connectionString: url });
  return withSsl({});
}
