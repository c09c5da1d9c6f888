import { isJsonObject, type JsonObject, SourceError } from "@singerkit/singer";

/** One page of a list, as the engine sees it whatever the wire shape was. */
export interface Page {
  readonly rows: readonly JsonObject[];
  /** This page's number (1-based). */
  readonly page: number;
  /** The next page's number; undefined on the last page. */
  readonly nextPage: number | undefined;
  /** The last page's number as the server states it (`total_pages`), for reading ahead. */
  readonly lastPage?: number;
  /** Results over all pages as the server counts them (before any cap), when it says. */
  readonly count: number | undefined;
  /** When the response arrived; RECORDs of this page carry it as time_extracted. */
  readonly receivedAt: Date;
  /** The server's own JSON text of each row (same order), when the body was compact JSON. */
  readonly raw?: readonly string[];
}

/** What a request was for: names in errors, tags in metrics. */
export interface RequestLabel {
  readonly stream: string;
  /** Endpoint for metrics and errors: URL path only, with `{id}` for detail paths. */
  readonly endpoint: string;
}

/**
 * Reads a list response: the v1 wrapper (`results` + `links.next`), the DRF one (`results` +
 * top-level `next`) or a bare array (secoda-api.md §3.1). A 200 without a `results` list is a
 * retryable error (PostHog's client treats it as transient too).
 */
export function readList(body: unknown, page: number, receivedAt: Date, label: RequestLabel): Page {
  if (Array.isArray(body)) {
    return {
      rows: objectRows(body, label),
      page,
      nextPage: undefined,
      count: body.length,
      receivedAt,
    };
  }
  if (!isJsonObject(body) || !Array.isArray(body.results)) {
    throw new SourceError(
      `Secoda answered ${label.endpoint} with 200 but no "results" list`,
      { status: 200, endpoint: label.endpoint, retryable: true },
      { stream: label.stream },
    );
  }
  const meta = isJsonObject(body.meta) ? body.meta : {};
  const count = typeof body.count === "number" ? body.count : meta.count;
  const total = typeof body.total_pages === "number" ? body.total_pages : meta.total_pages;
  return {
    rows: objectRows(body.results, label),
    page,
    nextPage: nextPageOf(body, meta, page, label),
    ...(typeof total === "number" && Number.isInteger(total) ? { lastPage: total } : {}),
    count: typeof count === "number" ? count : undefined,
    receivedAt,
  };
}

function objectRows(rows: unknown[], label: RequestLabel): JsonObject[] {
  for (const row of rows) {
    if (!isJsonObject(row)) {
      throw new SourceError(
        `Secoda returned a list item that is not an object from ${label.endpoint}`,
        { endpoint: label.endpoint, retryable: false },
        { stream: label.stream },
      );
    }
  }
  return rows as JsonObject[]; // every item checked just above
}

/**
 * The next page's number, from `links.next`, a top-level `next` or `meta.next_page`. We take
 * only the page number from the link and rebuild the URL on our own base: the API key is never
 * sent to another host, and the docs' sample links point at a different path (§3.1).
 */
function nextPageOf(
  body: JsonObject,
  meta: JsonObject,
  page: number,
  label: RequestLabel,
): number | undefined {
  const links = isJsonObject(body.links) ? body.links : {};
  const link = links.next ?? body.next;
  let next: number | undefined;
  if (typeof link === "string" && link !== "" && link !== "None") {
    const raw = new URL(link, "http://localhost").searchParams.get("page");
    next = raw === null ? Number.NaN : Number(raw);
    if (!Number.isInteger(next)) {
      throw new SourceError(
        `Secoda's next link for ${label.endpoint} has no page number`,
        { endpoint: label.endpoint, retryable: false },
        { stream: label.stream },
      );
    }
  } else if (typeof meta.next_page === "number") {
    next = meta.next_page;
  }
  if (next === undefined) return undefined;
  if (next <= page) {
    throw new SourceError(
      `Secoda's next link for ${label.endpoint} goes back from page ${page} to ${next}`,
      { endpoint: label.endpoint, retryable: false },
      { stream: label.stream },
    );
  }
  return next;
}

/** `Retry-After` in ms: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined if absent. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The error for a non-2xx status: retryable for 429 and 5xx, with guidance for 401/403/404. */
export function statusError(
  status: number,
  label: RequestLabel,
  retryAfter: number | undefined,
): SourceError {
  const where = label.endpoint;
  const details = {
    status,
    endpoint: where,
    retryable: status === 429 || status >= 500 || status === 408,
    ...(retryAfter === undefined ? {} : { retryAfter: retryAfter / 1000 }),
  };
  const context = { stream: label.stream };
  switch (status) {
    case 401:
      return new SourceError(
        `Secoda rejected the API key (401 Unauthorized on ${where}): check api_key, and that base_url is your workspace's region (US https://api.secoda.co, EU https://eapi.secoda.co, APAC https://aapi.secoda.co)`,
        details,
        context,
      );
    case 403:
      return new SourceError(
        `Secoda returned 403 Forbidden for ${where}: this API key may not read it (a key has its creator's role; audit logs need an admin's key)`,
        details,
        context,
      );
    case 404:
      return new SourceError(`Secoda returned 404 Not Found for ${where}`, details, context);
    case 429:
      return new SourceError(`Secoda rate-limited ${where} (429)`, details, context);
    default:
      return new SourceError(`Secoda returned HTTP ${status} for ${where}`, details, context);
  }
}

/** A 2xx body read by `read`; a malformed one is a retryable SourceError, not a throw. */
export function parsed<T>(
  exchange: { bytes: Buffer; receivedAt: Date },
  label: RequestLabel,
  read: (body: unknown, receivedAt: Date, text: string) => T,
): { value: T } | { error: SourceError } {
  try {
    const text = exchange.bytes.toString("utf8");
    return { value: read(parseBody(text, label), exchange.receivedAt, text) };
  } catch (error) {
    if (error instanceof SourceError) return { error };
    throw error;
  }
}

function parseBody(text: string, label: RequestLabel): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new SourceError(
      `Secoda sent a truncated or invalid JSON body for ${label.endpoint} (${text.length} characters)`,
      { status: 200, endpoint: label.endpoint, retryable: true },
      { stream: label.stream, cause },
    );
  }
}

/** Network failures (reset, refused, timeout, body cut off) are retryable SourceErrors. */
export function asSourceError(error: unknown, label: RequestLabel, timeoutMs: number): SourceError {
  if (error instanceof SourceError) return error;
  const name = error instanceof Error ? error.name : "";
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  // node:http errors carry `code` themselves (ECONNRESET); undici's carry it on their cause.
  const code =
    (error as NodeJS.ErrnoException).code ?? (cause as NodeJS.ErrnoException | undefined)?.code;
  const why =
    name === "TimeoutError"
      ? `no complete response within ${timeoutMs / 1000} s`
      : `${error instanceof Error ? error.message : String(error)}${code === undefined ? "" : ` (${code})`}`;
  return new SourceError(
    `request to ${label.endpoint} failed: ${why}`,
    { endpoint: label.endpoint, retryable: true },
    { stream: label.stream, cause: error },
  );
}

export function giveUp(error: SourceError, label: RequestLabel, attempts: number): SourceError {
  return new SourceError(
    `${error.message}; gave up after ${attempts} attempts`,
    {
      endpoint: label.endpoint,
      retryable: false,
      ...(error.status === undefined ? {} : { status: error.status }),
    },
    { stream: label.stream, cause: error },
  );
}
