import { numberOption, UsageError } from '@spanmap/shared';
import type { PublishConfig } from '../config.js';
import type { StoreOptions } from '../store/probe-store.js';
import type { PublisherOptions } from './publisher.js';

// The one place where what the user gave — `probe read --publish`/`probe send` flags, or the
// `publish` section of `probe run`'s configuration — becomes the options of a PublishSession.
// Light on purpose: it loads neither mqtt nor lmdb, so `probe read` without --publish never does.

/** A CA to trust the broker with, and optionally this probe's client certificate and key (paths). */
export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
}

/** What names each TLS file in error lines: the flag or the config key the user gave it with. */
export type TlsNames = Record<keyof TlsFiles, string>;
export const FLAG_NAMES: TlsNames = { ca: '--ca', cert: '--cert', key: '--key' };
export const CONFIG_NAMES: TlsNames = { ca: 'publish.ca', cert: 'publish.cert', key: 'publish.key' };

export interface SessionOptions {
  url: string;
  probeId: string;
  dataDir?: string;
  username?: string;
  password?: string;
  intervalMs?: number;
  maxEntriesPerBatch?: number;
  store?: Partial<StoreOptions>;
  publisher?: Partial<Omit<PublisherOptions, 'tls' | 'tlsNames'>>;
  /** PEM files for mqtts:// (read and checked when the session starts, before anything connects). */
  tls?: TlsFiles;
  /** How errors name the TLS files (default: the flags --ca, --cert, --key). */
  tlsNames?: TlsNames;
}

/** The publishing flags of `probe read` and `probe send` (absent: not given). */
export interface PublishFlags {
  publish: string;
  'probe-id': string;
  data?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  interval?: string | undefined;
  'ack-timeout'?: string | undefined;
  'batch-entries'?: string | undefined;
  inflight?: string | undefined;
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
}

export type PublishSource =
  | { flags: PublishFlags; env?: NodeJS.ProcessEnv }
  /** `probe run`: the validated publish section (files resolved, SPANMAP_MQTT_PASSWORD applied), the probe id and its store. */
  | { config: PublishConfig; probeId: string; store: { dir: string; maxAgeDays: number; maxBytes: number } };

const some = <T extends object>(o: T): T | undefined => (Object.keys(o).length > 0 ? o : undefined);
/** The entries that are set (neither undefined nor null). */
const defined = <T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined | null> } =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as never;

/** The session options for what the user gave; a flag that makes no sense is a UsageError naming it. */
export function publishOptions(src: PublishSource): SessionOptions {
  if ('config' in src) {
    const c = src.config;
    const tls = some(defined({ ca: c.ca, cert: c.cert, key: c.key }));
    return {
      url: c.url,
      probeId: src.probeId,
      dataDir: src.store.dir,
      ...defined({ username: c.username, password: c.password }),
      intervalMs: c.interval * 1000,
      store: { maxAgeMs: src.store.maxAgeDays * 86_400_000, maxBytes: src.store.maxBytes },
      publisher: { inflight: c.inflight },
      ...(tls ? { tls, tlsNames: CONFIG_NAMES } : {}),
    };
  }
  const f = src.flags;
  const tls = some(defined({ ca: f.ca, cert: f.cert, key: f.key }));
  if (tls) {
    if ((tls.cert === undefined) !== (tls.key === undefined)) throw new UsageError('--cert and --key go together (a client certificate and its private key)');
    if (!/^(mqtts|wss|ssl|tls):/.test(f.publish))
      throw new UsageError(`--ca, --cert and --key are for TLS: use an mqtts:// URL (got "${f.publish.split('://')[0]}://")`);
  }
  const publisher = defined({
    ackTimeoutMs: f['ack-timeout'] === undefined ? undefined : numberOption(f['ack-timeout'], '--ack-timeout', 30, { min: 0.1 }) * 1000,
    inflight: f.inflight === undefined ? undefined : numberOption(f.inflight, '--inflight', 32, { min: 1, max: 10_000, integer: true }),
  });
  return {
    url: f.publish,
    probeId: f['probe-id'],
    ...defined({
      dataDir: f.data,
      username: f.username,
      password: f.password ?? src.env?.SPANMAP_MQTT_PASSWORD,
      intervalMs: f.interval === undefined ? undefined : numberOption(f.interval, '--interval', 10, { min: 0.1 }) * 1000,
      maxEntriesPerBatch:
        f['batch-entries'] === undefined ? undefined : numberOption(f['batch-entries'], '--batch-entries', 2000, { min: 1, max: 100_000, integer: true }),
    }),
    ...(some(publisher) ? { publisher } : {}),
    ...(tls ? { tls, tlsNames: FLAG_NAMES } : {}),
  };
}
