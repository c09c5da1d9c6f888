import type { Page } from "./responses.js";

/**
 * Walks a list page by page, in order. `prefetch(depth)` starts requests for up to `depth` pages
 * ahead while the caller is still writing the current page: one ahead always (the next page's
 * number is known), more when the server said how many pages there are (`total_pages`). Pages
 * arrive in order whatever order their responses come in; memory holds at most `depth` pages.
 */
export class ListCursor {
  readonly #fetchPage: (page: number, signal: AbortSignal) => Promise<Page>;
  readonly #controller = new AbortController();
  readonly #inFlight = new Map<number, Promise<Page>>();
  #nextPage: number | undefined;
  #lastPage: number | undefined;
  /** The page this cursor started at (1, or a resume point). */
  readonly startPage: number;

  constructor(fetchPage: (page: number, signal: AbortSignal) => Promise<Page>, startPage: number) {
    this.#fetchPage = fetchPage;
    this.#nextPage = startPage;
    this.startPage = startPage;
  }

  /** Starts fetching the next `depth` pages that exist and are not on their way already. */
  prefetch(depth = 1): void {
    const next = this.#nextPage;
    if (next === undefined) return;
    const last = Math.max(next, this.#lastPage ?? next);
    for (let page = next; page < next + Math.max(1, depth) && page <= last; page += 1) {
      if (this.#inFlight.has(page)) continue;
      const pending = this.#fetchPage(page, this.#controller.signal);
      pending.catch(() => undefined); // observed by next(); this only avoids an unhandled rejection
      this.#inFlight.set(page, pending);
    }
  }

  /** The next page, or undefined after the last. */
  async next(): Promise<Page | undefined> {
    const number = this.#nextPage;
    if (number === undefined) return undefined;
    this.prefetch();
    const pending = this.#inFlight.get(number);
    if (pending === undefined) return undefined; // prefetch() always starts `number`
    const page = await pending;
    this.#inFlight.delete(number);
    this.#nextPage = page.nextPage;
    this.#lastPage = page.lastPage ?? this.#lastPage;
    // Read-ahead that the server's links no longer lead to (the list changed) is dropped.
    for (const ahead of this.#inFlight.keys()) {
      if (page.nextPage === undefined || ahead < page.nextPage) this.#inFlight.delete(ahead);
    }
    return page;
  }

  /** Abandons requests still on their way (early stop, partition split, failure elsewhere). */
  close(): void {
    this.#controller.abort(new Error("list cursor closed"));
  }
}
