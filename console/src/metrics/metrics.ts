import { Registry, Counter, Gauge, Histogram, collectDefaultMetrics } from 'prom-client';
import type { IngestCounters } from '../ingest/ingester.js';
import type { ProbeTotals } from '../store/probes.js';
import type { SinkHealth } from '../sinks/types.js';

/** Where the console's numbers live; read at scrape time only, so the hot path pays nothing. */
export interface MetricsSources {
  ingest: () => IngestCounters;
  queued: () => number;
  statusRejected: () => number;
  edges: () => number;
  probes: () => ProbeTotals[];
  mqttConnected: () => boolean;
  /** Embedded broker: connected clients and refusals by reason (absent with an external broker). */
  broker?: () => { clients: number; refused: Record<string, number> };
  /** Monitor mode: would-be-blocked violations and open alerts. */
  policy?: () => { violations: number; alerts: number };
  /** Retention: what was dropped, and records refused as older than what is kept. */
  retention?: () => { daysDropped: number; daysDroppedForSpace: number; hourBuckets: number; mergeRecords: number; tooOld: number };
  /** Merging views of one conversation: records that joined another view's. */
  merge?: () => { merged: number; repeated: number };
  /** The merge index's records staged in memory, and what their flushes wrote. */
  staged?: () => { records: number; flushed: number };
  /** Edges waiting for the long-tail analysis (periods) to look at them again. */
  analysisPending?: () => number;
  /** Alerts raised since start, and each sink's delivery state. */
  alerts?: () => { raised: { edges: number; storms: number; grouped: number; again: number }; sinks: SinkHealth[] };
  now?: () => number;
}

/** A probe's retained status counts as current for this long (as GET /probes). */
const STATUS_FRESH_MS = 60_000;

/**
 * The console's Prometheus metrics (`GET /metrics`): ingest, refusals by reason, queue size,
 * per-probe lag, backlog and drops, HTTP request latency by route, and the process itself.
 * One registry per console, so tests can run several.
 */
export class ConsoleMetrics {
  readonly registry = new Registry();
  readonly http: Histogram<'method' | 'route' | 'status'>;

