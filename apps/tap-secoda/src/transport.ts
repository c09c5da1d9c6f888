import http from "node:http";
import https from "node:https";
import { promisify } from "node:util";
import zlib from "node:zlib";

/** One HTTP response as the client needs it. */
export interface HttpResponse {
  readonly status: number;
  /** A response header (case-insensitive name), or null. */
  header(name: string): string | null;
  /** The whole body, decompressed (not decoded: the caller does that after freeing its request
   * slot). Rejects if it was cut off. */
  bytes(): Promise<Buffer>;
  /** Throws the body away (error answers), freeing the connection. */
  discard(): void;
}

export interface HttpRequest {
  readonly headers: { readonly [name: string]: string };
  /** Aborts the exchange (run interrupted, prefetch abandoned). */
  readonly signal: AbortSignal;
  /** Headers and body must both arrive within this many ms. */
  readonly timeoutMs: number;
}

/** GETs a URL. The client owns retries; a transport only moves bytes. */
export type Transport = (url: string, request: HttpRequest) => Promise<HttpResponse>;

/** The subset of `fetch` a transport can be built on (tests inject their own). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

const decoders: { readonly [encoding: string]: (body: Buffer) => Promise<Buffer> } = {
  gzip: promisify(zlib.gunzip),
  "x-gzip": promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress),
};

/** The `TimeoutError` fetch would throw, so errors read the same whatever the transport. */
function timeoutError(ms: number): Error {
  return new DOMException(`no complete response within ${ms} ms`, "TimeoutError");
}

/**
 * node:http(s) with keep-alive and gzip/deflate/br. Chosen over the global fetch for the data path:
 * undici's fetch spends about twice the CPU per request (web streams, TextDecoder, AbortSignal.any),
 * which shows in records/s (decisions-tap.md "node:http transport").
 */
export function nodeTransport(maxSockets: number): Transport {
  const options = { keepAlive: true, maxSockets: Math.max(1, maxSockets) };
  const agents = { http: new http.Agent(options), https: new https.Agent(options) };
  const once = (url: string, request: HttpRequest) => exchange(agents, url, request);
  // A kept-alive socket the server closed while it sat idle fails the next request before any
  // answer ("socket hang up"). Node's docs advise retrying that at once (`req.reusedSocket`); it
  // is no server failure, so it does not spend the client's retries or back off.
  return (url, request) =>
    once(url, request).catch((error: unknown) =>
      error instanceof StaleSocketError ? once(url, request) : Promise.reject(error),
    );
}

/** A request lost on a reused keep-alive socket before any response. */
class StaleSocketError extends Error {}

function exchange(
  agents: { readonly http: http.Agent; readonly https: https.Agent },
  url: string,
  request: HttpRequest,
): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    const target = new URL(url);
    const secure = target.protocol === "https:";
    const req = (secure ? https : http).get(target, {
      agent: secure ? agents.https : agents.http,
      headers: { ...request.headers, "accept-encoding": "gzip, deflate, br" },
    });
    // Why the exchange was cut short by us (timeout, abort), to report that and not "closed".
    let stopped: unknown;
    const stop = (reason: unknown) => {
      stopped = reason;
      req.destroy(reason instanceof Error ? reason : new Error(String(reason)));
    };
    const timer = setTimeout(() => stop(timeoutError(request.timeoutMs)), request.timeoutMs);
    const onAbort = () => stop(request.signal.reason);
    const cleanup = () => {
      clearTimeout(timer);
      request.signal.removeEventListener("abort", onAbort);
    };
    if (request.signal.aborted) onAbort();
    else request.signal.addEventListener("abort", onAbort, { once: true });
    let answered = false;
    req.on("error", (error: NodeJS.ErrnoException) => {
      cleanup();
      const stale =
        !answered && stopped === undefined && req.reusedSocket && error.code === "ECONNRESET";
      // Rejecting is a no-op once the response has resolved; the body read sees the error.
      reject(stale ? new StaleSocketError(error.message, { cause: error }) : error);
    });
    req.on("response", (res) => {
      answered = true;
      resolve({
        status: res.statusCode ?? 0,
        header: (name) => {
          const value = res.headers[name.toLowerCase()];
          return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
        },
        bytes: async () => {
          try {
            // Listeners, not `for await`: the async iterator costs more than the copy.
            const body = await new Promise<Buffer>((done, fail) => {
              const chunks: Buffer[] = [];
              res.on("data", (chunk: Buffer) => chunks.push(chunk));
              res.on("error", (error) => fail(stopped ?? error));
              res.on("close", () => {
                if (res.complete) done(Buffer.concat(chunks));
                else
                  fail(stopped ?? new Error("the connection closed before the body was complete"));
              });
            });
            const decode = decoders[String(res.headers["content-encoding"] ?? "").toLowerCase()];
            return decode === undefined ? body : await decode(body);
          } finally {
            cleanup();
          }
        },
        discard: () => {
          cleanup();
          res.resume();
        },
      });
    });
  });
}

/** A transport over `fetch` (undici): what the unit tests inject, with their own fetch. */
export function fetchTransport(fetchLike: FetchLike): Transport {
  return async (url, request) => {
    const response = await fetchLike(url, {
      headers: request.headers,
      signal: AbortSignal.any([request.signal, AbortSignal.timeout(request.timeoutMs)]),
    });
    return {
      status: response.status,
      header: (name) => response.headers.get(name),
      bytes: async () => Buffer.from(await response.arrayBuffer()),
      discard: () => {
        response.body?.cancel().catch(() => undefined);
      },
    };
  };
}
