import {
  ConfigError,
  type ConfigOf,
  PROGRESS_SETTINGS,
  type SettingsSchema,
} from "@singerkit/singer";

/** US cloud; EU is `https://eapi.secoda.co`, APAC `https://aapi.secoda.co` (secoda-api.md §1). */
export const DEFAULT_BASE_URL = "https://api.secoda.co";

/**
 * Every setting of the tap. Descriptions become `--about` output and the README table; secrets
 * (`secret: true`) are redacted by value from every log line.
 */
export const SETTINGS = {
  type: "object",
  properties: {
    api_key: {
      type: "string",
      minLength: 1,
      secret: true,
      description:
        "Secoda API key (Settings → API), sent as `Authorization: Bearer <key>`. It has the access of the user who created it; audit_logs needs an admin's key.",
    },
    base_url: {
      type: "string",
      format: "uri",
      default: DEFAULT_BASE_URL,
      description:
        "API host: US `https://api.secoda.co`, EU `https://eapi.secoda.co`, APAC `https://aapi.secoda.co`, self-hosted `https://<your-domain>` (a trailing `/api/v1` is accepted and ignored).",
      examples: ["https://api.secoda.co", "https://eapi.secoda.co", "https://aapi.secoda.co"],
    },
    start_date: {
      type: "string",
      format: "date-time",
      description:
        "Incremental streams emit only records with `updated_at` at or after this instant on their first run (later runs use the bookmark).",
    },
    page_size: {
      type: "integer",
      minimum: 1,
      maximum: 1000,
      description:
        "Sent as `page_size` on list requests. Secoda documents no page size for v1 lists (the server default is 50), so it may be ignored.",
    },
    max_concurrency: {
      type: "integer",
      minimum: 1,
      maximum: 32,
      default: 4,
      description:
        "Streams synced at the same time, and pages of one list requested ahead (at least 2); also the cap on HTTP requests in flight. Output stays valid Singer at any value.",
    },
    requests_per_minute: {
      type: "number",
      exclusiveMinimum: 0,
      description:
        "Upper bound on requests per minute. Unset: no fixed bound, but after a 429 the tap slows itself down and speeds up again gradually.",
    },
    request_timeout: {
      type: "number",
      exclusiveMinimum: 0,
      default: 60,
      description: "Seconds to wait for one HTTP response (headers and body) before retrying it.",
    },
    max_retries: {
      type: "integer",
      minimum: 0,
      maximum: 20,
      default: 5,
      description:
        "Retries of a request after a 5xx, timeout, connection reset, truncated body or a 200 without `results`. 429s have their own budget (3× this, at least 10).",
    },
    backoff_initial_seconds: {
      type: "number",
      minimum: 0,
      default: 1,
      description:
        "First retry delay; it doubles on each retry (with jitter) up to backoff_max_seconds. A 429's Retry-After wins when present.",
    },
    backoff_max_seconds: {
      type: "number",
      minimum: 0,
      default: 60,
      description: "Longest delay between two retries of one request.",
    },
    user_agent: {
      type: "string",
      description: "User-Agent header. Default: `tap-secoda/<version>`.",
    },
    emit_activate_version_messages: {
      type: "boolean",
      default: false,
      description:
        "For FULL_TABLE streams, emit ACTIVATE_VERSION before and after the records (records carry `version`), so a target can delete rows that vanished upstream.",
    },
    deletion_sweep: {
      type: "string",
      enum: ["every_run", "daily", "never"],
      default: "daily",
      description:
        'How often incremental streams (all but audit_logs) are swept for records deleted in Secoda: the run reads each list whole (no early stop) and sends, for each record gone since, a RECORD with its `id` and `_sdc_deleted_at` (hard or soft delete in the target). `daily`: when the last sweep is 23 h old or more; `never`: no sweep, no `_sdc_deleted_at` column. See README "Deletes".',
    },
    ...PROGRESS_SETTINGS,
  },
  required: ["api_key"],
} as const satisfies SettingsSchema;

/** The config as validated by @singerkit/singer against SETTINGS (defaults applied), derived from it. */
export type TapConfig = ConfigOf<typeof SETTINGS>;

/**
 * The origin (plus any path prefix of a self-hosted install) that the table's `/api/v1/...` paths
 * are appended to. Secoda's docs say "append api/v1/ to your workspace URL", so users paste both
 * forms; `https://app.secoda.co/api/v1/` and `https://api.secoda.co` both work.
 */
export function apiRoot(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new ConfigError(`base_url ${JSON.stringify(baseUrl)} is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigError(`base_url must be an http(s) URL, got ${url.protocol}`);
  }
  if (url.search !== "" || url.hash !== "") {
    throw new ConfigError("base_url must not have a query string or fragment");
  }
  const path = url.pathname.replace(/\/+$/, "").replace(/\/api\/v1$/, "");
  return `${url.origin}${path}`;
}
