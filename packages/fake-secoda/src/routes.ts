/**
 * The fake's own route table, written from secoda-api.md §2 (never from the tap's stream table):
 * the catalog's routes (over every catalog kind) plus each kind's own routes from kinds.ts.
 * Paths match with or without a trailing slash.
 */
import { CATALOG_ALIASES } from "./filter.js";
import { CATALOG_KINDS, KIND_SPECS, KINDS } from "./kinds.js";
import {
  type DetailRoute,
  detail,
  exact,
  type HealthRoute,
  type ListRoute,
  list,
  type Route,
} from "./route-spec.js";

export type { DetailRoute, HealthRoute, ListRoute, ParamRule, Route } from "./route-spec.js";

/** The catalog's documented hard cap (secoda-api.md §3.2). */
export const CATALOG_CAP = 10_000;

export const ROUTES: readonly Route[] = [
  { type: "health", path: "/healthcheck" },
  { type: "health", path: "/api/v1/healthcheck" },
  {
    ...list("/api/v1/resource/catalog", {
      params: [exact("teams")],
      grammar: { aliases: CATALOG_ALIASES },
      defaultSort: [{ field: "external_usage", order: "desc" }],
      cap: CATALOG_CAP,
    }),
    kinds: CATALOG_KINDS,
  },
  { ...detail("/api/v1/resource/all/{id}"), kinds: CATALOG_KINDS },
  { ...list("/resource/all"), kinds: CATALOG_KINDS }, // legacy, from the 2024 docs' pagination example
  ...KINDS.flatMap((kind) =>
    KIND_SPECS[kind].routes.map((route): ListRoute | DetailRoute => ({ ...route, kinds: [kind] })),
  ),
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
