/**
 * The fake's own route table, written from secoda-api.md §2 (never from the tap's stream table).
 * Paths match with or without a trailing slash.
 */
import { CATALOG_ALIASES, type SortKey } from "./filter.js";
import type { JsonObject } from "./json.js";
import { CATALOG_KINDS, type Kind } from "./layout.js";
import type { ListShape } from "./paging.js";

/** How a query parameter narrows a list. Unknown parameters are ignored, as DRF does. */
export type ParamRule =
  | { readonly param: string; readonly field: string; readonly match: "exact" }
  /** Comma-separated values (django-filter's `__in`). */
  | { readonly param: string; readonly field: string; readonly match: "in-csv" }
  /** Unless `?param=true`, keep only rows where the field is false (`include_archived`). */
  | { readonly param: string; readonly field: string; readonly match: "unless-true" }
  /** With `?param=true`, keep only rows where the field is true (`only_joined`). */
  | { readonly param: string; readonly field: string; readonly match: "only-true" }
  /** Rows whose timestamp field is within the last N days of the fake clock. */
  | {
      readonly param: string;
      readonly field: string;
      readonly match: "days";
      readonly days: number;
    };

export interface ListRoute {
  readonly type: "list";
  readonly path: string;
  readonly kinds: readonly Kind[];
  readonly shape: ListShape;
  readonly params: readonly ParamRule[];
  /** Order when no `sort` is given; empty = creation order. */
  readonly defaultSort: readonly SortKey[];
  /** Accepts the JSON `filter` / `sort` grammar, with these field aliases. */
  readonly grammar?: { readonly aliases: Readonly<Record<string, string>> };
  /** At most this many rows are reachable across all pages. */
  readonly cap?: number;
  readonly access?: "admin";
  /** Extra wrapper keys (apinator's `resource_totals`). */
  readonly extra?: JsonObject;
}

export interface DetailRoute {
  readonly type: "detail";
  /** The path without the trailing `/{id}`. */
  readonly path: string;
  readonly kinds: readonly Kind[];
}

export interface HealthRoute {
  readonly type: "health";
  readonly path: string;
}

export type Route = ListRoute | DetailRoute | HealthRoute;

/** The catalog's documented hard cap (secoda-api.md §3.2). */
export const CATALOG_CAP = 10_000;

const exact = (param: string, field = param): ParamRule => ({ param, field, match: "exact" });
const title = exact("title");
const integrationId = exact("integration_id", "integration");
const parentId = exact("parent_id", "parent");

function list(path: string, kinds: readonly Kind[], rest: Partial<ListRoute> = {}): ListRoute {
  return { type: "list", path, kinds, shape: "w1", params: [], defaultSort: [], ...rest };
}

function detail(path: string, kinds: readonly Kind[]): DetailRoute {
  return { type: "detail", path: path.replace(/\/\{id\}$/, ""), kinds };
}

