import { parseStatus } from '@spanmap/shared';
import { startAll, type Component } from '@spanmap/shared';
import { ConsoleStore } from './store/console-store.js';
import { ConsoleData, DEFAULT_DATA_OPTIONS, type DataOptions } from './data.js';
import { EmbeddedBroker, type EmbeddedBrokerOptions } from './broker/embedded.js';
import { Subscriber } from './subscribe/subscriber.js';
import { Ingester } from './ingest/ingester.js';
import { createApp } from './api/app.js';
import { HttpServer } from './http/server.js';
import { RateLimitedLog } from './util/rate-limited-log.js';
import type { ApiToken } from './api/auth.js';
import { ConsoleMetrics } from './metrics/metrics.js';
import { faultFromEnv } from './util/fault.js';

export interface ConsoleOptions {
  dataDir: string;
  http: { host: string; port: number };
  /** The embedded broker; ignored when `mqttUrl` points at an external broker. */
  broker: EmbeddedBrokerOptions;
  mqttUrl: string | null;
  mqttUsername?: string;
  mqttPassword?: string;
  tokens: ApiToken[];
  clientId: string;
  shareGroup: string | null;
  log: (line: string) => void;
  /** Prometheus /metrics: off, or on with or without a bearer token (default: on, token required). */
  metrics?: { enabled: boolean; auth: boolean };
  /** Largest API request body in bytes (default 1 MiB). */
  bodyLimit?: number;
  data?: Partial<DataOptions>;
  now?: () => number;
}

/** A running console, as main.ts and tests see it. */
export interface Console {
  readonly store: ConsoleStore;
  readonly data: ConsoleData;
  readonly broker: EmbeddedBroker | null;
  readonly ingester: Ingester;
  readonly subscriber: Subscriber;
  readonly http: HttpServer;
  readonly metrics: ConsoleMetrics | null;
  readonly brokerUrl: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The console's one wiring point: builds every component from the validated options — store,
 * data (catalog, rollup, merge, analysis, policies), embedded broker unless an external one is
 * used, subscriber → ingest → store → acknowledgement, metrics and the HTTP API — starts them in
 * that order and stops them in reverse. A failed start stops what already started; a failed stop
 * still closes the store. Nothing does I/O before start().
 */
export function createConsole(opts: ConsoleOptions): Console {
  const log = new RateLimitedLog(opts.log);
  const now = opts.now ?? Date.now;
  const store = new ConsoleStore(opts.dataDir);
  const data = new ConsoleData(store, { ...DEFAULT_DATA_OPTIONS, ...opts.data }, now);
  const broker = opts.mqttUrl ? null : new EmbeddedBroker(opts.broker);
  const statusRejects = { count: 0 };
  const ingest = { submit: (probe: string, payload: Uint8Array) => ingester.submit(probe, payload) };
  const subscriber = new Subscriber(
    {
      // The console reaches its embedded broker through the broker's private socket and credential.
      url: () => (broker ? broker.internalClient.url : opts.mqttUrl!),
      credential: () => (broker ? { username: broker.internalClient.username, password: broker.internalClient.password } : null),
      clientId: opts.clientId,
      shareGroup: opts.mqttUrl ? opts.shareGroup : null,
      ...(opts.mqttUsername !== undefined ? { username: opts.mqttUsername } : {}),
      ...(opts.mqttPassword !== undefined ? { password: opts.mqttPassword } : {}),
    },
    {
      flows: (probe, payload) => ingest.submit(probe, payload),
      status: (probe, payload) => {
        const s = parseStatus(payload, probe);
        if (!s) {
          statusRejects.count++;
          log.log('status', `ingest: refused a status message from ${JSON.stringify(probe)}`);
          return;
        }
        void data.probes.recordStatus(probe, s, now());
      },
      log: (m) => log.log('mqtt', m),
    },
  );
  const ingester: Ingester = new Ingester({
    writer: data.writer,
    ack: (probe, epoch, seqs) => subscriber.ack(probe, epoch, seqs),
    log,
    now,
    ...(faultFromEnv() ? { fault: faultFromEnv()! } : {}),
  });
  ingester.afterCommit.push((r) => data.committed(r));
  ingester.between.push(() => data.between());

  const m = opts.metrics ?? { enabled: true, auth: true };
  const metrics = m.enabled
    ? new ConsoleMetrics({
        ingest: () => ingester.counters,
        queued: () => ingester.queued,
        statusRejected: () => statusRejects.count,
        edges: () => data.catalog.maxId,
        probes: () => data.probes.list(),
        mqttConnected: () => subscriber.connected,
        policy: () => data.policies.openCounts(),
        retention: () => ({ ...data.retention.counters, tooOld: data.writer.tooOld }),
        merge: () => data.writer.fold.counters,
        ...(broker ? { broker: () => broker.stats() } : {}),
      })
    : null;
  const http = new HttpServer(
    createApp({
      ...(metrics ? { metrics: { metrics, auth: m.auth } } : {}),
      ...(opts.bodyLimit !== undefined ? { bodyLimit: opts.bodyLimit } : {}),
      data,
      tokens: () => opts.tokens,
      now,
      stats: () => ({
        ingest: ingester.counters,
        merge: data.writer.fold.counters,
        statusRejected: statusRejects.count,
        edges: data.catalog.maxId,
        mqtt: { connected: subscriber.connected, sharedSubscription: subscriber.sharedSubscription },
      }),
    }),
    opts.http.host,
    opts.http.port,
  );

  // A checkpoint also when ingest is idle (the journal since the last one is replayed at start).
  let timer: NodeJS.Timeout | null = null;
  const checkpoints: Component = {
    start: async () => {
      timer = setInterval(() => void ingester.idleTask(() => data.between()), 5000);
      timer.unref();
    },
    stop: async () => {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
  const components: Component[] = [
    { start: async () => store.open(), stop: () => store.close() },
    { start: () => data.start(), stop: () => data.stop() },
    ...(broker ? [broker] : []),
    { start: () => subscriber.start(), stop: async () => (await subscriber.stop(), await ingester.drained()) },
    checkpoints,
    http,
  ];
  let stopAll: (() => Promise<void>) | null = null;
  return {
    store,
    data,
    broker,
    ingester,
    subscriber,
    http,
    metrics,
    get brokerUrl() {
      return broker ? broker.url : opts.mqttUrl!;
    },
    async start() {
      stopAll = await startAll(components);
    },
    async stop() {
      const s = stopAll;
      stopAll = null;
      await s?.();
    },
  };
}
