import { homedir } from 'node:os';
import { join } from 'node:path';
import { isValidProbeId, UsageError, WIRE_VERSION, Lifecycle, type Component, type FlowRecord, type NameObservation } from '@spanmap/shared';
import { ProbeStore, DEFAULT_STORE_OPTIONS } from '../store/probe-store.js';
import { Outbox, DEFAULT_OUTBOX_OPTIONS } from '../store/outbox.js';
import { Publisher, DEFAULT_PUBLISHER_OPTIONS } from './publisher.js';
import { FLAG_NAMES, type SessionOptions } from './options.js';
import type { TlsMaterial } from './tls.js';

export type { SessionOptions } from './options.js';
export const PROBE_VERSION = '0.1.0';

export interface CaptureStatus {
  /** Export packets missing from NetFlow/IPFIX exporters' sequence numbers, when listening. */
  exportLost?: number;
  packets: number;
  drops: number | null;
  ifDrops: number | null;
  decodeErrors: number;
  activeFlows: number;
  emittedFlows: number;
  /** Frames dropped as exact duplicates within the dedup window (when the capture deduplicates). */
  duplicates?: number;
  /** Names learned from the wire, and name-carrying payloads skipped as malformed (when naming is on). */
  names?: { learned: number; errors: number };
}

export interface SessionDeps {
  /** What the probe's retained status message says about its input. */
  capture: () => CaptureStatus;
  log: (msg: string) => void;
  /** Wall clock (ms). */
  now?: () => number;
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
  if (!['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'ws:', 'wss:'].includes(u.protocol))
    throw new UsageError(`--publish: unsupported scheme "${u.protocol}" (use mqtt:// or mqtts://)`);
}

interface Parts {
  store: ProbeStore;
  outbox: Outbox;
  publisher: Publisher;
}

/**
 * The durable path from flow records to the console: store (write-ahead), outbox (summaries as
 * batches), publisher (MQTT with end-to-end acknowledgement). `send` is the flow table's sink.
 * Inert until started: `components` read the TLS files, open the store, connect, and cut
 * summaries, in that order (stopped in reverse); `start()`/`stop()` run them as one.
 */
export class PublishSession {
  readonly dataDir: string;
  readonly components: readonly Component[];
  private readonly lifecycle: Lifecycle;
  private parts: Parts | null = null;
  private tls: TlsMaterial | undefined;
  private startedAt = 0;
  private retentionTimer: NodeJS.Timeout | null = null;
  private readonly now: () => number;

  constructor(
    private readonly opts: SessionOptions,
    private readonly deps: SessionDeps,
  ) {
    if (!isValidProbeId(opts.probeId))
      throw new UsageError(`--probe-id: "${opts.probeId}" is not a valid probe id (letters, digits, ".", "_", "-"; at most 64)`);
    checkBrokerUrl(opts.url);
    this.now = deps.now ?? Date.now;
    this.dataDir = opts.dataDir ?? defaultDataDir(opts.probeId);
    const files = opts.tls;
    this.components = [
      ...(files
        ? [
            {
              // First, so a bad file is one line before the store is created or anything connects.
              name: 'TLS files',
              start: async () => {
                const { readTlsFiles } = await import('./tls.js');
                this.tls = readTlsFiles(files, opts.tlsNames ?? FLAG_NAMES);
              },
              stop: async () => {},
            },
          ]
        : []),
      { name: 'store', start: async () => void (this.parts = this.open()), stop: () => this.running().store.close() },
      { name: 'publisher', start: () => this.running().publisher.start(), stop: () => this.running().publisher.stop() },
      { name: 'outbox', start: () => this.running().outbox.start(), stop: () => this.running().outbox.stop() },
      {
        name: 'retention',
        start: async () => {
          this.retentionTimer = setInterval(() => void this.retention(), 60_000);
          this.retentionTimer.unref();
        },
        stop: async () => {
          if (this.retentionTimer) clearInterval(this.retentionTimer);
          this.retentionTimer = null;
        },
      },
    ];
    this.lifecycle = new Lifecycle(this.components, {}, 'publish');
  }

  private running(): Parts {
    if (!this.parts) throw new Error('publish session: not started');
    return this.parts;
  }

  get store(): ProbeStore {
    return this.running().store;
  }
  get publisher(): Publisher {
    return this.running().publisher;
  }
  get started(): boolean {
    return this.parts !== null;
  }

  /** The flow table's sink: every record goes to the store first. */
  readonly send = (r: FlowRecord): void => this.running().outbox.send(r);

  /** The name observer's sink: learned names go to the store like records, and travel in the batches. */
  readonly sendName = (n: NameObservation): void => this.running().outbox.sendName(n);

  private open(): Parts {
    const o = this.opts;
    this.startedAt = this.now();
    const store = ProbeStore.open({ dir: this.dataDir, ...DEFAULT_STORE_OPTIONS, ...o.store });
    const outbox = new Outbox(store, {
      probeId: o.probeId,
      ...DEFAULT_OUTBOX_OPTIONS,
      ...(o.intervalMs ? { intervalMs: o.intervalMs } : {}),
      ...(o.maxEntriesPerBatch ? { maxEntriesPerBatch: o.maxEntriesPerBatch } : {}),
    });
    const caFile = o.tls?.ca;
    const publisher = new Publisher(
      {
        url: o.url,
        probeId: o.probeId,
        ...DEFAULT_PUBLISHER_OPTIONS,
        ...o.publisher,
        ...(this.tls ? { tls: this.tls } : {}),
        ...(caFile !== undefined ? { caFrom: { name: (o.tlsNames ?? FLAG_NAMES).ca, file: caFile } } : {}),
        ...(o.username !== undefined ? { username: o.username } : {}),
        ...(o.password !== undefined ? { password: o.password } : {}),
      },
      { store, log: this.deps.log, now: this.now, status: () => this.status(store) },
    );
    outbox.onBatches = publisher.wake;
    return { store, outbox, publisher };
  }

  private status(store: ProbeStore) {
    const c = this.deps.capture();
    return {
      v: WIRE_VERSION,
      probe: this.opts.probeId,
      version: PROBE_VERSION,
      epoch: store.epoch,
      startedAt: this.startedAt,
      uptimeSec: Math.round((this.now() - this.startedAt) / 1000),
      capture: {
        packets: c.packets,
        drops: c.drops,
        ifDrops: c.ifDrops,
        decodeErrors: c.decodeErrors,
        ...(c.duplicates !== undefined ? { duplicates: c.duplicates } : {}),
      },
      ...(c.names ? { names: c.names } : {}),
      flows: { active: c.activeFlows, emitted: c.emittedFlows },
      ...(c.exportLost !== undefined ? { exporters: { lostPackets: c.exportLost } } : {}),
    };
  }

  private async retention(): Promise<void> {
    const r = await this.running().store.enforceRetention(this.now());
    if (r.droppedBatches > 0)
      this.deps.log(
        `disk budget exceeded: dropped ${r.droppedBatches} unsent batches (${r.droppedRecords} records); the console will see the gap in this probe's status`,
      );
  }

  async start(): Promise<void> {
    await this.lifecycle.start();
  }

  /** Cuts the last summaries and waits until the console has acknowledged every batch. */
  async drain(onWait?: (backlog: number) => void): Promise<void> {
    const { outbox, publisher, store } = this.running();
    await outbox.stop();
    const timer = onWait ? setInterval(() => onWait(store.backlog().batches), 500) : null;
    try {
      await publisher.drained();
    } finally {
      if (timer) clearInterval(timer);
    }
  }

  /** The last summaries go to the store; unacknowledged batches wait there for the next start. */
  async stop(): Promise<void> {
    await this.lifecycle.stop();
  }
}
