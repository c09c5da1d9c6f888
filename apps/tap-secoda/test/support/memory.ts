import { Writable } from "node:stream";
import { type Clock, Logger } from "@singerkit/singer";

/** A logger whose lines are kept in memory. */
export function memoryLogger(level: "debug" | "info" | "warn" = "debug") {
  const lines: string[] = [];
  const out = new Writable({
    write(chunk, _encoding, done) {
      lines.push(
        ...String(chunk)
          .split("\n")
          .filter((line) => line !== ""),
      );
      done();
    },
  });
  return { log: new Logger({ name: "tap-secoda", level, out }), lines };
}

/** A clock that never really sleeps: sleeping moves time forward and is recorded. */
export function fakeClock(start = Date.parse("2025-01-01T00:00:00Z")) {
  const state = { now: start, sleeps: [] as number[] };
  const clock: Clock = {
    now: () => state.now,
    sleep: async (ms, signal) => {
      if (signal?.aborted === true) throw signal.reason;
      state.sleeps.push(ms);
      state.now += ms;
    },
  };
  return { clock, state };
}

/** A JSON response. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** A 200 whose body stream breaks after a few bytes, as a cut connection does. */
export function truncated(text: string): Response {
  const bytes = new TextEncoder().encode(text.slice(0, Math.floor(text.length / 2)));
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.error(new TypeError("terminated"));
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
}

/** What undici throws when the server resets the connection. */
export function connectionReset(): TypeError {
  const cause = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
  return new TypeError("fetch failed", { cause });
}

/** A v1 list page (`links.next` absolute, like Secoda's). */
export function w1(results: unknown[], page: number, totalPages: number, count?: number) {
  const link = (n: number) => `https://api.secoda.co/api/v1/x?page=${n}`;
  return {
    links: {
      next: page < totalPages ? link(page + 1) : null,
      previous: page > 1 ? link(page - 1) : null,
    },
    meta: {
      page,
      previous_page: page > 1 ? page - 1 : null,
      next_page: page < totalPages ? page + 1 : null,
    },
    count: count ?? results.length,
    total_pages: totalPages,
    results,
  };
}
