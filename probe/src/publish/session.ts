import { homedir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { isValidProbeId, UsageError, SpanmapError, WIRE_VERSION, errorLine } from '@spanmap/shared';
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
  /** PEM files for mqtts:// (read and checked when the session is created). */
  tls?: TlsFiles;
  /** How errors name the TLS files (default: the flags --ca, --cert, --key). */
  tlsNames?: TlsNames;
}

/** A CA to trust the broker with, and optionally this probe's client certificate and key (paths). */
export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
}

/** What names each file in errors: the command-line flags, or the config keys (publish.ca, ...). */
export type TlsNames = Record<keyof TlsFiles, string>;
const FLAG_NAMES: TlsNames = { ca: '--ca', cert: '--cert', key: '--key' };

/** --ca/--cert/--key from the command line, checked against the URL; undefined when none is given. */
export function tlsFromFlags(url: string, values: { ca?: string | undefined; cert?: string | undefined; key?: string | undefined }): TlsFiles | undefined {
  const files: TlsFiles = {
    ...(values.ca !== undefined ? { ca: values.ca } : {}),
    ...(values.cert !== undefined ? { cert: values.cert } : {}),
    ...(values.key !== undefined ? { key: values.key } : {}),
  };
  if (Object.keys(files).length === 0) return undefined;
  if ((files.cert === undefined) !== (files.key === undefined)) throw new UsageError('--cert and --key go together (a client certificate and its private key)');
  if (!/^(mqtts|wss|ssl|tls):/.test(url)) throw new UsageError(`--ca, --cert and --key are for TLS: use an mqtts:// URL (got "${url.split('://')[0]}://")`);
  readTlsFiles(files, FLAG_NAMES); // fail now, naming the flag
  return files;
}

/** Reads the PEM files; a missing file, a non-PEM file or a key that does not fit its certificate is one line naming it. */
export function readTlsFiles(files: TlsFiles, names: TlsNames = FLAG_NAMES): NonNullable<PublisherOptions['tls']> {
  const read = (k: keyof TlsFiles): Buffer | undefined => {
    const f = files[k];
    if (f === undefined) return undefined;
    try {
      return readFileSync(f);
    } catch (e) {
      const line = errorLine(e);
      throw new SpanmapError('bad_config', `${names[k]}: ${line.startsWith(f) ? line : `${f}: ${line}`}`);
    }
  };
  const ca = read('ca');
  const cert = read('cert');
  const key = read('key');
  for (const [k, pem] of [
    ['ca', ca],
    ['cert', cert],
  ] as const) {
    if (!pem) continue;
    try {
      new X509Certificate(pem);
    } catch {
      throw new SpanmapError('bad_config', `${names[k]}: ${files[k]} is not a PEM certificate`);
    }
  }
  if (cert && key) {
    let ok: boolean;
    try {
      ok = new X509Certificate(cert).checkPrivateKey(createPrivateKey(key));
    } catch {
      throw new SpanmapError('bad_config', `${names.key}: ${files.key} is not an unencrypted PEM private key`);
    }
    if (!ok) throw new SpanmapError('bad_config', `${names.key}: ${files.key} is not the key of the certificate ${files.cert}`);
  }
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
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
  if (!['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'ws:', 'wss:'].includes(u.protocol))
    throw new UsageError(`--publish: unsupported scheme "${u.protocol}" (use mqtt:// or mqtts://)`);
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

  constructor(
    opts: SessionOptions,
    capture: () => CaptureStatus,
    private readonly log: (msg: string) => void,
  ) {
    if (!isValidProbeId(opts.probeId))
      throw new UsageError(`--probe-id: "${opts.probeId}" is not a valid probe id (letters, digits, ".", "_", "-"; at most 64)`);
    checkBrokerUrl(opts.url);
    const tls = opts.tls ? readTlsFiles(opts.tls, opts.tlsNames) : undefined;
    this.dataDir = opts.dataDir ?? defaultDataDir(opts.probeId);
    this.store = ProbeStore.open({ dir: this.dataDir, ...DEFAULT_STORE_OPTIONS, ...opts.store });
    this.outbox = new Outbox(this.store, {
      probeId: opts.probeId,
      ...DEFAULT_OUTBOX_OPTIONS,
      ...(opts.intervalMs ? { intervalMs: opts.intervalMs } : {}),
      ...(opts.maxEntriesPerBatch ? { maxEntriesPerBatch: opts.maxEntriesPerBatch } : {}),
    });
    this.publisher = new Publisher(
      {
        url: opts.url,
        probeId: opts.probeId,
        ...DEFAULT_PUBLISHER_OPTIONS,
        ...opts.publisher,
        ...(tls ? { tls } : {}),
        ...(opts.username !== undefined ? { username: opts.username } : {}),
        ...(opts.password !== undefined ? { password: opts.password } : {}),
      },
      {
        store: this.store,
        log,
        status: () => {
          const c = capture();
          return {
            v: WIRE_VERSION,
            probe: opts.probeId,
            version: PROBE_VERSION,
            epoch: this.store.epoch,
            startedAt: this.startedAt,
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
    if (r.droppedBatches > 0)
      this.log(
        `disk budget exceeded: dropped ${r.droppedBatches} unsent batches (${r.droppedRecords} records); the console will see the gap in this probe's status`,
      );
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
