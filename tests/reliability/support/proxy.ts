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

/**
 * A TCP proxy that follows the client's side of the PostgreSQL protocol and cuts chosen COMMITs of
 * transactions that ran a COPY (batch transactions; numbered 1, 2, … in the order seen).
 * `ack`: the COMMIT reaches the server, the server commits and answers, and the connection is cut
 * before the answer reaches the client: the client cannot know it committed. `before`: the
 * connection is cut instead of sending the COMMIT: the server rolls the transaction back.
 */
export class CommitCutProxy {
  #server: net.Server | undefined;
  readonly #sockets = new Set<net.Socket>();
  port = 0;
  /** COMMITs of COPY transactions seen so far. */
  commits = 0;
  /** COMMITs cut so far. */
  cuts = 0;

  private readonly target: { readonly host: string; readonly port: number };
  private readonly cut: ReadonlySet<number>;
  private readonly mode: CommitCut;

  constructor(
    target: { readonly host: string; readonly port: number },
    plan: { readonly cut: readonly number[]; readonly mode: CommitCut },
  ) {
    this.target = target;
    this.cut = new Set(plan.cut);
    this.mode = plan.mode;
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
        if (startup) {
          // SSLRequest / GSSENCRequest are followed by another untyped startup message.
          const code = bytes.readInt32BE(4);
          startup = code === 80877103 || code === 80877104;
        } else if (bytes[0] === 0x64 /* d */ || bytes[0] === 0x63 /* c */) {
          copied = true;
        } else if (bytes[0] === 0x51 /* Q */) {
          const sql = bytes
            .subarray(5, bytes.length - 1)
            .toString("utf8")
            .trim()
            .toUpperCase();
          if (sql.startsWith("BEGIN") || sql === "ROLLBACK") copied = false;
          if (sql === "COMMIT" && copied) {
            copied = false;
            this.commits += 1;
            if (this.cut.has(this.commits)) {
              this.cuts += 1;
              if (this.mode === "before") return cutBoth();
              holding = true;
              upstream.write(bytes);
              return;
            }
          }
        }
        upstream.write(bytes);
      }
    });
  }
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
