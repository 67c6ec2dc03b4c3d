import { describe, it, expect, afterEach } from 'vitest';
import { connect, type Socket } from 'node:net';
import { Hono } from 'hono';
import { HttpServer } from './server.js';

/*
 * Keep-alive as a busy client sees it, over a raw socket (no client pool deciding for us): a
 * request sent on a connection that has been idle past what the server advertised must still be
 * answered, and stop() must not wait for idle connections to time out.
 */

/** A raw HTTP/1.1 connection: send a request, read one response (headers and Content-Length body). */
class Conn {
  private buf = '';
  closed = false;
  private waiters: Array<() => void> = [];
  constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buf += d;
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }
  static open(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new Conn(s)));
      s.once('error', reject);
    });
  }
  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
  private next(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }
  /** The response, or null when the server closed the connection before answering. */
  async get(path: string): Promise<{ status: number; headers: string; body: string } | null> {
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: test\r\n\r\n`);
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end >= 0) {
        const headers = this.buf.slice(0, end);
        const len = Number(/^content-length: (\d+)/im.exec(headers)?.[1] ?? 0);
        if (this.buf.length >= end + 4 + len) {
          const body = this.buf.slice(end + 4, end + 4 + len);
          this.buf = this.buf.slice(end + 4 + len);
          return { status: Number(headers.split(' ')[1]), headers, body };
        }
      }
      if (this.closed) return null;
      await this.next();
    }
  }
  async untilClosed(): Promise<void> {
    while (!this.closed) await this.next();
  }
}

const servers: HttpServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

async function serve(app: Hono, keepAlive = { advertisedMs: 1000, heldMs: 30_000 }): Promise<HttpServer> {
  const s = new HttpServer(app, '127.0.0.1', 0, keepAlive);
  servers.push(s);
  await s.start();
  return s;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('HttpServer keep-alive', () => {
  it('answers a request sent after the advertised idle timeout, on the same connection', async () => {
    const app = new Hono().get('/x', (c) => c.json({ ok: true }));
    const s = await serve(app);
    const conn = await Conn.open(s.port);
    const first = await conn.get('/x');
    expect(first?.status).toBe(200);
    expect(first?.headers).toMatch(/^keep-alive: timeout=1$/im); // what a client is told
    // A client busy past that (its own timer never ran), still holding the connection; Node alone
    // would have closed it 1 s after the advertised time.
    await sleep(2600);
    const second = await conn.get('/x');
    expect(second).toEqual(expect.objectContaining({ status: 200, body: '{"ok":true}' }));
    conn.socket.destroy();
  });

  it('still closes a connection idle past the time it really holds them', async () => {
    const s = await serve(
      new Hono().get('/x', (c) => c.text('x')),
      { advertisedMs: 1000, heldMs: 3000 },
    );
    const conn = await Conn.open(s.port);
    expect((await conn.get('/x'))?.status).toBe(200);
    await sleep(2400); // past Node's own close (advertised + 1 s): still open
    expect(conn.closed).toBe(false);
    await conn.untilClosed(); // and closed by the server (the test times out otherwise)
  });

  it('stop() closes idle connections at once, and busy ones right after their response', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const app = new Hono()
      .get('/x', (c) => c.text('x'))
      .get('/slow', async (c) => {
        await gate;
        return c.text('slow answer');
      });
    const s = await serve(app, { advertisedMs: 1000, heldMs: 600_000 });
    const idle = await Conn.open(s.port);
    expect((await idle.get('/x'))?.status).toBe(200);
    const busy = await Conn.open(s.port);
    const pending = busy.get('/slow');
    await sleep(100);
    servers.splice(0); // stopped here, not by afterEach
    const stopped = s.stop();
    await idle.untilClosed();
    release();
    expect(await pending).toEqual(expect.objectContaining({ status: 200, body: 'slow answer' })); // the answer is whole
    await busy.untilClosed();
    await stopped; // long before the 600 s the connection would otherwise be held
  });
});
