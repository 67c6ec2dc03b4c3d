import { homedir } from 'node:os';
import { join } from 'node:path';
import { isValidProbeId, UsageError, WIRE_VERSION } from '@spanmap/shared';
import { ProbeStore, DEFAULT_STORE_OPTIONS, type StoreOptions } from '../store/probe-store.js';
import { Outbox, DEFAULT_OUTBOX_OPTIONS } from '../store/outbox.js';
import { Publisher, DEFAULT_PUBLISHER_OPTIONS, type PublisherOptions } from './publisher.js';

export const PROBE_VERSION = '0.1.0';

export interface SessionOptions {
  url: string;
  probeId: string;
  dataDir?: string;
  username?: string;
  password?: string;
  intervalMs?: number;
  maxEntriesPerBatch?: number;
  store?: Partial<StoreOptions>;
  publisher?: Partial<PublisherOptions>;
}

export interface CaptureStatus {
  /** Export packets missing from NetFlow/IPFIX exporters' sequence numbers, when listening. */
  exportLost?: number;
  packets: number;
  drops: number | null;
  ifDrops: number | null;
  decodeErrors: number;
  activeFlows: number;
  emittedFlows: number;
}

/** Where a probe keeps its store by default: the XDG state directory. */
export function defaultDataDir(probeId: string): string {
  const base = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(base, 'spanmap', `probe-${probeId}`);
}

export function checkBrokerUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--publish: "${url}" is not a URL (expected mqtt://HOST:PORT or mqtts://HOST:PORT)`);
  }
  if (!['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'ws:', 'wss:'].includes(u.protocol)) throw new UsageError(`--publish: unsupported scheme "${u.protocol}" (use mqtt:// or mqtts://)`);
}

/**
 * The durable path from flow records to the console: store (write-ahead), outbox (summaries as
 * batches), publisher (MQTT with end-to-end acknowledgement). `send` is the flow table's sink.
 */
export class PublishSession {
  readonly store: ProbeStore;
  readonly outbox: Outbox;
  readonly publisher: Publisher;
  readonly dataDir: string;
  private readonly startedAt = Date.now();
  private retentionTimer: NodeJS.Timeout | null = null;

  constructor(opts: SessionOptions, capture: () => CaptureStatus, private readonly log: (msg: string) => void) {
    if (!isValidProbeId(opts.probeId)) throw new UsageError(`--probe-id: "${opts.probeId}" is not a valid probe id (letters, digits, ".", "_", "-"; at most 64)`);
    checkBrokerUrl(opts.url);
    this.dataDir = opts.dataDir ?? defaultDataDir(opts.probeId);
    this.store = ProbeStore.open({ dir: this.dataDir, ...DEFAULT_STORE_OPTIONS, ...opts.store });
    this.outbox = new Outbox(this.store, {
      probeId: opts.probeId,
      ...DEFAULT_OUTBOX_OPTIONS,
      ...(opts.intervalMs ? { intervalMs: opts.intervalMs } : {}),
      ...(opts.maxEntriesPerBatch ? { maxEntriesPerBatch: opts.maxEntriesPerBatch } : {}),
    });
    this.publisher = new Publisher(
      { url: opts.url, probeId: opts.probeId, ...DEFAULT_PUBLISHER_OPTIONS, ...opts.publisher, ...(opts.username !== undefined ? { username: opts.username } : {}), ...(opts.password !== undefined ? { password: opts.password } : {}) },
      {
        store: this.store,
        log,
        status: () => {
          const c = capture();
          return {
            v: WIRE_VERSION, probe: opts.probeId, version: PROBE_VERSION, epoch: this.store.epoch, startedAt: this.startedAt,
            uptimeSec: Math.round((Date.now() - this.startedAt) / 1000),
            capture: { packets: c.packets, drops: c.drops, ifDrops: c.ifDrops, decodeErrors: c.decodeErrors },
            flows: { active: c.activeFlows, emitted: c.emittedFlows },
            ...(c.exportLost !== undefined ? { exporters: { lostPackets: c.exportLost } } : {}),
          };
        },
      },
    );
    this.outbox.onBatches = this.publisher.wake;
  }

  readonly send = (r: Parameters<Outbox['send']>[0]) => this.outbox.send(r);

  async start(): Promise<void> {
    await this.outbox.start();
    await this.publisher.start();
    this.retentionTimer = setInterval(() => void this.retention(), 60_000);
    this.retentionTimer.unref();
  }

  private async retention(): Promise<void> {
    const r = await this.store.enforceRetention(Date.now());
    if (r.droppedBatches > 0) this.log(`disk budget exceeded: dropped ${r.droppedBatches} unsent batches (${r.droppedRecords} records); the console will see the gap in this probe's status`);
  }

  /** Cuts the last summaries and waits until the console has acknowledged every batch. */
  async drain(onWait?: (backlog: number) => void): Promise<void> {
    await this.outbox.stop();
    const timer = onWait ? setInterval(() => onWait(this.store.backlog().batches), 500) : null;
    try {
      await this.publisher.drained();
    } finally {
      if (timer) clearInterval(timer);
    }
  }

  async stop(): Promise<void> {
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    await this.outbox.stop();
    await this.publisher.stop();
    await this.store.close();
  }
}
