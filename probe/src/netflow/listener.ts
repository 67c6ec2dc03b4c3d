import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { SpanmapError, type Component, type FlowRecord } from '@spanmap/shared';
import { exporterAddress, formatListenAddress, parseListenAddress } from './address.js';
import { Collector, DEFAULT_COLLECTOR, type CollectorCounters } from './collector.js';
import { KernelDrops } from './kernel-drops.js';
import { TemplateStore } from './template-store.js';
import type { UniFlow } from './types.js';

export interface FlowExportListenerConfig {
  /** HOST:PORT to receive NetFlow on (conventionally 2055). Every socket accepts v5, v9 and IPFIX alike. */
  netflow?: string[];
  /** HOST:PORT to receive IPFIX on (conventionally 4739). */
  ipfix?: string[];
  /** Templates are kept in LMDB under `<dataDir>/netflow-templates` when set. */
  dataDir?: string;
  /** Receive buffer to ask the kernel for, per socket (bytes). */
  recvBufferBytes?: number;
  /** How long a one-direction record waits for its reverse (ms); 0 disables pairing. */
  pairWindowMs?: number;
  maxPending?: number;
  maxScopes?: number;
  /** How often waiting records are checked against the pairing window (ms). */
  expireEveryMs?: number;
}

export interface FlowExportListenerDeps {
  /** The sink: every flow record, once. */
  send(record: FlowRecord): void;
  /** Wall clock (ms); records waiting for their reverse direction expire on it. */
  now?: () => number;
  onUniFlow?: (u: UniFlow) => void;
}

export interface SocketCounters {
  kind: 'netflow' | 'ipfix';
  address: string;
  datagrams: number;
  /** What we asked for and what the kernel granted (Linux reports twice the usable size; capped by net.core.rmem_max). */
  recvBuffer: { requested: number; granted: number };
  /** Datagrams the kernel dropped on this socket (receive buffer full); null where /proc cannot tell. */
  kernelDrops: number | null;
  rxQueueBytes: number | null;
}

export interface ListenerCounters extends CollectorCounters {
  sockets: SocketCounters[];
  templateStore: { path: string; writes: number; writeErrors: number } | null;
}

export interface FlowExportListener extends Component {
  /** Bound addresses (after start), e.g. for port 0. */
  readonly bound: Array<{ kind: 'netflow' | 'ipfix'; host: string; port: number }>;
  counters(): ListenerCounters;
  /** What the sockets do with each datagram; also the way in for tests that need no socket. */
  handleDatagram(msg: Buffer, exporter: string, port?: number): void;
}

export const DEFAULT_RECV_BUFFER = 32 << 20;

interface Bound {
  kind: 'netflow' | 'ipfix';
  socket: Socket;
  host: string;
  port: number;
  requested: number;
  granted: number;
  datagrams: number;
  drops: KernelDrops;
  /** Kernel counters read last (kept after the socket closed). */
  last: { drops: number; rxQueue: number } | null;
  closed: boolean;
}

