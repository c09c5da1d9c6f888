/**
 * The control API under /__admin (never faulted, never recorded, no Secoda auth). When a control
 * token is configured, requests must send `X-Admin-Token: <token>`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type Dataset, type Mutation, MutationError } from "./dataset.js";
import { type FaultPlan, FaultPlanError, parseFaultPlan } from "./fault-plan.js";
import { isJsonObject, type JsonObject, type JsonValue } from "./json.js";
import { isKind } from "./kinds.js";
import type { RequestLog } from "./request-log.js";

export interface AdminContext {
  readonly dataset: Dataset;
  readonly log: RequestLog;
  readonly controlToken: string | undefined;
  faultPlan(): FaultPlan;
  setFaults(plan: FaultPlan): void;
}

/** A bad admin request (400). */
class AdminError extends Error {}

export const ADMIN_ENDPOINTS = [
  "GET    /__admin                 this list",
  "GET    /__admin/info            seed, scale, clock, counts per kind, well-known ids",
  "GET    /__admin/clock           {now}",
  'POST   /__admin/clock           {"advanceSeconds": n} → {now}',
  'POST   /__admin/mutations       {"op": "update"|"delete", "kind", "count"|"share"} | {"op", "ids"} | {"op": "add", "kind", "count"}',
  "GET    /__admin/faults          the current fault plan",
  "PUT    /__admin/faults          replace the fault plan (resets fault counters)",
  "DELETE /__admin/faults          no faults",
  "GET    /__admin/requests        {counters, requests}",
  "DELETE /__admin/requests        reset the request log and counters",
];

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > 1_000_000) throw new AdminError("body larger than 1 MB");
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return text === "" ? {} : JSON.parse(text);
  } catch {
    throw new AdminError("body is not valid JSON");
  }
}

const count = (value: unknown): value is number => Number.isInteger(value) && Number(value) >= 0;

/** Validates a mutation from JSON. */
export function parseMutation(value: unknown): Mutation {
  if (!isJsonObject(value)) throw new AdminError("a mutation must be a JSON object");
  const { op, kind, ids, share } = value;
  if (op !== "update" && op !== "delete" && op !== "add")
    throw new AdminError('op must be "update", "delete" or "add"');
  if (op !== "add" && Array.isArray(ids)) {
    if (!ids.every((id) => typeof id === "string")) throw new AdminError("ids must be strings");
    return { op, ids: ids as string[] }; // checked element by element above
  }
  if (typeof kind !== "string" || !(isKind(kind) || (kind === "catalog" && op !== "add"))) {
    throw new AdminError(`unknown kind ${JSON.stringify(kind)}`);
  }
  if (op === "add" || value.count !== undefined) {
    if (!count(value.count)) throw new AdminError("count must be a non-negative integer");
    if (op === "add")
      return { op, kind: kind as Exclude<typeof kind, "catalog">, count: value.count };
    return { op, kind, count: value.count };
  }
  if (typeof share !== "number" || share < 0 || share > 1)
    throw new AdminError("give count, share (0..1) or ids");
  return { op, kind, share };
}

function reply(res: ServerResponse, status: number, body: JsonValue): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

async function dispatch(
  req: IncomingMessage,
  path: string,
  ctx: AdminContext,
): Promise<JsonValue | undefined> {
  const route = `${req.method ?? "GET"} ${path.replace(/\/$/, "")}`;
  const { dataset, log } = ctx;
  switch (route) {
    case "GET /__admin":
      return { endpoints: ADMIN_ENDPOINTS };
    case "GET /__admin/info":
      return dataset.info();
    case "GET /__admin/clock":
      return { now: dataset.info().now ?? null };
    case "POST /__admin/clock": {
      const body = await readJson(req);
      const seconds = isJsonObject(body) ? body.advanceSeconds : undefined;
      if (typeof seconds !== "number") throw new AdminError("advanceSeconds must be a number");
      dataset.advanceClock(seconds);
      return { now: dataset.info().now ?? null };
    }
    case "POST /__admin/mutations": {
      const result = dataset.mutate(parseMutation(await readJson(req)));
      return { op: result.op, ids: [...result.ids], now: result.now };
    }
    case "GET /__admin/faults":
      return { ...ctx.faultPlan() } as JsonObject; // a FaultPlan is plain JSON data
    case "PUT /__admin/faults":
      ctx.setFaults(parseFaultPlan(await readJson(req)));
      return { ...ctx.faultPlan() } as JsonObject;
    case "DELETE /__admin/faults":
      ctx.setFaults({});
      return {};
    case "GET /__admin/requests":
      return {
        counters: { ...log.counters() },
        requests: log.entries.map((entry) => ({ ...entry })),
      };
    case "DELETE /__admin/requests":
      log.reset();
      return {};
    default:
      return undefined;
  }
}

export async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: AdminContext,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  if (ctx.controlToken !== undefined && req.headers["x-admin-token"] !== ctx.controlToken) {
    reply(res, 401, { detail: "missing or wrong X-Admin-Token" });
    return;
  }
  try {
    const body = await dispatch(req, url.pathname, ctx);
    if (body === undefined)
      reply(res, 404, { detail: "unknown admin endpoint", endpoints: ADMIN_ENDPOINTS });
    else reply(res, 200, body);
  } catch (error) {
    const known =
      error instanceof AdminError ||
      error instanceof MutationError ||
      error instanceof FaultPlanError;
    if (!known) throw error;
    reply(res, 400, { detail: error.message });
  }
}
