import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Aedes, type Connection } from 'aedes';
import { SpanmapError } from '@spanmap/shared';
import { RateLimitedLog } from '../util/rate-limited-log.js';
import { BrokerSecurity, newCounters, peer, type BrokerCounters } from './security.js';
import { validateUsers, type MqttUser } from './users.js';
import { loadBrokerTls, describeTlsError, type BrokerTlsFiles } from './tls.js';

export type { MqttUser } from './users.js';
export type { BrokerTlsFiles } from './tls.js';
export type { BrokerCounters } from './security.js';

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  /**
   * Per-probe credentials (username = probe id). Absent or empty: the broker is open (anonymous
   * clients may publish and subscribe to anything). Otherwise every client must authenticate as a
   * probe and is held to its own topics.
   */
  users?: readonly MqttUser[];
  /** Serve mqtts (TLS) instead of plain MQTT on host:port. */
  tls?: BrokerTlsFiles;
  /** Where refusals are reported (rate-limited). Default: nowhere. */
  log?: (line: string) => void;
}

/** The username of the console's own subscriber: "$" keeps it apart from every probe id. */
const CONSOLE_USERNAME = '$console';

/**
 * The console's own MQTT broker (aedes, in memory) so a small site needs nothing else. Sessions
 * do not survive a console restart; probes resend whatever was not acknowledged end to end.
 *
 * It listens twice: on host:port for probes (plain MQTT or TLS), and on a Unix socket in a private
 * temporary directory (mode 0700) for the console's own subscriber, which authenticates with a
 * credential made here at random and never shown (`internalClient`). That credential is accepted
 * only on the private socket, and probe credentials only on the public listener.
 */
export class EmbeddedBroker {
  private aedes: Aedes | null = null;
  private server: Server | null = null;
  private internalServer: Server | null = null;
  private socketDir: string | null = null;
  private readonly internalConns = new WeakSet<Connection>();
  private readonly users: MqttUser[];
  private readonly consoleCredential = { username: CONSOLE_USERNAME, password: randomBytes(32).toString('base64url') };
  private readonly log: RateLimitedLog;
  readonly counters: BrokerCounters = newCounters();
  port = 0;

  constructor(private readonly opts: EmbeddedBrokerOptions) {
    this.users = validateUsers(opts.users ?? [], 'broker users');
    this.log = new RateLimitedLog(opts.log ?? (() => {}));
  }

  /** Credentials are configured: anonymous clients are refused and probes are held to their topics. */
  get secured(): boolean {
    return this.users.length > 0;
  }

  async start(): Promise<void> {
    try {
      await this.open();
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  private async open(): Promise<void> {
    const write = this.opts.log ?? (() => {});
    const tls = this.opts.tls ? loadBrokerTls(this.opts.tls) : null;
    tls?.warnings.forEach((w) => write(w));
    const security = new BrokerSecurity({
      users: this.users,
      console: this.consoleCredential,
      clientCertRequired: tls?.clientCertRequired ?? false,
      isInternal: (conn) => this.internalConns.has(conn),
      log: this.log,
      counters: this.counters,
    });
    const aedes = await Aedes.createBroker(security.hooks());
    this.aedes = aedes;

    // The console's private way in: a Unix socket only this user can reach.
    this.socketDir = mkdtempSync(join(tmpdir(), 'spanmap-broker-'));
    const socketPath = join(this.socketDir, 'mqtt.sock');
    const internal = createServer((s) => {
      this.internalConns.add(s);
      aedes.handle(s);
    });
    this.internalServer = internal;
    await listen(internal, socketPath, `broker: cannot listen on ${socketPath}`);
    chmodSync(socketPath, 0o600);

    const handle = (s: Socket) => aedes.handle(s);
    const server = tls ? createTlsServer(tls.options, handle) : createServer(handle);
    if (tls) {
      // Read the peer address while the TCP socket is open: Node caches it, so a handshake that
      // fails after the client hung up can still say who it was.
      server.on('connection', (raw: Socket) => void raw.remoteAddress);
      server.on('tlsClientError', (e: Error & { code?: string }, socket: Socket) => {
        this.counters.tlsFailures++;
        const why = describeTlsError(e);
        this.log.log(`tls:${why}`, `broker: TLS handshake with ${peer(socket)} failed: ${why}`);
      });
    }
    this.server = server;
    const where = `${this.opts.host}:${this.opts.port}`;
    await listen(server, { port: this.opts.port, host: this.opts.host }, `broker: cannot listen on ${where}`, `broker: ${where} is already in use`);
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : this.opts.port;
    if (!this.secured && !isLoopback(this.opts.host)) {
      write(`broker: no MQTT users configured: anyone who reaches ${where} may publish as any probe (set SPANMAP_MQTT_USERS)`);
    }
  }

  get url(): string {
    const host = this.opts.host === '0.0.0.0' || this.opts.host === '::' ? '127.0.0.1' : this.opts.host;
    return `${this.opts.tls ? 'mqtts' : 'mqtt'}://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  /**
   * How the console's own subscriber connects: the private socket (known once started) and its
   * credential, which has the console's rights (subscribe to every probe's flows and status, publish
   * acknowledgements). Never log the password.
   */
  get internalClient(): { url: string; username: string; password: string } {
    return { url: this.socketDir ? `mqtt+unix://${join(this.socketDir, 'mqtt.sock')}` : '', ...this.consoleCredential };
  }

  /** For /metrics: connected clients (the console's own included) and refusals by reason. */
  stats(): { clients: number; refused: Record<string, number> } {
    const c = this.counters;
    return {
      clients: this.aedes?.connectedClients ?? 0,
      refused: { ...c.authFailuresByReason, publish: c.publishDenied, subscribe: c.subscribeDenied, tls: c.tlsFailures },
    };
  }

  async stop(): Promise<void> {
    // Closing the broker drops its client connections, which lets the listening sockets close.
    await new Promise<void>((resolve) => (this.aedes ? this.aedes.close(() => resolve()) : resolve()));
    for (const s of [this.server, this.internalServer]) await new Promise<void>((resolve) => (s?.listening ? s.close(() => resolve()) : resolve()));
    if (this.socketDir) rmSync(this.socketDir, { recursive: true, force: true });
    this.socketDir = null;
  }
}

function listen(server: Server, where: string | { port: number; host: string }, what: string, inUse?: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new SpanmapError('unavailable', e.code === 'EADDRINUSE' && inUse ? inUse : `${what}: ${e.message}`)),
    );
    if (typeof where === 'string') server.listen(where, () => resolve());
    else server.listen(where.port, where.host, () => resolve());
  });
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
