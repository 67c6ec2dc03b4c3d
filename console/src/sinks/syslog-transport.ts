import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { hostname as machineName } from 'node:os';
import type { SyslogSink } from './types.js';
import type { AlertMessage } from './message.js';
import { octetFrame, syslogMessage, UDP_MAX } from './syslog-format.js';
import { SinkError } from './backoff.js';

/** Sends messages somewhere; throws (a SinkError or a network error) when they did not get there. */
export interface Transport {
  send(messages: AlertMessage[], signal: AbortSignal): Promise<void>;
  close(): void;
}

/**
 * Syslog over UDP (one message per datagram), TCP or TLS (one connection kept open, RFC 6587
 * octet-counted frames). A message counts as delivered once the kernel has taken it: UDP has no
 * acknowledgement at all (a receiver that is down loses what is sent, and Node reports no error
 * for it: measured), and TCP loses what was written between the receiver's death and this side
 * noticing (README "Alerts", limits).
 */
export class SyslogTransport implements Transport {
  private udp: dgram.Socket | null = null;
  private stream: net.Socket | null = null;
  private readonly header;

  constructor(private readonly cfg: SyslogSink) {
    this.header = { facility: cfg.facility, appName: cfg.appName, hostname: cfg.hostname || machineName(), procId: String(process.pid) };
  }

  async send(messages: AlertMessage[], signal: AbortSignal): Promise<void> {
    if (this.cfg.transport === 'udp') {
      const s = await this.udpSocket(signal);
      for (const m of messages) {
        const line = Buffer.from(syslogMessage(m, this.header, UDP_MAX));
        await new Promise<void>((resolve, reject) => s.send(line, (e) => (e ? reject(e) : resolve())));
      }
      return;
    }
    const s = await this.connection(signal);
    const data = Buffer.concat(messages.map((m) => octetFrame(syslogMessage(m, this.header))));
    // A receiver that stops reading fills the socket buffers and the write never completes: the
    // timeout (and stop()) give up on the connection; what it held is sent again on a new one.
    await this.bounded<void>(signal, (ok, fail) => {
      s.once('error', fail);
      s.write(data, (e) => {
        s.off('error', fail);
        if (e) fail(e);
        else ok();
      });
    }).catch((e: unknown) => {
      s.destroy();
      throw e;
    });
  }

  private udpSocket(signal: AbortSignal): Promise<dgram.Socket> {
    if (this.udp) return Promise.resolve(this.udp);
    const s = dgram.createSocket(net.isIPv6(this.cfg.host) ? 'udp6' : 'udp4');
    return this.bounded<dgram.Socket>(signal, (ok, fail) => {
      s.once('error', fail);
      s.connect(this.cfg.port, this.cfg.host, () => {
        s.off('error', fail);
        // An error on the socket (a local one: there is no answer over UDP): made anew next time.
        s.on('error', () => this.dropUdp(s));
        this.udp = s;
        ok(s);
      });
    }).catch((e: unknown) => {
      s.close();
      throw e;
    });
  }

  private dropUdp(s: dgram.Socket): void {
    if (this.udp === s) this.udp = null;
    try {
      s.close();
    } catch {
      // closed already
    }
  }

  private connection(signal: AbortSignal): Promise<net.Socket> {
    const cur = this.stream;
    if (cur && !cur.destroyed && cur.writable && !cur.readableEnded) return Promise.resolve(cur);
    this.stream = null;
    const { host, port } = this.cfg;
    const t = this.cfg.tls;
    const s: net.Socket = t
      ? tls.connect({
          host,
          port,
          ...(net.isIP(host) ? {} : { servername: host }),
          ...(t.ca ? { ca: t.ca } : {}),
          ...(t.cert ? { cert: t.cert } : {}),
          ...(t.key ? { key: t.key } : {}),
        })
      : net.connect({ host, port });
    return this.bounded<net.Socket>(signal, (ok, fail) => {
      s.once('error', fail);
      s.once(t ? 'secureConnect' : 'connect', () => {
        s.off('error', fail);
        s.setNoDelay(true);
        s.setKeepAlive(true, 30_000);
        // The receiver never talks back; reading lets us notice when it closes the connection.
        s.on('data', () => {});
        s.on('error', () => s.destroy());
        s.on('close', () => {
          if (this.stream === s) this.stream = null;
        });
        this.stream = s;
        ok(s);
      });
    }).catch((e: unknown) => {
      s.destroy();
      throw e;
    });
  }

  /** Runs `start` (a connection, or a write) with the sink's timeout and the stop signal. */
  private bounded<T>(signal: AbortSignal, start: (ok: (v: T) => void, fail: (e: Error) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => done(new SinkError('timeout', `no connection to ${this.cfg.host}:${this.cfg.port} within ${this.cfg.timeoutMs} ms`)),
        this.cfg.timeoutMs,
      );
      const onAbort = () => done(new SinkError('stopped', 'stopped'));
      signal.addEventListener('abort', onAbort, { once: true });
      let settled = false;
      const done = (e: Error | null, v?: T) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (e) reject(e);
        else resolve(v as T);
      };
      start(
        (v) => done(null, v),
        (e) => done(e),
      );
    });
  }

  close(): void {
    if (this.udp) this.dropUdp(this.udp);
    this.stream?.end();
    this.stream = null;
  }
}
