import { spanmapProc, waitFor, type Proc } from './procs.js';

/** An edge's identity, as the tests compare the console's edges with the generator's truth. */
export const edgeKey = (e: { src: string; dst: string; proto: number; port: number }) => `${e.src}|${e.dst}|${e.proto}|${e.port}`;

export const TOKEN = 'test-token-0123456789abcdef';

/** A console process on the given ports, and a small authenticated API client. */
export class ConsoleProc {
  proc!: Proc;
  constructor(
    readonly dataDir: string,
    readonly httpPort: number,
    readonly mqtt: { broker?: number; url?: string },
    readonly env: NodeJS.ProcessEnv = {},
    readonly extra: string[] = [],
  ) {}

  /** `timeoutMs`: how long /health may take (a console with a shared store catches up first). */
  async start(timeoutMs = 20_000): Promise<this> {
    const args = ['console', '--data', this.dataDir, '--http', `127.0.0.1:${this.httpPort}`];
    if (this.mqtt.url) args.push('--mqtt', this.mqtt.url);
    else args.push('--broker', `127.0.0.1:${this.mqtt.broker}`);
    args.push(...this.extra);
    this.proc = spanmapProc(args, { SPANMAP_API_TOKEN: TOKEN, ...this.env });
    await waitFor('the console to serve /health', async () => (await fetch(`http://127.0.0.1:${this.httpPort}/api/v1/health`)).ok, timeoutMs, 200);
    return this;
  }

  /** `probe read FILE --publish` into this console's embedded broker; resolves once everything is acknowledged. */
  async publish(file: string, probeId: string, dataDir: string): Promise<void> {
    const p = spanmapProc(['probe', 'read', file, '--publish', `mqtt://127.0.0.1:${this.mqtt.broker}`, '--probe-id', probeId, '--data', dataDir]);
    const code = await p.exited;
    if (code !== 0) throw new Error(`probe read --publish ${file} exited ${code}: ${p.err}`);
  }

  async api<T = unknown>(path: string, init: RequestInit = {}): Promise<T> {
    const r = await fetch(`http://127.0.0.1:${this.httpPort}/api/v1${path}`, {
      ...init,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
    });
    const body = await r.json();
    if (!r.ok) throw new Error(`${path}: ${r.status} ${JSON.stringify(body)}`);
    return body as T;
  }

  async probe(id: string): Promise<{ flows: number; packets: number; bytes: number; batches: number; duplicateBatches: number } | undefined> {
    const list = await this.api<Array<{ id: string; flows: number; packets: number; bytes: number; batches: number; duplicateBatches: number }>>('/probes');
    return list.find((p) => p.id === id);
  }
}
