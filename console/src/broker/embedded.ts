import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import { SpanmapError } from '@spanmap/shared';

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
}

/**
 * The console's own MQTT broker (aedes, in memory) so a small site needs nothing else. Sessions
 * do not survive a console restart; probes resend whatever was not acknowledged end to end.
 */
export class EmbeddedBroker {
  private aedes: Aedes | null = null;
  private server: Server | null = null;
  port = 0;

  constructor(private readonly opts: EmbeddedBrokerOptions) {}

  async start(): Promise<void> {
    const aedes = await Aedes.createBroker();
    this.aedes = aedes;
    const server = createServer(aedes.handle);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(new SpanmapError('unavailable', e.code === 'EADDRINUSE' ? `broker: ${this.opts.host}:${this.opts.port} is already in use` : `broker: cannot listen on ${this.opts.host}:${this.opts.port}: ${e.message}`)),
      );
      server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : this.opts.port;
  }

  get url(): string {
    const host = this.opts.host === '0.0.0.0' || this.opts.host === '::' ? '127.0.0.1' : this.opts.host;
    return `mqtt://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  async stop(): Promise<void> {
    // Closing the broker drops its client connections, which lets the listening socket close.
    await new Promise<void>((resolve) => (this.aedes ? this.aedes.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
