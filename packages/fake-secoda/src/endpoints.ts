/** Answers for matched API routes: lists, details, health. Pure functions of the request. */
import type { Dataset } from "./dataset.js";
import { type FilterNode, parseFilter, parseSort, renameFields, type SortKey } from "./filter.js";
import { formatMicros } from "./ids.js";
import type { JsonValue } from "./json.js";
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
    sort: listSort(route, params),
    ...optionalFilter(listFilter(route, params, ctx.dataset.now())),
    ...(route.cap === undefined ? {} : { cap: route.cap }),
  };
  const result = ctx.queries.run(query);
  if (route.shape === "array") {
    return { status: 200, json: result.refs.map((ref) => ctx.dataset.recordByRef(ref)) };
  }
  const window = parsePaging(params, ctx.pageSizes);
  if (window === undefined) return INVALID_PAGE;
  const pages = totalPages(result.refs.length, window.pageSize);
  if (window.page > pages) return INVALID_PAGE;
  const start = (window.page - 1) * window.pageSize;
  const results = result.refs
    .slice(start, start + window.pageSize)
    .map((ref) => ctx.dataset.recordByRef(ref));
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

/** The docs' samples: next links on `/resource/all/`, Python's `None` printed as a string. */
const REAL_API_PAGING = { nextPath: "/resource/all/", noneStrings: true } as const;

function optionalFilter(filter: FilterNode | undefined): { filter?: FilterNode } {
  return filter === undefined ? {} : { filter };
}

/** A detail endpoint: the live record with that id, if it is of the route's kind. */
export function detailReply(route: DetailRoute, id: string, ctx: EndpointContext): Reply {
  const found = ctx.dataset.find(id);
  if (found === undefined || !route.kinds.includes(found.kind)) return NOT_FOUND;
  return { status: 200, json: ctx.dataset.record(found.kind, found.k) };
}