/** NetFlow/IPFIX receiver: inert until start(); stop() closes the sockets and flushes waiting records. */
export function createFlowExportListener(config: FlowExportListenerConfig, deps: FlowExportListenerDeps): FlowExportListener {
  const now = deps.now ?? Date.now;
  const wanted = [
    ...(config.netflow ?? []).map((a) => ({ kind: 'netflow' as const, addr: parseListenAddress(a, '--netflow') })),
    ...(config.ipfix ?? []).map((a) => ({ kind: 'ipfix' as const, addr: parseListenAddress(a, '--ipfix') })),
  ];
  let store: TemplateStore | null = null;
  const collector = new Collector(
    {
      windowMs: config.pairWindowMs ?? DEFAULT_COLLECTOR.windowMs,
      maxPending: config.maxPending ?? DEFAULT_COLLECTOR.maxPending,
      maxScopes: config.maxScopes ?? DEFAULT_COLLECTOR.maxScopes,
    },
    { send: deps.send, onUniFlow: deps.onUniFlow, templates: { save: (s, d) => store?.save(s, d), remove: (s, id) => store?.remove(s, id) } },
  );
  const sockets: Bound[] = [];
  let timer: NodeJS.Timeout | null = null;
  let started = false;

  const handleDatagram = (msg: Buffer, exporter: string, port = 0) => collector.handle(msg, exporterAddress(exporter), now(), port);

  async function bind(kind: 'netflow' | 'ipfix', host: string, port: number): Promise<Bound> {
    const where = `--${kind} ${formatListenAddress(host, port)}`;
    let ip = host;
    if (!isIP(host)) {
      try {
        ip = (await lookup(host)).address;
      } catch {
        throw new SpanmapError('bad_config', `${where}: unknown host "${host}"`);
      }
    }
    const family = isIP(ip) === 6 ? 6 : 4;
    const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4' });
    const b: Bound = {
      kind,
      socket,
      host: ip,
      port,
      requested: config.recvBufferBytes ?? DEFAULT_RECV_BUFFER,
      granted: 0,
      datagrams: 0,
      drops: new KernelDrops(port, family),
      last: null,
      closed: false,
    };
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (e: NodeJS.ErrnoException) => {
        socket.close();
        reject(bindError(e, where, port));
      });
      socket.bind({ address: ip, port, exclusive: true }, () => resolve());
    });
    socket.on('error', () => {
      // After bind, errors on a UDP socket (ICMP unreachable on send, which we never do) are not fatal.
    });
    socket.on('message', (msg, rinfo) => {
      b.datagrams++;
      handleDatagram(msg, rinfo.address, rinfo.port);
    });
    b.port = socket.address().port;
    b.drops = new KernelDrops(b.port, family);
    // The kernel silently caps the request at net.core.rmem_max: we report what it granted.
    try {
      socket.setRecvBufferSize(b.requested);
    } catch {
      // capped or refused: still report the size in force
    }
    b.granted = socket.getRecvBufferSize();
    return b;
  }

  return {
    get bound() {
      return sockets.map((s) => ({ kind: s.kind, host: s.host, port: s.port }));
    },
    handleDatagram,
    async start() {
      if (started) return;
      started = true;
      if (config.dataDir) {
        store = TemplateStore.open(config.dataDir);
        for (const [scope, defs] of store.load()) collector.restore(scope, defs);
      }
      try {
        for (const w of wanted) sockets.push(await bind(w.kind, w.addr.host, w.addr.port));
      } catch (e) {
        await this.stop();
        throw e;
      }
      const every = config.expireEveryMs ?? 1000;
      timer = setInterval(() => collector.expire(now()), every);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      // Closing a socket discards what the kernel still queues for it: read the queue empty first
      // (bounded), then close, so nothing arrives after the flush.
      const open = sockets.filter((s) => !s.closed);
      const until = Date.now() + 1000;
      while (Date.now() < until && open.some((s) => (kernel(s)?.rxQueue ?? 0) > 0)) await new Promise((r) => setTimeout(r, 2));
      for (const s of open) kernel(s);
      await Promise.all(
        open.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.closed = true;
              s.socket.close(() => resolve());
            }),
        ),
      );
      collector.flush();
      const st = store;
      store = null;
      if (st) await st.close();
    },
    counters() {
      return {
        ...collector.counters,
        sockets: sockets.map((s) => {
          const k = s.closed ? s.last : kernel(s);
          return {
            kind: s.kind,
            address: formatListenAddress(s.host, s.port),
            datagrams: s.datagrams,
            recvBuffer: { requested: s.requested, granted: s.granted },
            kernelDrops: k?.drops ?? null,
            rxQueueBytes: k?.rxQueue ?? null,
          };
        }),
        templateStore: store ? { path: store.path, writes: store.writes, writeErrors: store.writeErrors } : null,
      };
    },
  };
}

/** Reads the socket's kernel counters and keeps them for after it closes. */
function kernel(s: Bound): { drops: number; rxQueue: number } | null {
  const k = s.drops.read();
  if (k) s.last = k;
  return k;
}

function bindError(e: NodeJS.ErrnoException, where: string, port: number): SpanmapError {
  switch (e.code) {
    case 'EADDRINUSE':
      return new SpanmapError('unavailable', `${where}: address already in use (another collector on this port?)`);
    case 'EACCES':
    case 'EPERM':
      return new SpanmapError('unavailable', `${where}: permission denied${port < 1024 ? ' (ports below 1024 need root or CAP_NET_BIND_SERVICE)' : ''}`);
    case 'EADDRNOTAVAIL':
      return new SpanmapError('bad_config', `${where}: not an address of this host`);
    case 'EAFNOSUPPORT':
      return new SpanmapError('bad_config', `${where}: address family not supported on this host`);
    default:
      return new SpanmapError('io', `${where}: ${e.message}`);
  }
}
