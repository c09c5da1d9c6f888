/**
 * Page parameters and the list shapes of secoda-api.md §3.1:
 *   w1       {links: {next, previous}, meta: {page, previous_page, next_page}, count, total_pages, results}
 *   w1-paged newer endpoints (teams, lineage): results, count, total_pages,
 *            meta {page, previous_page, next_page, count, total_pages}, links — in that key order
 *   w2       DRF default {count, next, previous, results}
 *   array    a bare JSON array, not paged (custom properties)
 */
import type { JsonObject, JsonValue } from "./json.js";

export type ListShape = "w1" | "w1-paged" | "w2" | "array";

export interface PageSizes {
  /** Used when `page_size` is absent or not a positive integer. */
  readonly defaultSize: number;
  /** Larger `page_size` values are clamped to this. */
  readonly maxSize: number;
}

export interface PageWindow {
  readonly page: number;
  readonly pageSize: number;
}

const POSITIVE = /^[1-9]\d*$/;

/** The requested page; undefined when `page` is not a positive integer (DRF: 404 Invalid page). */
export function parsePaging(params: URLSearchParams, sizes: PageSizes): PageWindow | undefined {
  const page = params.get("page") ?? "1";
  if (!POSITIVE.test(page)) return undefined;
  const size = params.get("page_size") ?? "";
  const pageSize = POSITIVE.test(size) ? Math.min(Number(size), sizes.maxSize) : sizes.defaultSize;
  return { page: Number(page), pageSize };
}

/** Django's paginator: an empty list still has one (empty) page. */
export function totalPages(rows: number, pageSize: number): number {
  return Math.max(1, Math.ceil(rows / pageSize));
}

/** The same URL with another page: DRF drops `page` for page 1 and keeps every other parameter. */
export function pageUrl(requestUrl: URL, page: number): string {
  const url = new URL(requestUrl.href);
  if (page === 1) url.searchParams.delete("page");
  else url.searchParams.set("page", String(page));
  return url.href;
}

export interface Page {
  readonly results: readonly JsonObject[];
  readonly count: number;
  readonly page: number;
  readonly totalPages: number;
  readonly requestUrl: URL;
}

/** Deviations the real API's documented samples show (real-API mode). */
export interface PagingVariants {
  /** `links.next` on this path (same host, only `page`), as the docs' samples print it. */
  readonly nextPath?: string;
  /** `"None"` instead of null in `links.previous` and `meta.previous_page`. */
  readonly noneStrings?: boolean;
}

/** Wraps one page of results in the endpoint's list shape. */
export function wrapPage(
  shape: Exclude<ListShape, "array">,
  page: Page,
  extra: JsonObject = {},
  variants: PagingVariants = {},
): JsonValue {
  const previousPage = page.page > 1 ? page.page - 1 : null;
  const nextPage = page.page < page.totalPages ? page.page + 1 : null;
  const link = (n: number | null) => (n === null ? null : pageUrl(page.requestUrl, n));
  const nextLink = (n: number | null) => {
    if (n === null || variants.nextPath === undefined) return link(n);
    return new URL(`${variants.nextPath}?page=${n}`, page.requestUrl).href;
  };
  const none = variants.noneStrings === true ? "None" : null;
  const links = { next: nextLink(nextPage), previous: link(previousPage) ?? none };
  const meta = { page: page.page, previous_page: previousPage ?? none, next_page: nextPage };
  const results = [...page.results];
  switch (shape) {
    case "w1":
      return { links, meta, count: page.count, total_pages: page.totalPages, results, ...extra };
    case "w1-paged":
      return {
        results,
        count: page.count,
        total_pages: page.totalPages,
        meta: { ...meta, count: page.count, total_pages: page.totalPages },
        links,
        ...extra,
      };
    case "w2":
      return { count: page.count, next: links.next, previous: links.previous, results, ...extra };
  }
}
