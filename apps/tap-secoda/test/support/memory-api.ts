import { CATALOG_ALIASES, filterMatches } from "@repo/fake-secoda";
import type { JsonObject } from "@singerkit/singer";
import type { FetchLike } from "../../src/client.js";

/** The fake's own evaluator of the filter grammar, with the catalog's field aliases. */
function matches(filter: string, row: JsonObject): boolean {
  return filterMatches(filter, row, CATALOG_ALIASES);
}

export interface MemoryApiOptions {
  readonly pageSize?: number;
  /** Path → most results reachable over all pages (count stays the full total). */
  readonly caps?: { readonly [path: string]: number };
  /** Paths answered with 403. */
  readonly forbidden?: readonly string[];
  /** Paths whose `sort` is ignored (rows come in stored order). */
  readonly unsorted?: readonly string[];
  /** Paths served as a bare array. */
  readonly arrays?: readonly string[];
  /** Paths whose pages carry no `count` (nor `total_pages`). */
  readonly uncounted?: readonly string[];
}

/**
 * A tiny in-memory Secoda: v1 list wrapper with absolute `links.next`, `filter`/`sort` on every
 * list, caps, bare arrays, details at `<path>/<id>`. For engine unit tests; the integration tests
 * use @repo/fake-secoda over real HTTP.
 */
export function memoryApi(data: { [path: string]: JsonObject[] }, options: MemoryApiOptions = {}) {
  const requests: URL[] = [];
  const fetch: FetchLike = async (input) => {
    const url = new URL(input);
    requests.push(url);
    const path = url.pathname;
    if (options.forbidden?.includes(path)) return reply({ detail: "forbidden" }, 403);
    const list = data[path];
    if (list === undefined) return detail(data, path);
    if (options.arrays?.includes(path)) return reply(list);
    let rows = list;
    const filter = url.searchParams.get("filter");
    if (filter !== null) rows = rows.filter((row) => matches(filter, row));
    const sort = url.searchParams.get("sort");
    if (sort !== null && !options.unsorted?.includes(path)) {
      const { field, order } = JSON.parse(sort) as { field: string; order: string };
      const sign = order === "desc" ? -1 : 1;
      rows = [...rows].sort((a, b) => sign * String(a[field]).localeCompare(String(b[field])));
    }
    const count = rows.length;
    rows = rows.slice(0, options.caps?.[path] ?? rows.length);
    const size = options.pageSize ?? 3;
    const page = Number(url.searchParams.get("page") ?? "1");
    const pages = Math.max(1, Math.ceil(rows.length / size));
    const next = new URL(url.href);
    next.searchParams.set("page", String(page + 1));
    return reply({
      links: { next: page < pages ? next.href : null, previous: null },
      meta: { page, next_page: page < pages ? page + 1 : null, previous_page: null },
      ...(options.uncounted?.includes(path) ? {} : { count, total_pages: pages }),
      results: rows.slice((page - 1) * size, page * size),
    });
  };
  return { fetch, requests };
}

function detail(data: { [path: string]: JsonObject[] }, path: string): Response {
  const slash = path.lastIndexOf("/");
  const row = data[path.slice(0, slash)]?.find((r) => r.id === path.slice(slash + 1));
  return row === undefined
    ? reply({ detail: "Not found." }, 404)
    : reply({ ...row, definition: `full text of ${String(row.id)}` });
}

function reply(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}