  constructor(src: MetricsSources) {
    const r = [this.registry];
    const now = src.now ?? Date.now;
    collectDefaultMetrics({ register: this.registry, prefix: 'spanmap_console_' });

    // Totals kept elsewhere are mirrored at scrape time (reset + inc keeps them counters).
    const mirror = (c: Counter<string>, values: Array<[Record<string, string>, number]>) => {
      c.reset();
      for (const [labels, v] of values) if (v >= 0) c.inc(labels, v); // a known zero shows; unknown is left out
    };
    new Counter({
      name: 'spanmap_ingest_payloads_total',
      help: 'Flow payloads received over MQTT',
      registers: r,
      collect() {
        mirror(this, [[{}, src.ingest().received]]);
      },
    });
    new Counter({
      name: 'spanmap_ingest_batches_total',
      help: 'Summary batches by outcome (applied, or duplicate: seen before, acknowledged again)',
      labelNames: ['outcome'],
      registers: r,
      collect() {
        const c = src.ingest();
        mirror(this, [
          [{ outcome: 'applied' }, c.batchesApplied],
          [{ outcome: 'duplicate' }, c.batchesDuplicate],
        ]);
      },
    });
    new Counter({
      name: 'spanmap_ingest_entries_total',
      help: 'Summary entries applied',
      registers: r,
      collect() {
        mirror(this, [[{}, src.ingest().entries]]);
      },
    });
    new Counter({
      name: 'spanmap_ingest_records_total',
      help: 'Flow records the applied summaries stand for',
      registers: r,
      collect() {
        mirror(this, [[{}, src.ingest().records]]);
      },
    });
    new Counter({
      name: 'spanmap_ingest_transactions_total',
      help: 'Store transactions committed by ingest',
      registers: r,
      collect() {
        mirror(this, [[{}, src.ingest().transactions]]);
      },
    });
    new Counter({
      name: 'spanmap_ingest_rejected_total',
      help: 'Payloads refused, by reason (bad-magic, truncated, probe-mismatch, store-error, status, ...)',
      labelNames: ['reason'],
      registers: r,
      collect() {
        const rej = Object.entries(src.ingest().rejected).map(([reason, n]) => [{ reason }, n] as [Record<string, string>, number]);
        mirror(this, [...rej, [{ reason: 'status' }, src.statusRejected()]]);
      },
    });
    new Gauge({
      name: 'spanmap_ingest_queue_batches',
      help: 'Batches decoded and waiting for the next store transaction',
      registers: r,
      collect() {
        this.set(src.queued());
      },
    });
    new Gauge({
      name: 'spanmap_edges',
      help: 'Host-level edges in the store',
      registers: r,
      collect() {
        this.set(src.edges());
      },
    });
    if (src.analysisPending) {
      const pending = src.analysisPending;
      new Gauge({
        name: 'spanmap_analysis_pending_edges',
        help: 'Edges waiting for the long-tail analysis (period labels) to look at them again',
        registers: r,
        collect() {
          this.set(pending());
        },
      });
    }
    if (src.retention) {
      const ret = src.retention;
      new Counter({
        name: 'spanmap_retention_dropped_total',
        help: 'History dropped by retention: days (by age or for the disk budget), hour buckets, merge-index records',
        labelNames: ['what'],
        registers: r,
        collect() {
          const x = ret();
          mirror(this, [
            [{ what: 'days' }, x.daysDropped],
            [{ what: 'days_for_space' }, x.daysDroppedForSpace],
            [{ what: 'hour_buckets' }, x.hourBuckets],
            [{ what: 'merge_records' }, x.mergeRecords],
          ]);
        },
      });
      new Counter({
        name: 'spanmap_ingest_records_too_old_total',
        help: 'Flow records refused because they are older than what retention keeps',
        registers: r,
        collect() {
          mirror(this, [[{}, ret().tooOld]]);
        },
      });
    }
    if (src.merge) {
      const mg = src.merge;
      new Counter({
        name: 'spanmap_merge_records_total',
        help: 'Flow records that joined another view of the same conversation (merged), or repeated a record already held',
        labelNames: ['outcome'],
        registers: r,
        collect() {
          const x = mg();
          mirror(this, [
            [{ outcome: 'merged' }, x.merged],
            [{ outcome: 'repeated' }, x.repeated],
          ]);
        },
      });
    }
    if (src.staged) {
      const st = src.staged;
      new Gauge({
        name: 'spanmap_merge_staged_records',
        help: 'Merge-index records held in memory (and in their log) until the next flush to the index',
        registers: r,
        collect() {
          this.set(st().records);
        },
      });
      new Counter({
        name: 'spanmap_merge_staged_flushed_total',
        help: 'Staged merge-index records written to the index by flushes since start',
        registers: r,
        collect() {
          mirror(this, [[{}, st().flushed]]);
        },
      });
    }
    new Gauge({
      name: 'spanmap_mqtt_connected',
      help: '1 while the console is subscribed to its broker',
      registers: r,
      collect() {
        this.set(src.mqttConnected() ? 1 : 0);
      },
    });

    const perProbe = (name: string, help: string, value: (p: ProbeTotals, t: number) => number | null, kind: 'gauge' | 'counter' = 'gauge'): void => {
      const opts = {
        name,
        help,
        labelNames: ['probe'] as const,
        registers: r,
      };
      if (kind === 'gauge') {
        new Gauge<'probe'>({
          ...opts,
          collect() {
            this.reset();
            const t = now();
            for (const p of src.probes()) {
              const v = value(p, t);
              if (v !== null) this.set({ probe: p.id }, v);
            }
          },
        });
      } else {
        new Counter<'probe'>({
          ...opts,
          collect() {
            const t = now();
            mirror(
              this,
              src.probes().flatMap((p) => {
                const v = value(p, t);
                return v === null ? [] : [[{ probe: p.id }, v] as [Record<string, string>, number]];
              }),
            );
          },
        });
      }
    };
    const fresh = (p: ProbeTotals, t: number) => p.status !== null && t - p.status.time < STATUS_FRESH_MS;
    perProbe('spanmap_probe_online', '1 while the probe reports itself online (retained status, last will)', (p, t) =>
      p.status !== null && p.status.online && fresh(p, t) ? 1 : 0,
    );
    perProbe('spanmap_probe_last_batch_age_seconds', 'Seconds since the last batch from this probe was committed', (p, t) =>
      p.lastSeen ? (t - p.lastSeen) / 1000 : null,
    );
    perProbe('spanmap_probe_data_lag_seconds', 'Seconds between now and the newest flow time ingested from this probe', (p, t) =>
      p.lastFlow ? (t - p.lastFlow) / 1000 : null,
    );
    perProbe('spanmap_probe_backlog_batches', 'Batches waiting in the probe outbox (from its status)', (p) => p.status?.backlog.batches ?? null);
    perProbe('spanmap_probe_backlog_oldest_age_seconds', 'Age of the oldest unsent batch at the probe (from its status)', (p, t) =>
      p.status?.backlog.oldest ? Math.max(0, (t - p.status.backlog.oldest) / 1000) : null,
    );
    perProbe('spanmap_probe_records_total', 'Flow records ingested from this probe', (p) => p.records, 'counter');
    perProbe('spanmap_probe_duplicate_batches_total', 'Batches this probe sent again (already committed)', (p) => p.duplicates, 'counter');
    perProbe('spanmap_probe_capture_packets_total', 'Packets the probe captured (from its status)', (p) => p.status?.capture.packets ?? null, 'counter');
    perProbe(
      'spanmap_probe_kernel_drops_total',
      'Packets the kernel dropped before the probe saw them (absent when the backend cannot tell)',
      (p) => p.status?.capture.drops ?? null,
      'counter',
    );
    perProbe('spanmap_probe_interface_drops_total', 'Packets the interface dropped (absent when unknown)', (p) => p.status?.capture.ifDrops ?? null, 'counter');
    perProbe('spanmap_probe_decode_errors_total', 'Packets the probe could not decode', (p) => p.status?.capture.decodeErrors ?? null, 'counter');
    perProbe(
      'spanmap_probe_store_dropped_records_total',
      'Unsent records the probe dropped because its disk budget was exceeded',
      (p) => p.status?.dropped.records ?? null,
      'counter',
    );
    perProbe(
      'spanmap_probe_export_lost_total',
      'NetFlow/IPFIX packets lost between exporters and the probe (sequence gaps)',
      (p) => p.status?.exporters?.lostPackets ?? null,
      'counter',
    );

    if (src.broker) {
      const broker = src.broker;
      new Gauge({
        name: 'spanmap_broker_clients',
        help: 'MQTT clients connected to the embedded broker',
        registers: r,
        collect() {
          this.set(broker().clients);
        },
      });
      new Counter({
        name: 'spanmap_broker_refused_total',
        help: 'Embedded broker refusals by reason (bad credentials, client id, publish or subscribe outside the own topics)',
        labelNames: ['reason'],
        registers: r,
        collect() {
          mirror(
            this,
            Object.entries(broker().refused).map(([reason, n]) => [{ reason }, n]),
          );
        },
      });
    }
    if (src.policy) {
      const policy = src.policy;
      new Gauge({
        name: 'spanmap_policy_violations',
        help: 'Would-be-blocked edges under the monitored policy',
        registers: r,
        collect() {
          this.set(policy().violations);
        },
      });
      new Gauge({
        name: 'spanmap_policy_alerts_open',
        help: 'New edges outside the active policy not yet reviewed',
        registers: r,
        collect() {
          this.set(policy().alerts);
        },
      });
    }

    if (src.alerts) alertMetrics(src.alerts, r, mirror);

    this.http = new Histogram({
      name: 'spanmap_http_request_duration_seconds',
      help: 'HTTP API request latency by route (the route pattern, not the path)',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10],
      registers: r,
    });
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Alerts raised, and per sink: delivered, failed attempts by reason, queued, up, last latency. */
function alertMetrics(
  alerts: NonNullable<MetricsSources['alerts']>,
  r: Registry[],
  mirror: (c: Counter<string>, values: Array<[Record<string, string>, number]>) => void,
): void {
  new Counter({
    name: 'spanmap_alerts_raised_total',
    help: 'Alerts raised since start: edge (one new edge), storm (a storm opened), grouped (new edges folded into a storm), again (raised again)',
    labelNames: ['kind'],
    registers: r,
    collect() {
      const x = alerts().raised;
      mirror(this, [
        [{ kind: 'edge' }, x.edges],
        [{ kind: 'storm' }, x.storms],
        [{ kind: 'grouped' }, x.grouped],
        [{ kind: 'again' }, x.again],
      ]);
    },
  });
  new Counter({
    name: 'spanmap_alert_sink_delivered_total',
    help: 'Alerts delivered to each sink since start',
    labelNames: ['sink'],
    registers: r,
    collect() {
      mirror(
        this,
        alerts().sinks.map((s) => [{ sink: s.name }, s.delivered]),
      );
    },
  });
  new Counter({
    name: 'spanmap_alert_sink_failures_total',
    help: 'Failed delivery attempts per sink and reason (refused, timeout, closed, tls, unreachable, http_4xx, http_5xx, error); retried',
    labelNames: ['sink', 'reason'],
    registers: r,
    collect() {
      mirror(
        this,
        alerts().sinks.flatMap((s) => Object.entries(s.failures).map(([reason, n]) => [{ sink: s.name, reason }, n] as [Record<string, string>, number])),
      );
    },
  });
  new Gauge({
    name: 'spanmap_alert_sink_queued',
    help: 'Alerts waiting in each sink outbox',
    labelNames: ['sink'],
    registers: r,
    collect() {
      this.reset();
      for (const s of alerts().sinks) this.set({ sink: s.name }, s.queued);
    },
  });
  new Gauge({
    name: 'spanmap_alert_sink_up',
    help: '1 while the sink takes deliveries, 0 after a failed attempt (until one succeeds)',
    labelNames: ['sink'],
    registers: r,
    collect() {
      this.reset();
      for (const s of alerts().sinks) this.set({ sink: s.name }, s.state === 'ok' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'spanmap_alert_sink_last_latency_seconds',
    help: 'Time from raising to delivery of the last alert each sink took',
    labelNames: ['sink'],
    registers: r,
    collect() {
      this.reset();
      for (const s of alerts().sinks) if (s.lastLatencyMs !== null) this.set({ sink: s.name }, s.lastLatencyMs / 1000);
    },
  });
}
