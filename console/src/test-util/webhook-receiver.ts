import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from '../sinks/webhook-format.js';

export interface Received {
  path: string;
  ids: string[];
  body: string;
  signed: boolean;
  /** Answered with a 2xx (the sender may still not have read the answer). */
  status: number;
  at: number;
}

/**
 * A real HTTP server standing in for a webhook receiver (tests): checks each POST's signature,
 * records what arrived and answers `status` (200 by default). down() closes the port, up() opens
 * the same one again; `hold` lets a test act while a request waits for its answer.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  status = 200;
  hold: ((r: Received) => Promise<void> | void) | null = null;
  private server: http.Server | null = null;
  port = 0;

  constructor(private readonly secret: string) {}

  async up(port = this.port): Promise<this> {
    const s = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let ids: string[] = [];
        try {
          ids = (JSON.parse(body) as { alerts: Array<{ id: string }> }).alerts.map((a) => a.id);
        } catch {
          // not ours: recorded without ids
        }
        const r: Received = {
          path: req.url ?? '',
          ids,
          body,
          signed: verifySignature(this.secret, body, req.headers['x-spanmap-signature'] as string | undefined),
          status: this.status,
          at: Date.now(),
        };
        this.received.push(r);
        void Promise.resolve(this.hold?.(r)).then(() => {
          res.writeHead(r.status, { 'content-type': 'text/plain' });
          res.end('ok');
        });
      });
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = s;
    this.port = (s.address() as AddressInfo).port;
    return this;
  }

  async down(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Alert ids of the requests answered with a 2xx, in arrival order. */
  acknowledged(path?: string): string[] {
    return this.received.filter((r) => r.status >= 200 && r.status < 300 && (!path || r.path === path)).flatMap((r) => r.ids);
  }
}
