/**
 * The shapes of the fake's routes and the helpers that declare them. Each kind declares its own
 * routes in its entry in kinds.ts; routes.ts assembles the table.
 */
import type { SortKey } from "./filter.js";
import type { JsonObject } from "./json.js";
import type { Kind } from "./kinds.js";
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

/** A list route as a kind declares it (the kinds it lists are added by routes.ts). */
export interface ListRouteSpec {
  readonly type: "list";
  readonly path: string;
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

export interface ListRoute extends ListRouteSpec {
  readonly kinds: readonly Kind[];
}

export interface DetailRouteSpec {
  readonly type: "detail";
  /** The path without the trailing `/{id}`. */
  readonly path: string;
}

export interface DetailRoute extends DetailRouteSpec {
  readonly kinds: readonly Kind[];
}

export type RouteSpec = ListRouteSpec | DetailRouteSpec;

export interface HealthRoute {
  readonly type: "health";
  readonly path: string;
}

export type Route = ListRoute | DetailRoute | HealthRoute;

export const exact = (param: string, field = param): ParamRule => ({
  param,
  field,
  match: "exact",
});
export const title = exact("title");
export const integrationId = exact("integration_id", "integration");
export const parentId = exact("parent_id", "parent");

export function list(
  path: string,
  rest: Partial<Omit<ListRouteSpec, "type" | "path">> = {},
): ListRouteSpec {
  return { type: "list", path, shape: "w1", params: [], defaultSort: [], ...rest };
}

/** A detail route, declared with its `{id}` placeholder. */
export function detail(path: string): DetailRouteSpec {
  return { type: "detail", path: path.replace(/\/\{id\}$/, "") };
}
