/** Answers for matched API routes: lists, details, health. Pure functions of the request. */
import type { Dataset } from "./dataset.js";
import { type FilterNode, parseFilter, parseSort, renameFields, type SortKey } from "./filter.js";
import { formatMicros } from "./ids.js";
import type { JsonObject, JsonValue } from "./json.js";
import { type PageSizes, parsePaging, totalPages, wrapPage } from "./paging.js";
import type { QueryEngine } from "./query.js";
import type { DetailRoute, ListRoute, ParamRule } from "./routes.js";

/** A response before faults and serialisation. */
export type Reply =
  | { readonly status: number; readonly json: JsonValue; readonly headers?: Record<string, string> }
  | { readonly status: number; readonly html: string; readonly headers?: Record<string, string> };

export interface EndpointContext {
  readonly dataset: Dataset;
  readonly queries: QueryEngine;
  readonly pageSizes: PageSizes;
  /** Serve the documented real-API variants (server.ts `realApi`). */
  readonly realApi: boolean;
}

// DRF's standard messages (error body format is not documented; secoda-api.md §3.4).
export const NOT_FOUND: Reply = { status: 404, json: { detail: "Not found." } };
const INVALID_PAGE: Reply = { status: 404, json: { detail: "Invalid page." } };
const DAY = 86_400_000_000;

const isTrue = (value: string | null) =>
  value !== null && ["true", "1"].includes(value.toLowerCase());

function paramNode(rule: ParamRule, params: URLSearchParams, now: number): FilterNode | undefined {
  const value = params.get(rule.param);
  switch (rule.match) {
    case "exact":
      return value === null ? undefined : { operator: "exact", field: rule.field, value };
    case "in-csv":
      return value === null
        ? undefined
        : { operator: "in", field: rule.field, value: value.split(",") };
    case "unless-true":
      return isTrue(value) ? undefined : { operator: "exact", field: rule.field, value: false };
    case "only-true":
      return isTrue(value) ? { operator: "exact", field: rule.field, value: true } : undefined;
    case "days": {
      const days = value !== null && /^\d+$/.test(value) ? Number(value) : rule.days;
      return { operator: "since", field: rule.field, value: formatMicros(now - days * DAY) };
    }
  }
}

/** Query parameters and the JSON `filter` combined into one node (undefined = no filter). */
function listFilter(
  route: ListRoute,
  params: URLSearchParams,
  now: number,
): FilterNode | undefined {
  const nodes = route.params.flatMap((rule) => paramNode(rule, params, now) ?? []);
  const text = params.get("filter");
  if (route.grammar !== undefined && text !== null && text !== "") {
    const aliases = route.grammar.aliases;
    nodes.push(renameFields(parseFilter(text), (field) => aliases[field] ?? field));
  }
  if (nodes.length === 0) return undefined;
  return nodes.length === 1 ? nodes[0] : { operator: "and", operands: nodes };
}

function listSort(route: ListRoute, params: URLSearchParams): readonly SortKey[] {
  const text = params.get("sort");
  if (route.grammar === undefined || text === null || text === "") return route.defaultSort;
  const aliases = route.grammar.aliases;
  return parseSort(text).map((key) => ({ ...key, field: aliases[key.field] ?? key.field }));
}

/** A list endpoint: filter, sort, cap, then one page in the route's shape. Throws QueryError. */
export function listReply(route: ListRoute, url: URL, ctx: EndpointContext): Reply {
  const params = url.searchParams;
  const query = {
    kinds: route.kinds,
    // Real-API mode: the catalog does not honour `sort` (only documented for audit logs, §8.9).
    sort: ctx.realApi && route.cap !== undefined ? route.defaultSort : listSort(route, params),
    ...optionalFilter(listFilter(route, params, ctx.dataset.now())),
    ...(route.cap === undefined ? {} : { cap: route.cap }),
  };
  const result = ctx.queries.run(query);
  if (route.shape === "array") {
    const rows = result.refs.map((ref) => variantOf(ctx.dataset.recordByRef(ref), ctx.realApi));
    return { status: 200, json: rows };
  }
  const window = parsePaging(params, ctx.pageSizes);
  if (window === undefined) return INVALID_PAGE;
  const pages = totalPages(result.refs.length, window.pageSize);
  if (window.page > pages) return INVALID_PAGE;
  const start = (window.page - 1) * window.pageSize;
  const results = result.refs
    .slice(start, start + window.pageSize)
    .map((ref) => variantOf(ctx.dataset.recordByRef(ref), ctx.realApi));
  // Real-API mode: the catalog says no more than its cap (the docs do not say what it reports).
  const saturated = ctx.realApi && route.cap !== undefined;
  const page = {
    results,
    count: saturated ? Math.min(result.count, route.cap ?? result.count) : result.count,
    page: window.page,
    totalPages: pages,
    requestUrl: url,
  };
  const variants = ctx.realApi ? REAL_API_PAGING : undefined;
  return { status: 200, json: wrapPage(route.shape, page, route.extra, variants) };
}

/**
 * Real-API mode: a record as the docs' examples show it rather than as the spec types it
 * (secoda-api.md §4): users' `pending` as `"False"` and `last_login` as `"None"`; lineage with
 * the older `from_entity`/`to_entity`; catalog rows (picked by their id's last hex digit) in the
 * slim list shape with `parent_id`, with `current_user_permissions` as an object, or with null
 * lists.
 */
export function variantOf(row: JsonObject, realApi: boolean): JsonObject {
  if (!realApi) return row;
  const out: JsonObject = { ...row };
  if ("pending" in row && "email" in row) {
    out.pending = row.pending === true ? "True" : "False";
    if (row.last_login === null) out.last_login = "None";
    return out;
  }
  if ("from_entity_id" in row && "to_entity_id" in row) {
    const { from_entity_id: from, to_entity_id: to, ...rest } = row;
    return { ...rest, from_entity: from ?? null, to_entity: to ?? null };
  }
  if (!("entity_type" in row) || typeof row.id !== "string") return row;
  const digit = Number.parseInt(row.id.slice(-1), 16);
  if (digit < 4) {
    const { parent, ...rest } = row;
    return { ...rest, parent_id: parent ?? null };
  }
  if (digit < 8) out.current_user_permissions = { read: true, write: digit % 2 === 0 };
  else if (digit < 12) {
    out.tags = null;
    out.search_metadata = null;
  }
  return out;
}

/** The docs' samples: next links on `/resource/all/`, Python's `None` printed as a string. */
const REAL_API_PAGING = { nextPath: "/resource/all/", noneStrings: true } as const;

function optionalFilter(filter: FilterNode | undefined): { filter?: FilterNode } {
  return filter === undefined ? {} : { filter };
}

/** A detail endpoint: the live record with that id, if it is of the route's kind. */
export function detailReply(route: DetailRoute, id: string, ctx: EndpointContext): Reply {
  const found = ctx.dataset.find(id);
  if (found === undefined || !route.kinds.includes(found.kind)) return NOT_FOUND;
  return { status: 200, json: variantOf(ctx.dataset.record(found.kind, found.k), ctx.realApi) };
}
