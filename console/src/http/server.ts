import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import { SpanmapError } from '@spanmap/shared';

/** Serves a Hono app on host:port; inert until start(). */
export class HttpServer {
  private server: Server | null = null;
  port = 0;

  constructor(
    private readonly app: { fetch: Parameters<typeof createAdaptorServer>[0]['fetch'] },
    private readonly host: string,
    private readonly wantPort: number,
  ) {}

  async start(): Promise<void> {
    const server = createAdaptorServer({ fetch: this.app.fetch, hostname: this.host }) as Server;
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

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeIdleConnections?.();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
