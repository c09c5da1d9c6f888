/** One API request end to end: faults → route → auth → endpoint → bytes on the wire. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import { detailReply, type EndpointContext, listReply, type Reply } from "./endpoints.js";
import type { FaultInjector, FaultOutcome } from "./faults.js";
import { QueryError } from "./filter.js";
import { isJsonObject, type JsonValue } from "./json.js";
import type { RecordedRequest, RequestLog } from "./request-log.js";
import { matchRoute } from "./routes.js";

export interface ApiKeys {
  /** A non-admin key: every endpoint except the admin-only audit logs (403). */
  readonly apiKey: string;
  /** An admin key: everything. */
  readonly adminKey: string;
}

export interface HandlerContext extends EndpointContext {
  readonly keys: ApiKeys;
  readonly log: RequestLog;
  readonly faults: () => FaultInjector;
  /** Aborted when the server closes, to cut injected delays short. */
  readonly signal: AbortSignal;
  readonly onRequest?: (request: RecordedRequest) => void;
}

// Django's own 404 page for unrouted paths (HTML, not JSON), and upstream-style 5xx pages.
const HTML_NOT_FOUND =
  '<!doctype html>\n<html lang="en">\n<head>\n  <title>Not Found</title>\n</head>\n<body>\n  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n</body>\n</html>\n';
const ERROR_PAGES: Readonly<Record<number, string>> = {
  500: "<h1>Server Error (500)</h1>",
  502: "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>",
  503: "<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>",
};

/** `Authorization: Bearer <key>` → role, or the 401 reply (secoda-api.md §1, §3.4). */
function authenticate(header: string | undefined, keys: ApiKeys): "admin" | "user" | Reply {
  const challenge = { "WWW-Authenticate": 'Bearer realm="api"' };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (match === null) {
    const detail = "Authentication credentials were not provided.";
    return { status: 401, json: { detail }, headers: challenge };
  }
  if (match[1] === keys.adminKey) return "admin";
  if (match[1] === keys.apiKey) return "user";
  return { status: 401, json: { detail: "Invalid token." }, headers: challenge };
}

function routeReply(req: IncomingMessage, url: URL, ctx: HandlerContext): Reply {
  const match = matchRoute(url.pathname);
  if (match === undefined) return { status: 404, html: HTML_NOT_FOUND };
  if (match.route.type === "health") return { status: 200, json: { status: "OK" } };
  const role = authenticate(req.headers.authorization, ctx.keys);
  if (typeof role !== "string") return role;
  if (req.method !== "GET" && req.method !== "HEAD") {
    return { status: 405, json: { detail: `Method "${req.method}" not allowed.` } };
  }
  if ("id" in match) return detailReply(match.route, match.id, ctx);
  if (match.route.access === "admin" && role !== "admin") {
    return { status: 403, json: { detail: "You do not have permission to perform this action." } };
  }
  try {
    return listReply(match.route, url, ctx);
  } catch (error) {
    if (error instanceof QueryError) return { status: 400, json: { detail: error.message } };
    throw error;
  }
}

function faultReply(outcome: FaultOutcome): Reply | undefined {
  if (outcome.type === "error")
    return { status: outcome.status, html: ERROR_PAGES[outcome.status] ?? "" };
  if (outcome.type !== "rate-limited") return undefined;
  const seconds = outcome.retryAfterSeconds;
  if (seconds === undefined) return { status: 429, json: { detail: "Request was throttled." } };
  const detail = `Request was throttled. Expected available in ${seconds} seconds.`;
  return { status: 429, json: { detail }, headers: { "Retry-After": String(seconds) } };
}

/** A 200 body without `results`: the wrapper's other keys stay (secoda-api.md §3.4, PostHog). */
function withoutResults(json: JsonValue): JsonValue {
  if (!isJsonObject(json)) return {};
  const { results: _dropped, ...rest } = json;
  return rest;
}

/** Writes the reply, applying a body fault to 200 answers. Returns the fault actually applied. */
function send(res: ServerResponse, reply: Reply, outcome: FaultOutcome): string | null {
  const bodyFault =
    reply.status === 200 && ["reset", "truncate", "missing-results"].includes(outcome.type);
  const text =
    "html" in reply
      ? reply.html
      : JSON.stringify(
          bodyFault && outcome.type === "missing-results" ? withoutResults(reply.json) : reply.json,
        );
  let body = Buffer.from(text, "utf8");
  const type = "html" in reply ? "text/html; charset=utf-8" : "application/json";
  if (bodyFault && outcome.type === "truncate") {
    body = body.subarray(
      0,
      Math.max(1, Math.min(body.length - 1, Math.floor(body.length * outcome.fraction))),
    );
  }
  res.writeHead(reply.status, {
    "Content-Type": type,
    "Content-Length": body.length,
    ...reply.headers,
  });
  if (bodyFault && outcome.type === "reset") {
    // Content-Length promises the whole body; we send part of it, then drop the connection.
    res.write(body.subarray(0, Math.floor(body.length * outcome.fraction)), () => res.destroy());
    return "reset";
  }
  res.end(body);
  if (outcome.type === "rate-limited" || outcome.type === "error") return outcome.type;
  return bodyFault ? outcome.type : null;
}

export async function handleApi(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: HandlerContext,
): Promise<void> {
  const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
  const decision = ctx.faults().decide(url.pathname);
  if (decision.delayMs > 0) {
    try {
      await delay(decision.delayMs, undefined, { signal: ctx.signal });
    } catch {
      return; // the server is closing; its sockets are being destroyed
    }
  }
  const reply = faultReply(decision.outcome) ?? routeReply(req, url, ctx);
  const fault = send(res, reply, decision.outcome);
  const entry = ctx.log.record({
    method: req.method ?? "GET",
    path: url.pathname,
    query: url.search.replace(/^\?/, ""),
    status: reply.status,
    fault,
    delayMs: decision.delayMs,
  });
  ctx.onRequest?.(entry);
}
