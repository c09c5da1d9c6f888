import { describe, expect, it } from "vitest";
import { pageUrl, parsePaging, totalPages, wrapPage } from "./paging.js";

const sizes = { defaultSize: 50, maxSize: 1000 };

describe("parsePaging", () => {
  it.each([
    ["", { page: 1, pageSize: 50 }],
    ["page=3", { page: 3, pageSize: 50 }],
    ["page=2&page_size=10", { page: 2, pageSize: 10 }],
    ["page_size=5000", { page: 1, pageSize: 1000 }],
    ["page_size=0", { page: 1, pageSize: 50 }],
    ["page_size=abc", { page: 1, pageSize: 50 }],
    ["page=0", undefined],
    ["page=-1", undefined],
    ["page=abc", undefined],
    ["page=1.5", undefined],
  ])("?%s → %j", (query, expected) => {
    expect(parsePaging(new URLSearchParams(query), sizes)).toEqual(expected);
  });
});

describe("totalPages", () => {
  it.each([
    [0, 50, 1],
    [1, 50, 1],
    [50, 50, 1],
    [51, 50, 2],
    [315, 50, 7],
  ])("%i rows / %i per page → %i pages", (rows, size, pages) => {
    expect(totalPages(rows, size)).toBe(pages);
  });
});

describe("pageUrl", () => {
  const url = new URL("http://h:1/api/v1/tag/?page=2&page_size=5&filter=%7B%7D");
  it("replaces page and keeps the other parameters", () => {
    expect(pageUrl(url, 3)).toBe("http://h:1/api/v1/tag/?page=3&page_size=5&filter=%7B%7D");
  });
  it("drops page for page 1, like DRF", () => {
    expect(pageUrl(url, 1)).toBe("http://h:1/api/v1/tag/?page_size=5&filter=%7B%7D");
  });
});

describe("wrapPage", () => {
  const page = {
    results: [{ id: "a" }],
    count: 3,
    page: 2,
    totalPages: 3,
    requestUrl: new URL("http://h/x?page=2&page_size=1"),
  };
  const links = { next: "http://h/x?page=3&page_size=1", previous: "http://h/x?page_size=1" };
  const meta = { page: 2, previous_page: 1, next_page: 3 };

  it("w1", () => {
    const body = wrapPage("w1", page);
    expect(body).toEqual({ links, meta, count: 3, total_pages: 3, results: [{ id: "a" }] });
    expect(Object.keys(body as object)).toEqual([
      "links",
      "meta",
      "count",
      "total_pages",
      "results",
    ]);
  });

  it("w1-paged repeats count and total_pages in meta, results first", () => {
    const body = wrapPage("w1-paged", page);
    expect(body).toEqual({
      results: [{ id: "a" }],
      count: 3,
      total_pages: 3,
      meta: { ...meta, count: 3, total_pages: 3 },
      links,
    });
    expect(Object.keys(body as object)).toEqual([
      "results",
      "count",
      "total_pages",
      "meta",
      "links",
    ]);
  });

  it("w2", () => {
    expect(wrapPage("w2", page)).toEqual({ count: 3, ...links, results: [{ id: "a" }] });
  });

  it("the last page has null next links", () => {
    expect(wrapPage("w1", { ...page, page: 3 })).toMatchObject({
      links: { next: null },
      meta: { next_page: null },
    });
  });
});
