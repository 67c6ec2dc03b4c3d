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
import { SharedStore, type ClickHouseSpec } from './clickhouse/shared-store.js';
import { AlertDispatcher } from './sinks/dispatcher.js';
import type { SinkConfig } from './sinks/types.js';
import type { Clock } from './sinks/clock.js';
import { DEFAULT_STORM, type StormOptions } from './alerts/model.js';

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
  /**
   * A ClickHouse store shared with other consoles (issue 19): the batch and state logs live there,
   * the LMDB store under `dataDir` is this console's cache of the model built from them.
   */
  sharedStore?: { spec: ClickHouseSpec; username?: string; password?: string; lagMs?: number; everyMs?: number };
  /** Alert delivery: the sinks, the console's URL for links in messages, storm grouping (README "Alerts"). */
  alerts?: { consoleUrl: string; sinks: SinkConfig[]; storm?: StormOptions; clock?: Clock };
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
  readonly shared: SharedStore | null;
  readonly sinks: AlertDispatcher;
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
  const store = new ConsoleStore(opts.dataDir, now);
  const alertSinks = opts.alerts?.sinks ?? [];
  const data = new ConsoleData(
    store,
    { ...DEFAULT_DATA_OPTIONS, ...opts.data, alerts: { sinks: alertSinks.map((s) => s.name), storm: opts.alerts?.storm ?? DEFAULT_STORM } },
    now,
  );
  const sinks = new AlertDispatcher(alertSinks, {
    alerts: data.alerts,
    consoleUrl: opts.alerts?.consoleUrl ?? `http://${opts.http.host}:${opts.http.port}`,
    ...(opts.alerts?.clock ? { clock: opts.alerts.clock } : {}),
    log: (line) => log.log('alert-sink', line),
  });
  data.onCommitted.push(() => sinks.wake());
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
  // --- shared store (issue 19): log received batches first, tail what the other consoles logged ---
  const shared = opts.sharedStore
    ? new SharedStore(
        { ...opts.sharedStore, consoleId: opts.clientId, log: (kind, line) => log.log(kind, line) },
        { store, applyBatches: (b, at) => ingester.exclusive(async () => (await data.applyFromLog(b, at)).applied.length) },
        now,
      )
    : null;
  const ingester: Ingester = new Ingester({
    writer: data.writer,
    ack: (probe, epoch, seqs) => subscriber.ack(probe, epoch, seqs),
    log,
    now,
    ...(faultFromEnv() ? { fault: faultFromEnv()! } : {}),
    ...(shared ? { beforeApply: (items, at) => shared.beforeApply(items, at) } : {}),
  });
  ingester.afterCommit.push((r) => data.committed(r));
  if (shared) ingester.afterCommit.push((r) => shared.received([...r.applied, ...r.duplicates]));
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
        staged: () => ({ records: data.writer.staging.size, flushed: data.writer.staging.counters.flushed }),
        analysisPending: () => data.analyzer.pending,
        alerts: () => ({ raised: data.alerts.counters, sinks: sinks.health() }),
        ...(broker ? { broker: () => broker.stats() } : {}),
      })
    : null;
  const api = createApp({
    ...(metrics ? { metrics: { metrics, auth: m.auth } } : {}),
    ...(opts.bodyLimit !== undefined ? { bodyLimit: opts.bodyLimit } : {}),
    data,
    sinks: () => sinks.health(),
    tokens: () => opts.tokens,
    now,
    stats: () => ({
      ingest: ingester.counters,
      merge: data.writer.fold.counters,
      statusRejected: statusRejects.count,
      edges: data.catalog.maxId,
      analysis: { pending: data.analyzer.pending },
      mqtt: { connected: subscriber.connected, sharedSubscription: subscriber.sharedSubscription },
      ...(shared ? { sharedStore: { endpoint: shared.ch.endpoint, failovers: shared.ch.failovers, tail: shared.tailer.counters } } : {}),
    }),
  });
  // With a shared store, a change made through the API is answered only once it is in the shared
  // store (visible to the other consoles); if it cannot be published, the answer says so (503).
  const fetchApi: typeof api.fetch = shared
    ? async (req, ...rest) => {
        const res = await api.fetch(req, ...rest);
        if (req.method === 'GET' || req.method === 'HEAD' || !new URL(req.url).pathname.startsWith('/api/')) return res;
        try {
          await shared.flush();
          return res;
        } catch (e) {
          return Response.json(
            { error: { code: 'unavailable', message: `saved on this console, not yet in the shared store (retried): ${(e as Error).message}` } },
            { status: 503 },
          );
        }
      }
    : api.fetch;
  const http = new HttpServer({ fetch: fetchApi }, opts.http.host, opts.http.port);

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
    { start: () => data.start(opts.log), stop: () => data.stop() },
    ...(shared ? [shared] : []),
    {
      start: async () => {
        for (const [sink, n] of data.alertsDropped) opts.log(`alerts: dropped ${n} undelivered alerts of sink "${sink}", no longer configured`);
        await sinks.start();
      },
      stop: () => sinks.stop(),
    },
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
    shared,
    sinks,
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
