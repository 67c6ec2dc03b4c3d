import { parseStatus } from '@spanmap/shared';
import { ConsoleStore } from './store/console-store.js';
import { EmbeddedBroker } from './broker/embedded.js';
import { Subscriber } from './subscribe/subscriber.js';
import { Ingester } from './ingest/ingester.js';
import { createApp } from './api/app.js';
import { HttpServer } from './http/server.js';
import { RateLimitedLog } from './util/rate-limited-log.js';
import type { ApiToken } from './api/auth.js';
import { ConsoleCore } from './core.js';
import { ConsoleMetrics } from './metrics/metrics.js';

export interface ConsoleOptions {
  dataDir: string;
  http: { host: string; port: number };
  /** The embedded broker's address; ignored when `mqttUrl` points at an external broker. */
  broker: { host: string; port: number };
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
}

/**
 * Wires the console: store, embedded broker (unless external), subscriber → ingest → store →
 * acknowledgement, and the HTTP API. Components are started in order and stopped in reverse.
 */
export class Console {
  readonly store: ConsoleStore;
  readonly core: ConsoleCore;
  readonly broker: EmbeddedBroker | null;
  readonly ingester: Ingester;
  readonly subscriber: Subscriber;
  readonly http: HttpServer;
  readonly statusRejects = { count: 0 };
  readonly metrics: ConsoleMetrics | null;
  private readonly log: RateLimitedLog;

  constructor(readonly opts: ConsoleOptions) {
    this.log = new RateLimitedLog(opts.log);
    this.store = new ConsoleStore(opts.dataDir);
    this.core = new ConsoleCore(this.store);
    this.broker = opts.mqttUrl ? null : new EmbeddedBroker(opts.broker);
    this.subscriber = new Subscriber(
      {
        // The console reaches its embedded broker through the broker's private socket and credential.
        url: () => (this.broker ? this.broker.internalClient.url : opts.mqttUrl!),
        credential: () => (this.broker ? { username: this.broker.internalClient.username, password: this.broker.internalClient.password } : null),
        clientId: opts.clientId,
        shareGroup: opts.mqttUrl ? opts.shareGroup : null,
        ...(opts.mqttUsername !== undefined ? { username: opts.mqttUsername } : {}),
        ...(opts.mqttPassword !== undefined ? { password: opts.mqttPassword } : {}),
      },
      {
        flows: (probe, payload) => this.ingester.submit(probe, payload),
        status: (probe, payload) => {
          const s = parseStatus(payload, probe);
          if (!s) {
            this.statusRejects.count++;
            this.log.log('status', `ingest: refused a status message from ${JSON.stringify(probe)}`);
            return;
          }
          void this.store.recordStatus(probe, s, Date.now());
        },
        log: (m) => this.log.log('mqtt', m),
      },
    );
    this.ingester = new Ingester(this.store, { ack: (probe, epoch, seqs) => this.subscriber.ack(probe, epoch, seqs), log: this.log });
    this.ingester.afterCommit.push((r) => this.core.applyIngest(r));
    const m = opts.metrics ?? { enabled: true, auth: true };
    this.metrics = m.enabled
      ? new ConsoleMetrics({
          ingest: () => this.ingester.counters,
          queued: () => this.ingester.queued,
          statusRejected: () => this.statusRejects.count,
          edges: () => this.store.edgeCount,
          probes: () => this.store.listProbes(),
          mqttConnected: () => this.subscriber.connected,
          policy: () => this.core.policies.openCounts(),
          ...(this.broker ? { broker: () => this.broker!.stats() } : {}),
        })
      : null;
    this.http = new HttpServer(
      createApp({
        ...(this.metrics ? { metrics: { metrics: this.metrics, auth: m.auth } } : {}),
        ...(opts.bodyLimit !== undefined ? { bodyLimit: opts.bodyLimit } : {}),
        store: this.store,
        core: this.core,
        tokens: () => opts.tokens,
        stats: () => ({
          ingest: this.ingester.counters,
          statusRejected: this.statusRejects.count,
          edges: this.store.edgeCount,
          mqtt: { connected: this.subscriber.connected, sharedSubscription: this.subscriber.sharedSubscription },
        }),
      }),
      opts.http.host,
      opts.http.port,
    );
  }

  async start(): Promise<void> {
    await this.broker?.start();
    await this.subscriber.start();
    await this.http.start();
  }

  get brokerUrl(): string {
    return this.broker ? this.broker.url : this.opts.mqttUrl!;
  }

  async stop(): Promise<void> {
    await this.http.stop();
    await this.subscriber.stop();
    await this.broker?.stop();
    await this.store.close();
  }
}
