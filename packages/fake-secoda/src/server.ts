import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { handleAdmin } from "./admin.js";
import { Dataset, type Mutation, type MutationResult } from "./dataset.js";
import type { FaultPlan } from "./fault-plan.js";
import { FaultInjector } from "./faults.js";
import { handleApi } from "./handler.js";
import { formatMicros, parseMicros } from "./ids.js";
import type { JsonObject } from "./json.js";
import { QueryEngine } from "./query.js";
import { type RecordedRequest, type RequestCounters, RequestLog } from "./request-log.js";

export interface FakeSecodaOptions {
  /** TCP port; 0 (default) picks a free one. */
  readonly port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Same seed and scale, same data (default 1). */
  readonly seed?: number;
  /** Number of catalog resources, >= 100 (default 1000); other kinds scale with it. */
  readonly scale?: number;
  /** The non-admin API key (default "test-key"): audit logs answer 403. */
  readonly apiKey?: string;
  /** The admin API key (default "admin-key"): every endpoint. */
  readonly adminKey?: string;
  /** Default `page_size` (default 50, inferred in secoda-api.md §3.2). */
  readonly pageSize?: number;
  /** Largest honoured `page_size`; larger values are clamped (default 1000). */
  readonly maxPageSize?: number;
  /** The fake clock at start (default 2026-03-01T12:00:00.000000Z). */
  readonly startTime?: string;
  /** Faults from the first request on (default none). */
  readonly faults?: FaultPlan;
  /** When set, /__admin requires `X-Admin-Token: <controlToken>`. */
  readonly controlToken?: string;
  /** How many recent requests `requests` keeps in full (default 10,000; counters keep all). */
  readonly requestLogLimit?: number;
  /** Called after every API request (the CLI logs with it). */
  readonly onRequest?: (request: RecordedRequest) => void;
  /**
   * Serve what Secoda's docs show rather than the tidy default (README "Real-API mode"): the
   * catalog's `count` saturated at its 10,000 cap and its `sort` ignored (default order),
   * `links.next` on the docs' wrong path
   * (`/resource/all/?page=N`), `"None"` strings in `links.previous` and `meta.previous_page`.
   */
  readonly realApi?: boolean;
}

export interface FakeSecoda {
  /** `http://127.0.0.1:<port>`; `links.next` URLs use the request's Host header. */
  readonly url: string;
  readonly port: number;
  /** The most recent API requests (admin requests are not recorded). */
  readonly requests: readonly RecordedRequest[];
  counters(): RequestCounters;
  resetRequests(): void;
  /** The fake clock, ISO-8601 with microseconds. */
  now(): string;
  /** Moves the fake clock forward; returns the new time. */
  advanceClock(seconds: number): string;
  /** Updates, adds or deletes records deterministically (see README "Change over time"). */
  mutate(mutation: Mutation): MutationResult;
  /** Replaces the fault plan and resets fault counters; `{}` turns faults off. */
  setFaults(plan: FaultPlan): void;
  faults(): FaultPlan;
  /** Seed, scale, clock, counts per kind and well-known ids. */
  info(): JsonObject;
  close(): Promise<void>;
}

export const DEFAULT_START_TIME = "2026-03-01T12:00:00.000000Z";

function startMicros(text: string): number {
  const micros = parseMicros(text);
  if (micros === undefined) throw new RangeError(`startTime is not an ISO-8601 timestamp: ${text}`);
  return micros;
}

/** Starts the fake on loopback. Used by tests, the README demo and the benchmarks. */
export async function startFakeSecoda(options: FakeSecodaOptions = {}): Promise<FakeSecoda> {
  const seed = options.seed ?? 1;
  const dataset = new Dataset({
    seed,
    scale: options.scale ?? 1000,
    startMicros: startMicros(options.startTime ?? DEFAULT_START_TIME),
  });
  const log = new RequestLog(options.requestLogLimit ?? 10_000);
  let injector = new FaultInjector(options.faults ?? {}, seed);
  const setFaults = (plan: FaultPlan) => {
    injector = new FaultInjector(plan, seed);
  };
  const closing = new AbortController();
  const api = {
    dataset,
    queries: new QueryEngine(dataset),
    pageSizes: { defaultSize: options.pageSize ?? 50, maxSize: options.maxPageSize ?? 1000 },
    realApi: options.realApi ?? false,
    keys: { apiKey: options.apiKey ?? "test-key", adminKey: options.adminKey ?? "admin-key" },
    log,
    faults: () => injector,
    signal: closing.signal,
    ...(options.onRequest === undefined ? {} : { onRequest: options.onRequest }),
  };
  const admin = {
    dataset,
    log,
    controlToken: options.controlToken,
    faultPlan: () => injector.plan,
    setFaults,
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const isAdmin = (req.url ?? "").startsWith("/__admin");
    try {
      await (isAdmin ? handleAdmin(req, res, admin) : handleApi(req, res, api));
    } catch (error) {
      if (res.headersSent) res.destroy();
      else
        res
          .writeHead(500, { "Content-Type": "application/json" })
          .end(JSON.stringify({ detail: String(error) }));
    }
  };
  const server = createServer((req, res) => void handle(req, res)); // handle() never rejects
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo; // a TCP listen() always yields AddressInfo
  const host = options.host ?? "127.0.0.1";
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    get requests() {
      return log.entries;
    },
    counters: () => log.counters(),
    resetRequests: () => log.reset(),
    now: () => formatMicros(dataset.now()),
    advanceClock: (seconds) => {
      dataset.advanceClock(seconds);
      return formatMicros(dataset.now());
    },
    mutate: (mutation) => dataset.mutate(mutation),
    setFaults,
    faults: () => injector.plan,
    info: () => dataset.info(),
    close: () => {
      closing.abort();
      const closed = new Promise<void>((resolve, reject) =>
        server.close((error) => (error === undefined ? resolve() : reject(error))),
      );
      server.closeAllConnections();
      return closed;
    },
  };
}
