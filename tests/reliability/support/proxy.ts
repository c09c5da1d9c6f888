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

/**
 * Where a batch transaction (one that ran a COPY) can be cut: at its first CopyData (`copy`:
 * mid-COPY), at a statement after the COPY (`statement`: the merge, the commit marker), at its
 * COMMIT (`commit`). `outside`: any other statement (before a COPY: connect-time setup, DDL,
 * catalog reads, the load history, a batch's BEGIN): not every part of the target retries a
 * connection lost there yet.
 */
export type CutPoint = "copy" | "statement" | "commit" | "outside";

/** `cut`: the connection is cut instead of sending the message. `ack` (COMMIT only): the
 * COMMIT is sent, the server commits, and the connection is cut before its answer arrives. */
export type CutAction = "cut" | "ack";

/** Asked at every cut point; `undefined` lets the message through. */
export type CutDecider = (point: CutPoint) => CutAction | undefined;

/**
 * A TCP proxy that follows the client's side of the PostgreSQL protocol and cuts connections at
 * chosen points of transactions that ran a COPY (batch transactions). With a plan `{cut, mode}`
 * it cuts the COMMITs numbered in `cut` (1, 2, … in the order seen): `ack`: the COMMIT reaches
 * the server, the server commits and answers, and the connection is cut before the answer
 * reaches the client: the client cannot know it committed. `before`: the connection is cut
 * instead of sending the COMMIT: the server rolls the transaction back. With a `CutDecider` it
 * asks at every `CutPoint` (the soak's random schedule).
 */
export class CommitCutProxy {
  #server: net.Server | undefined;
  readonly #sockets = new Set<net.Socket>();
  port = 0;
  /** COMMITs of COPY transactions seen so far. */
  commits = 0;
  /** COMMITs cut so far. */
  cuts = 0;
  /** Cuts made, by `<point> <action>` (e.g. `commit ack`). */
  readonly fired = new Map<string, number>();

  private readonly target: { readonly host: string; readonly port: number };
  private readonly decide: CutDecider;

  constructor(
    target: { readonly host: string; readonly port: number },
    plan: { readonly cut: readonly number[]; readonly mode: CommitCut } | CutDecider,
  ) {
    this.target = target;
    if (typeof plan === "function") this.decide = plan;
    else {
      const cut = new Set(plan.cut);
      const action = plan.mode === "before" ? "cut" : "ack";
      this.decide = (point) => (point === "commit" && cut.has(this.commits) ? action : undefined);
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
    let holding = false; // the COMMIT went out: its answer must not reach the client
    upstream.on("data", (data: Buffer) => {
      if (holding) cutBoth();
      else client.write(data);
    });
    let pending = Buffer.alloc(0);
    let startup = true;
    let copied = false;
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
          if (!copied && this.#ask("copy") === "cut") return cutBoth();
          copied = true;
        } else if (type === 0x51 /* Q */ || type === 0x50 /* P */) {
          const sql = statementText(bytes).trim().toUpperCase();
          if (sql.startsWith("BEGIN") || sql === "ROLLBACK") copied = false;
          if (sql === "COMMIT" && copied) {
            copied = false;
            this.commits += 1;
            const action = this.#ask("commit");
            if (action !== undefined) {
              this.cuts += 1;
              if (action === "cut") return cutBoth();
              holding = true;
              upstream.write(bytes);
              return;
            }
          } else if (this.#ask(copied ? "statement" : "outside") === "cut") return cutBoth();
        }
        upstream.write(bytes);
      }
    });
  }
}

/** The SQL of a Query (`Q`: text) or Parse (`P`: statement name, then text) message. */
function statementText(bytes: Buffer): string {
  const body = bytes.subarray(5, bytes.length);
  const start = bytes[0] === 0x50 ? body.indexOf(0) + 1 : 0;
  const end = body.indexOf(0, start);
  return body.subarray(start, end < 0 ? body.length : end).toString("utf8");
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

function throughPort(url: string, port: number): string {
  const proxied = new URL(url);
  proxied.port = String(port);
  return proxied.toString();
}
