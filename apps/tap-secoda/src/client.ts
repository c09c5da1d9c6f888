import {
  type Clock,
  isJsonObject,
  type JsonObject,
  type Logger,
  MetricCounter,
  SourceError,
  systemClock,
} from "@singerkit/singer";
import { Semaphore } from "./limit.js";
import { ListCursor } from "./list-cursor.js";
import { Pacer } from "./pacer.js";
import { listItemTexts } from "./raw-json.js";
import {
  asSourceError,
  giveUp,
  type Page,
  parsed,
  type RequestLabel,
  readList,
  retryAfterMs,
  statusError,
} from "./responses.js";
import { type FetchLike, fetchTransport, nodeTransport, type Transport } from "./transport.js";

export { ListCursor } from "./list-cursor.js";
export type { Page } from "./responses.js";
export type { FetchLike } from "./transport.js";

export interface ClientOptions {
  /** API root from config.apiRoot(base_url); table paths (`/api/v1/…`) are appended to it. */
  readonly root: string;
  readonly apiKey: string;
  readonly userAgent: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  readonly pageSize?: number;
  /** Requests in flight at once, over the whole run. */
  readonly maxConcurrency: number;
  readonly requestsPerMinute?: number;
  readonly log: Logger;
  /** The run's signal: aborting it stops waits and in-flight requests. */
  readonly signal: AbortSignal;
  /** Default: node:http(s) with keep-alive (transport.ts). */
  readonly transport?: Transport;
  /** Tests: a fetch to build the transport on (wins over `transport`). */
  readonly fetch?: FetchLike;
  readonly clock?: Clock;
  /** Uniform [0, 1) for backoff jitter. */
  readonly random?: () => number;
}

/** A list request for one stream or one partition of it. */
export interface ListQuery {
  readonly stream: string;
  readonly path: string;
  readonly list: "paged" | "array";
  /** Query parameters besides `page`/`page_size` (filter and sort already JSON-encoded). */
  readonly params: { readonly [name: string]: string };
}

/**
 * The only code that talks HTTP: auth, timeouts, retries with backoff, 429 pacing, paging and
 * request metrics. Errors are SourceErrors naming the stream and the URL path (never the query
 * string, never the key).
 */
export class SecodaClient {
  readonly #options: ClientOptions;
  readonly #transport: Transport;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #pacer: Pacer;
  readonly #slots: Semaphore;
  readonly #requests: MetricCounter;

