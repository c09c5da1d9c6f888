import net from "node:net";

/** A TCP proxy to PostgreSQL that can go down (every connection cut, port closed) and come back. */
export class FlakyProxy {
  #server: net.Server | undefined;
  readonly #sockets = new Set<net.Socket>();
  port = 0;

  private readonly targetHost: string;
  private readonly targetPort: number;

  constructor(targetHost: string, targetPort: number) {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
  }

  async start(port = 0): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on("close", () => this.#sockets.delete(socket));
        socket.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    this.port = address.port;
    this.#server = server;
  }

  /** Cuts every connection and stops listening. */
  async down(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    const server = this.#server;
    this.#server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async up(): Promise<void> {
    await this.start(this.port);
  }
}

/** How a COMMIT is cut: after the server answered it (the ack is lost), or before it is sent. */
export type CommitCut = "ack" | "before";

/** Which commits a CommitCutProxy cuts. */
export interface CutPlan {
  /** The matching commits to cut, numbered 1, 2, … in the order seen; "every": all of them. */
  readonly cut: readonly number[] | "every";
  readonly mode: CommitCut;
  /** A transaction (or a statement outside one) matches when one of its statements does;
   * by default a COPY (the target's batch transactions). */
  readonly match?: RegExp;
}

/**
 * A TCP proxy that follows the client's side of the PostgreSQL protocol (simple and extended
 * queries) and cuts the commits of chosen transactions. A commit is a `COMMIT` query, or for a
 * statement outside a transaction block its own query (simple protocol) or its Sync (extended
 * protocol: the server commits it there). `ack`: the commit reaches the server, the server commits
 * and answers, and the connection is cut before the answer reaches the client: the client cannot
 * know it committed. `before`: the connection is cut instead of sending it: nothing commits.
 */
export class CommitCutProxy {
  #server: net.Server | undefined;
  readonly #sockets = new Set<net.Socket>();
  port = 0;
  /** Matching commits seen so far. */
  commits = 0;
  /** Commits cut so far. */
  cuts = 0;

  private readonly target: { readonly host: string; readonly port: number };
  private readonly plan: CutPlan;
  private readonly match: RegExp;

  constructor(target: { readonly host: string; readonly port: number }, plan: CutPlan) {
    this.target = target;
    this.plan = plan;
    this.match = plan.match ?? /^\s*COPY\b/i;
  }

  async start(): Promise<void> {
    const server = net.createServer((client) => this.#connection(client));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    this.port = address.port;
    this.#server = server;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    const server = this.#server;
    this.#server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** True when this matching commit is to be cut (counts it). */
  #isCut(): boolean {
    this.commits += 1;
    const { cut } = this.plan;
    if (cut !== "every" && !cut.includes(this.commits)) return false;
    this.cuts += 1;
    return true;
  }

  #connection(client: net.Socket): void {
    const upstream = net.connect(this.target.port, this.target.host);
    const cutBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on("close", () => {
        this.#sockets.delete(socket);
        cutBoth();
      });
      socket.on("error", cutBoth);
    }
    let holding = false; // the commit went out: its answer must not reach the client
    upstream.on("data", (data: Buffer) => {
      if (holding) cutBoth();
      else client.write(data);
    });
    let pending = Buffer.alloc(0);
    let startup = true;
    let inBlock = false; // inside BEGIN … COMMIT
    let matched = false; // the transaction (or pending statement) ran a matching statement
    /** At a commit: true when it is cut before being sent. */
    const commit = (bytes: Buffer): boolean => {
      const was = matched;
      matched = false;
      if (!was || !this.#isCut()) return false;
      if (this.plan.mode === "before") {
        cutBoth();
        return true;
      }
      holding = true;
      upstream.write(bytes);
      return true;
    };
    client.on("data", (data: Buffer) => {
      pending = Buffer.concat([pending, data]);
      for (;;) {
        const message = nextMessage(pending, startup);
        if (message === undefined) return;
        pending = pending.subarray(message.length);
        const bytes = message.bytes;
        if (startup) {
          // SSLRequest / GSSENCRequest are followed by another untyped startup message.
          const code = bytes.readInt32BE(4);
          startup = code === 80877103 || code === 80877104;
        } else if (bytes[0] === 0x51 /* Q */) {
          const sql = cString(bytes, 5).trim();
          const upper = sql.toUpperCase();
          if (upper.startsWith("BEGIN")) {
            inBlock = true;
            matched = false;
          } else if (upper === "ROLLBACK") {
            inBlock = false;
            matched = false;
          } else if (upper === "COMMIT") {
            inBlock = false;
            if (commit(bytes)) return;
          } else {
            if (this.match.test(sql)) matched = true;
            if (!inBlock && commit(bytes)) return;
          }
        } else if (bytes[0] === 0x50 /* P */) {
          const name = cString(bytes, 5);
          const sql = cString(bytes, 5 + Buffer.byteLength(name) + 1);
          if (this.match.test(sql)) matched = true;
        } else if (bytes[0] === 0x53 /* S */ && !inBlock) {
          if (commit(bytes)) return;
        }
        upstream.write(bytes);
      }
    });
  }
}

/** The NUL-terminated string at `offset`. */
function cString(bytes: Buffer, offset: number): string {
  const end = bytes.indexOf(0, offset);
  return bytes.subarray(offset, end < 0 ? bytes.length : end).toString("utf8");
}

/** The next whole message of a client's stream: untyped while starting up, then typed. */
function nextMessage(
  buffer: Buffer,
  startup: boolean,
): { readonly bytes: Buffer; readonly length: number } | undefined {
  const header = startup ? 4 : 5;
  if (buffer.length < header) return undefined;
  const length = startup ? buffer.readInt32BE(0) : 1 + buffer.readInt32BE(1);
  if (buffer.length < length) return undefined;
  return { bytes: Buffer.from(buffer.subarray(0, length)), length };
}