export const ROUTES: readonly Route[] = [
  { type: "health", path: "/healthcheck" },
  { type: "health", path: "/api/v1/healthcheck" },
  list("/api/v1/resource/catalog", CATALOG_KINDS, {
    params: [exact("teams")],
    grammar: { aliases: CATALOG_ALIASES },
    defaultSort: [{ field: "external_usage", order: "desc" }],
    cap: CATALOG_CAP,
  }),
  detail("/api/v1/resource/all/{id}", CATALOG_KINDS),
  list("/resource/all", CATALOG_KINDS), // legacy, from the 2024 docs' pagination example
  list("/api/v1/table/tables", ["table"], {
    params: [integrationId, parentId, title],
    extra: { resource_totals: {} },
  }),
  detail("/api/v1/table/tables/{id}", ["table"]),
  list("/api/v1/table/columns", ["column"], {
    params: [integrationId, parentId, title, exact("table_title")],
  }),
  list("/api/v1/database/databases", ["database"], { params: [integrationId, title] }),
  list("/api/v1/database/schemas", ["schema"], { params: [integrationId, parentId, title] }),
  detail("/api/v1/database/schemas/{id}", ["schema"]),
  list("/api/v1/dashboard/dashboards", ["dashboard"], { params: [integrationId, parentId, title] }),
  detail("/api/v1/dashboard/dashboards/{id}", ["dashboard"]),
  list("/api/v1/dashboard/charts", ["chart"], { params: [integrationId, parentId, title] }),
  list("/api/v1/event/events", ["event"], { params: [integrationId, parentId, title] }),
  list("/api/v1/event/category", ["event_category"], { params: [title] }),
  detail("/api/v1/event/category/{id}", ["event_category"]),
  list("/api/v1/collection/collections", ["collection"], {
    params: [title],
    extra: { resource_totals: {} },
  }),
  detail("/api/v1/collection/collections/{id}", ["collection"]),
  list("/api/v1/document/documents", ["document"], { params: [title] }),
  detail("/api/v1/document/documents/{id}", ["document"]),
  list("/api/v1/question/questions", ["question"]),
  detail("/api/v1/question/questions/{id}", ["question"]),
  list("/api/v1/question/replies", ["question_reply"], { params: [exact("question", "parent")] }),
  detail("/api/v1/question/replies/{id}", ["question_reply"]),
  detail("/api/v1/query/queries/{id}", ["query"]),
  list("/api/v1/integration/integrations", ["integration"], { params: [exact("type")] }),
  detail("/api/v1/integration/integrations/{id}", ["integration"]),
  list("/api/v1/user", ["user"]),
  detail("/api/v1/user/{id}", ["user"]),
  list("/api/v1/auth/group", ["group"]),
  detail("/api/v1/auth/group/{id}", ["group"]),
  list("/api/v1/auth/teams", ["team"], {
    shape: "w1-paged",
    params: [
      { param: "include_archived", field: "archived", match: "unless-true" },
      { param: "only_joined", field: "joined", match: "only-true" },
      { param: "only_write", field: "writable", match: "only-true" },
    ],
  }),
  detail("/api/v1/auth/teams/{id}", ["team"]),
  list("/api/v1/tag", ["tag"]),
  detail("/api/v1/tag/{id}", ["tag"]),
  list("/api/v1/resource/all_v2/custom_properties", ["custom_property"], { shape: "array" }),
  detail("/api/v1/resource/all_v2/custom_properties/{id}", ["custom_property"]),
  list("/api/v1/lineage/manual", ["lineage"], {
    shape: "w1-paged",
    params: [
      exact("from_entity", "from_entity_id"),
      exact("from_entity_id"),
      { param: "from_entity__in", field: "from_entity_id", match: "in-csv" },
      exact("to_entity", "to_entity_id"),
      exact("to_entity_id"),
      { param: "to_entity__in", field: "to_entity_id", match: "in-csv" },
      exact("integration_type"),
      exact("integration__type", "integration_type"),
    ],
  }),
  detail("/api/v1/lineage/manual/{id}", ["lineage"]),
  list("/api/v1/monitor/monitors", ["monitor"]),
  detail("/api/v1/monitor/monitors/{id}", ["monitor"]),
  list("/api/v1/monitor/incidents", ["incident"]),
  detail("/api/v1/monitor/incidents/{id}", ["incident"]),
  list("/api/v1/activity_log/audit_logs", ["audit_log"], {
    grammar: { aliases: {} },
    defaultSort: [{ field: "created_at", order: "desc" }],
    access: "admin",
  }),
  list("/api/v1/notification/workspace", ["audit_log"], {
    shape: "w2",
    params: [{ param: "days", field: "created_at", match: "days", days: 90 }],
    defaultSort: [{ field: "created_at", order: "desc" }],
  }),
];

export type RouteMatch =
  | { readonly route: ListRoute | HealthRoute }
  | { readonly route: DetailRoute; readonly id: string };

const byPath = new Map<string, Route>(
  ROUTES.map((route) => [`${route.type === "detail" ? "detail:" : ""}${route.path}`, route]),
);

/** Finds the route for a path (trailing slash optional); undefined = Django's HTML 404. */
export function matchRoute(pathname: string): RouteMatch | undefined {
  const path = pathname.length > 1 ? pathname.replace(/\/$/, "") : pathname;
  const direct = byPath.get(path);
  if (direct !== undefined && direct.type !== "detail") return { route: direct };
  const slash = path.lastIndexOf("/");
  const parent = byPath.get(`detail:${path.slice(0, slash)}`);
  const id = safeDecode(path.slice(slash + 1));
  if (parent !== undefined && parent.type === "detail" && id !== "") return { route: parent, id };
  return undefined;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a malformed escape cannot be one of our UUIDs: the detail route answers 404
  }
}
