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

  /** The connection string `url` pointed at this proxy. */
  url(url: string): string {
    return throughPort(url, this.port);
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
 * Where a matching transaction (by default one that ran a COPY: a batch) can be cut: at its first
 * CopyData (`copy`: mid-COPY), at a statement after the match (`statement`: the merge, the commit
 * marker), at its commit (`commit`). `outside`: any other statement (connect-time setup, DDL,
 * catalog reads, the load history, a batch's BEGIN).
 */
export type CutPoint = "copy" | "statement" | "commit" | "outside";

/** `cut`: the connection is cut instead of sending the message. `ack` (commit only): the
 * commit is sent, the server commits, and the connection is cut before its answer arrives. */
export type CutAction = "cut" | "ack";

/** Asked at every cut point; `undefined` lets the message through. */
export type CutDecider = (point: CutPoint) => CutAction | undefined;

/**
 * A TCP proxy that follows the client's side of the PostgreSQL protocol (simple and extended
 * queries) and cuts connections at chosen points. A commit is a `COMMIT` query, or for a
 * statement outside a transaction block its own query (simple protocol) or its Sync (extended
 * protocol: the server commits it there). With a plan it cuts the commits of matching
 * transactions numbered in `cut`: `ack`: the commit reaches the server, the server commits and
 * answers, and the connection is cut before the answer reaches the client: the client cannot
 * know it committed. `before`: the connection is cut instead of sending it: nothing commits.
 * With a `CutDecider` it asks at every `CutPoint` (the soak's random schedule).
 */
export class CommitCutProxy {
  #server: net.Server | undefined;
  readonly #sockets = new Set<net.Socket>();
  port = 0;
  /** Matching commits seen so far. */
  commits = 0;
  /** Commits cut so far. */
  cuts = 0;
  /** Cuts made, by `<point> <action>` (e.g. `commit ack`). */
  readonly fired = new Map<string, number>();

  private readonly target: { readonly host: string; readonly port: number };
  private readonly decide: CutDecider;
  private readonly match: RegExp;

  constructor(
    target: { readonly host: string; readonly port: number },
    plan: CutPlan | CutDecider,
  ) {
    this.target = target;
    if (typeof plan === "function") {
      this.decide = plan;
      this.match = /^\s*COPY\b/i;
    } else {
      const { cut, mode } = plan;
      const action = mode === "before" ? "cut" : "ack";
      this.decide = (point) =>
        point === "commit" && (cut === "every" || cut.includes(this.commits)) ? action : undefined;
      this.match = plan.match ?? /^\s*COPY\b/i;
    }
  }

  /** The connection string `url` pointed at this proxy. */
  url(url: string): string {
    return throughPort(url, this.port);
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

  #ask(point: CutPoint): CutAction | undefined {
    const action = this.decide(point);
    if (action === undefined) return undefined;
    const name = `${point} ${action}`;
    this.fired.set(name, (this.fired.get(name) ?? 0) + 1);
    return action;
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
    let copying = false; // its first CopyData was seen
    /** At a commit: true when it is cut (before being sent, or its answer held back). */
    const commit = (bytes: Buffer): boolean => {
      const was = matched;
      matched = false;
      copying = false;
      if (!was) return false;
      this.commits += 1;
      const action = this.#ask("commit");
      if (action === undefined) return false;
      this.cuts += 1;
      if (action === "cut") {
        cutBoth();
        return true;
      }
      holding = true;
      upstream.write(bytes);
      return true;
    };
    /** At any other statement: true when the connection is cut instead of sending it. */
    const statement = (): boolean => {
      if (this.#ask(matched ? "statement" : "outside") !== "cut") return false;
      cutBoth();
      return true;
    };
    client.on("data", (data: Buffer) => {
      pending = Buffer.concat([pending, data]);
      for (;;) {
        const message = nextMessage(pending, startup);
        if (message === undefined) return;
        pending = pending.subarray(message.length);
        const bytes = message.bytes;
        const type = bytes[0];
        if (startup) {
          // SSLRequest / GSSENCRequest are followed by another untyped startup message.
          const code = bytes.readInt32BE(4);
          startup = code === 80877103 || code === 80877104;
        } else if (type === 0x64 /* d */ || type === 0x63 /* c */) {
          if (!copying && this.#ask("copy") === "cut") return cutBoth();
          copying = true;
        } else if (type === 0x51 /* Q */) {
          const sql = cString(bytes, 5).trim();
          const upper = sql.toUpperCase();
          if (upper.startsWith("BEGIN") || upper === "ROLLBACK") {
            inBlock = upper.startsWith("BEGIN");
            matched = false;
            copying = false;
            if (statement()) return;
          } else if (upper === "COMMIT") {
            inBlock = false;
            if (commit(bytes)) return;
          } else {
            if (statement()) return;
            if (this.match.test(sql)) matched = true;
            if (!inBlock && commit(bytes)) return;
          }
        } else if (type === 0x50 /* P */) {
          const name = cString(bytes, 5);
          const sql = cString(bytes, 5 + Buffer.byteLength(name) + 1);
          if (statement()) return;
          if (this.match.test(sql)) matched = true;
        } else if (type === 0x53 /* S */ && !inBlock) {
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

/** The connection string `url` with its port replaced by `port` (a proxy's). */
export function throughPort(url: string, port: number): string {
  const proxied = new URL(url);
  proxied.port = String(port);
  return proxied.toString();
}
