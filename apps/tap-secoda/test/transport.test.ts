import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeTransport } from "../src/transport.js";

// The production transport against a real local server: what the fake does not exercise
// (compression, timeouts, headers).
let server: Server;
let base: string;
const seen: { [path: string]: string | undefined } = {};
const requestsOnSocket = new WeakMap<object, number>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const body = JSON.stringify({ results: [{ id: "é✓" }] });
    seen[req.url ?? ""] = req.headers["accept-encoding"];
    const onSocket = (requestsOnSocket.get(req.socket) ?? 0) + 1;
    requestsOnSocket.set(req.socket, onSocket);
    switch (req.url) {
      case "/flaky-keepalive":
        // A server that dropped the idle connection: the 2nd request on a socket is lost.
        if (onSocket > 1) req.socket.destroy();
        else res.end(body);
        return;
      case "/gzip":
        res.writeHead(200, { "content-encoding": "gzip" }).end(gzipSync(body));
        return;
      case "/br":
        res.writeHead(200, { "content-encoding": "br" }).end(brotliCompressSync(body));
        return;
      case "/slow":
        setTimeout(() => res.end(body), 300);
        return;
      case "/stall":
        res.writeHead(200, { "content-length": String(body.length) });
        res.write(body.slice(0, 5)); // then nothing: the body never completes
        return;
      case "/cut":
        res.writeHead(200, { "content-length": String(body.length + 50) });
        res.write(body, () => res.destroy());
        return;
      default:
        res.writeHead(429, { "retry-after": "3" }).end("{}");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`; // TCP listen: AddressInfo
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const transport = nodeTransport(2);
const request = (timeoutMs = 2000) => ({
  headers: { authorization: "Bearer k" },
  signal: new AbortController().signal,
  timeoutMs,
});

describe("nodeTransport", () => {
  it.each(["/gzip", "/br"])("asks for compression and decompresses %s", async (path) => {
    const response = await transport(`${base}${path}`, request());
    expect(response.status).toBe(200);
    expect(JSON.parse((await response.bytes()).toString("utf8"))).toEqual({
      results: [{ id: "é✓" }],
    });
    expect(seen[path]).toContain("gzip");
  });

  it("gives status and headers of error answers", async () => {
    const response = await transport(`${base}/limited`, request());
    expect([response.status, response.header("Retry-After")]).toEqual([429, "3"]);
    response.discard();
  });

  it("times out a response that is too slow, as a TimeoutError", async () => {
    const failure = await transport(`${base}/slow`, request(100))
      .then((response) => response.bytes())
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: "TimeoutError" });
  });

  it("times out a body that stalls after the headers, as a TimeoutError", async () => {
    const response = await transport(`${base}/stall`, request(150));
    await expect(response.bytes()).rejects.toMatchObject({ name: "TimeoutError" });
  });

  it("retries at once, on a new connection, a request lost on a reused keep-alive socket", async () => {
    const keepAlive = nodeTransport(1);
    for (let i = 0; i < 3; i += 1) {
      const response = await keepAlive(`${base}/flaky-keepalive`, request());
      expect(JSON.parse((await response.bytes()).toString("utf8"))).toEqual({
        results: [{ id: "é✓" }],
      });
    }
  });

  it("rejects a body cut off before its Content-Length", async () => {
    const response = await transport(`${base}/cut`, request());
    await expect(response.bytes()).rejects.toThrow();
  });

  it("stops at once when the run is interrupted", async () => {
    const controller = new AbortController();
    const pending = transport(`${base}/slow`, { ...request(), signal: controller.signal });
    controller.abort(new Error("interrupted"));
    await expect(pending.then((r) => r.bytes())).rejects.toThrow("interrupted");
  });
});