  constructor(options: ClientOptions) {
    this.#options = options;
    this.#transport =
      options.fetch === undefined
        ? (options.transport ?? nodeTransport(options.maxConcurrency))
        : fetchTransport(options.fetch);
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#pacer = new Pacer(this.#clock, options.requestsPerMinute);
    this.#slots = new Semaphore(options.maxConcurrency);
    this.#requests = new MetricCounter(options.log, "http_request_count", {
      now: () => this.#clock.now(),
    });
  }

  /** Pages of a list from `startPage`, one request ahead when asked to prefetch. */
  list(query: ListQuery, startPage = 1): ListCursor {
    return new ListCursor((page, signal) => this.fetchPage(query, page, signal), startPage);
  }

  /** One page of a list. */
  async fetchPage(query: ListQuery, page: number, signal?: AbortSignal): Promise<Page> {
    const params = new URLSearchParams(query.params);
    if (query.list === "paged") {
      params.set("page", String(page));
      if (this.#options.pageSize !== undefined)
        params.set("page_size", String(this.#options.pageSize));
    }
    const label = { stream: query.stream, endpoint: query.path };
    try {
      return await this.#retrying(
        label,
        `${query.path}?${params}`,
        signal,
        (body, receivedAt, text) => {
          const result = readList(body, page, receivedAt, label);
          const raw = listItemTexts(text);
          return {
            ...result,
            ...(query.list === "array" ? { nextPage: undefined } : {}),
            ...(raw?.length === result.rows.length ? { raw } : {}),
          };
        },
      );
    } catch (error) {
      // DRF answers 404 "Invalid page" past the last page: a resumed cursor whose list shrank.
      if (!(error instanceof SourceError) || error.status !== 404 || page === 1) throw error;
      this.#options.log.warn(
        `stream ${query.stream}: page ${page} of ${query.path} no longer exists (404); the list ends there`,
      );
      const receivedAt = new Date(this.#clock.now());
      return { rows: [], page, nextPage: undefined, count: undefined, receivedAt };
    }
  }

  /** A detail object (`{id}` in `template` replaced), or undefined when Secoda says 404. */
  async detail(stream: string, template: string, id: string): Promise<JsonObject | undefined> {
    const label = { stream, endpoint: template };
    const path = template.replace("{id}", encodeURIComponent(id));
    try {
      return await this.#retrying(label, path, undefined, (body) => {
        if (isJsonObject(body)) return body;
        throw new SourceError(
          `Secoda answered ${template} with 200 but not an object`,
          { status: 200, endpoint: template, retryable: true },
          { stream },
        );
      });
    } catch (error) {
      if (error instanceof SourceError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Logs the request counters (also done every 60 s while counting). */
  flushMetrics(): void {
    this.#requests.flush();
  }

  /**
   * GETs `pathAndQuery` until `read` accepts the body or the failure is final. 429s have their
   * own budget (pacing makes them rare); everything else retryable gets max_retries.
   */
  async #retrying<T>(
    label: RequestLabel,
    pathAndQuery: string,
    signal: AbortSignal | undefined,
    read: (body: unknown, receivedAt: Date, text: string) => T,
  ): Promise<T> {
    const { maxRetries, log } = this.#options;
    const rateLimitBudget = Math.max(10, maxRetries * 3);
    let failures = 0;
    let rateLimits = 0;
    for (;;) {
      const stop = this.#stopSignal(signal);
      let outcome: { value: T } | { error: SourceError };
      try {
        // The slot covers the HTTP exchange only: parsing happens outside it, so with
        // max_concurrency 1 a queued read-ahead request goes out as soon as a body is in.
        const exchange = await this.#slots.use(async () => {
          await this.#pacer.wait(stop);
          return this.#exchange(label, pathAndQuery, stop);
        });
        // Parse in a later macrotask: a request queued for the slot just freed goes out first
        // (its dispatch is a chain of microtasks and ticks), so the server works on the next
        // page while we parse this one instead of after.
        if (!("error" in exchange)) await new Promise<void>((resolve) => setImmediate(resolve));
        outcome = "error" in exchange ? exchange : parsed(exchange, label, read);
      } catch (error) {
        throw stop.aborted ? stop.reason : error; // an interrupt, not a Secoda failure
      }
      if ("value" in outcome) {
        this.#pacer.onSuccess();
        return outcome.value;
      }
      const error = outcome.error;
      if (!error.retryable) throw error;
      let delay: number;
      if (error.status === 429) {
        rateLimits += 1;
        const wait = error.retryAfter === undefined ? undefined : error.retryAfter * 1000;
        this.#pacer.onRateLimited(wait);
        if (rateLimits > rateLimitBudget) throw giveUp(error, label, failures + rateLimits);
        delay = wait ?? this.#backoff(rateLimits);
      } else {
        failures += 1;
        if (failures > maxRetries) throw giveUp(error, label, failures + rateLimits);
        delay = this.#backoff(failures);
      }
      log.warn(
        `stream ${label.stream}: ${error.message}; retry in ${(delay / 1000).toFixed(1)} s (${failures + rateLimits} so far)`,
      );
      await this.#clock.sleep(delay, stop);
    }
  }

  /** One HTTP exchange; never throws for Secoda's failures, only for interrupts. */
  async #exchange(
    label: RequestLabel,
    pathAndQuery: string,
    stop: AbortSignal,
  ): Promise<{ bytes: Buffer; receivedAt: Date } | { error: SourceError }> {
    const started = this.#clock.now();
    let status = 0;
    let result: { bytes: Buffer; receivedAt: Date } | { error: SourceError };
    try {
      const response = await this.#transport(`${this.#options.root}${pathAndQuery}`, {
        headers: {
          authorization: `Bearer ${this.#options.apiKey}`,
          accept: "application/json",
          "user-agent": this.#options.userAgent,
        },
        signal: stop,
        timeoutMs: this.#options.timeoutMs,
      });
      status = response.status;
      if (status < 200 || status > 299) {
        response.discard();
        const after = retryAfterMs(response.header("retry-after"), this.#clock.now());
        result = { error: statusError(status, label, after) };
      } else {
        result = { bytes: await response.bytes(), receivedAt: new Date(this.#clock.now()) };
      }
    } catch (error) {
      if (stop.aborted) throw stop.reason;
      result = { error: asSourceError(error, label, this.#options.timeoutMs) };
    }
    this.#measure(label, status, started, "bytes" in result);
    return result;
  }

  #measure(label: RequestLabel, status: number, started: number, ok: boolean): void {
    const tags = { endpoint: label.endpoint, stream: label.stream };
    this.#options.log.metric({
      type: "timer",
      metric: "http_request_duration",
      value: (this.#clock.now() - started) / 1000,
      tags: { ...tags, http_status_code: status, status: ok ? "succeeded" : "failed" },
    });
    this.#requests.increment(tags);
  }

  #backoff(attempt: number): number {
    const { backoffInitialMs, backoffMaxMs } = this.#options;
    const ceiling = Math.min(backoffMaxMs, backoffInitialMs * 2 ** (attempt - 1));
    return ceiling * (0.5 + this.#random() / 2); // jitter: spread retries of parallel streams
  }

  #stopSignal(extra: AbortSignal | undefined): AbortSignal {
    return extra === undefined
      ? this.#options.signal
      : AbortSignal.any([this.#options.signal, extra]);
  }
}
