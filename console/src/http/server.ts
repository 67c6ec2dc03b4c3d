import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import { SpanmapError } from '@spanmap/shared';

/**
 * What responses advertise (`Keep-Alive: timeout=5`, Node's default). Clients drop an idle
 * connection before that: undici (Node's fetch) 2 s before, browsers on their own clocks. Node
 * itself closes it 1 s after.
 */
export const KEEP_ALIVE_ADVERTISED_MS = 5_000;

/**
 * How long an idle connection is really kept. A client whose event loop was busy past its own
 * idle timer (a loaded machine, a long synchronous step between two requests) still holds the
 * connection and sends its next request on it; had we closed it at the advertised time, that
 * request would race our FIN and fail before any response ("fetch failed … other side closed",
 * seen under load in test/scenario-console.test.ts, on a connection that had carried one /edges
 * answer). Node 24's keepAliveTimeoutBuffer does the same; Node 20 has no such option.
 */
export const KEEP_ALIVE_HELD_MS = 65_000;

/** Serves a Hono app on host:port; inert until start(). */
export class HttpServer {
  private server: Server | null = null;
  port = 0;

  constructor(
    private readonly app: { fetch: Parameters<typeof createAdaptorServer>[0]['fetch'] },
    private readonly host: string,
    private readonly wantPort: number,
    /** Tests shorten these. */
    private readonly keepAlive = { advertisedMs: KEEP_ALIVE_ADVERTISED_MS, heldMs: KEEP_ALIVE_HELD_MS },
  ) {}

  async start(): Promise<void> {
    const server = createAdaptorServer({ fetch: this.app.fetch, hostname: this.host }) as Server;
    const { advertisedMs, heldMs } = this.keepAlive;
    server.keepAliveTimeout = advertisedMs; // what the Keep-Alive header says
    // When a response finishes, Node arms the connection's idle timer (its 'finish' listener runs
    // before ours) with keepAliveTimeout, plus a fixed 1 s on Node 20.20 (measured: a connection
    // advertised 5 s closes after 6 s). Hold it longer than that. Pipelined requests and
    // connections Node closes get no timer, and we leave them alone.
    server.on('request', (req, res) => {
      const socket = req.socket;
      res.once('finish', () => {
        const t = socket.timeout ?? 0;
        if (!socket.destroyed && t >= advertisedMs && t < heldMs) socket.setTimeout(heldMs);
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          new SpanmapError(
            'unavailable',
            e.code === 'EADDRINUSE'
              ? `http: ${this.host}:${this.wantPort} is already in use`
              : `http: cannot listen on ${this.host}:${this.wantPort}: ${e.message}`,
          ),
        ),
      );
      server.listen(this.wantPort, this.host, () => resolve());
    });
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : this.wantPort;
  }

  get url(): string {
    const host = this.host === '0.0.0.0' || this.host === '::' ? '127.0.0.1' : this.host;
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  /**
   * Stops listening and closes every connection once it is idle: at once for idle ones, after
   * their response for the others (they would otherwise be held open for KEEP_ALIVE_HELD_MS).
   */
  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    s.closeIdleConnections();
    const sweep = setInterval(() => s.closeIdleConnections(), 50);
    try {
      await closed;
    } finally {
      clearInterval(sweep);
    }
  }
}
