import { createServer, type Server } from 'node:http';
import { Registry, Counter, Gauge, collectDefaultMetrics } from 'prom-client';
import { SpanmapError } from '@spanmap/shared';
import type { LiveCaptureStats } from '../capture/live.js';
import type { ListenerCounters } from '../netflow/listener.js';
import type { StoreCounters } from '../store/probe-store.js';
import type { PublisherCounters } from '../publish/publisher.js';

/** What the probe knows, read at scrape time (the capture path pays nothing for metrics). */
export interface ProbeMetricsSources {
  capture: () => LiveCaptureStats & {
    packets: number;
    bytes: number;
    flows: { active: number; created: number; emitted: Record<string, number>; maxActive: number };
  };
  exporters: () => ListenerCounters | null;
  store?: () => StoreCounters;
  publisher?: () => PublisherCounters & { connected?: boolean };
  backlog?: () => { batches: number; records: number; oldest: number | null };
  now?: () => number;
}

type Labels = Record<string, string>;

/**
 * The probe's optional Prometheus endpoint (`metrics.listen`): packets, drops, decode errors,
 * flow-table size, NetFlow/IPFIX intake and loss, store and publish backlog.
 */
export class ProbeMetrics {
  readonly registry = new Registry();
  private server: Server | null = null;
  private registered = false;

  /** Inert: the metrics are registered (and the process collectors begin) at the first listen() or text(). */
  constructor(private readonly src: ProbeMetricsSources) {}

  private register(): void {
    if (this.registered) return;
    this.registered = true;
    const src = this.src;
    const r = [this.registry];
    const now = src.now ?? Date.now;
    collectDefaultMetrics({ register: this.registry, prefix: 'spanmap_probe_process_' });
    // Counters kept by the probe are mirrored at scrape time; unknown values (null) are left out.
    const counter = (name: string, help: string, labelNames: string[], values: () => Array<[Labels, number | null]>) =>
      new Counter({
        name,
        help,
        labelNames,
        registers: r,
        collect() {
          this.reset();
          for (const [l, v] of values()) if (v !== null && v >= 0) this.inc(l, v); // a known zero shows; unknown is absent
        },
      });
    const gauge = (name: string, help: string, labelNames: string[], values: () => Array<[Labels, number | null]>) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers: r,
        collect() {
          this.reset();
          for (const [l, v] of values()) if (v !== null) this.set(l, v);
        },
      });
    const cap = () => src.capture();

    counter('spanmap_probe_packets_total', 'Packets counted into flows by live capture', [], () => [[{}, cap().packets]]);
    counter('spanmap_probe_bytes_total', 'Bytes counted into flows by live capture', [], () => [[{}, cap().bytes]]);
    counter('spanmap_probe_captured_total', 'Frames handed to the probe by libpcap, per interface', ['iface'], () =>
      cap().interfaces.map((i) => [{ iface: i.name }, i.captured]),
    );
    counter('spanmap_probe_kernel_drops_total', 'Frames the kernel dropped (ring full), per interface; absent when the backend cannot tell', ['iface'], () =>
      cap().interfaces.map((i) => [{ iface: i.name }, i.kernelDrops]),
    );
    counter('spanmap_probe_interface_drops_total', 'Frames the interface dropped, per interface; absent when unknown', ['iface'], () =>
      cap().interfaces.map((i) => [{ iface: i.name }, i.ifaceDrops]),
    );
    gauge('spanmap_probe_interface_up', '1 while the capture on this interface is open', ['iface'], () =>
      cap().interfaces.map((i) => [{ iface: i.name }, i.up ? 1 : 0]),
    );
    counter('spanmap_probe_decode_errors_total', 'Frames that could not be decoded, by reason', ['reason'], () =>
      Object.entries(cap().decodeErrors).map(([reason, n]) => [{ reason }, n ?? 0]),
    );
    gauge('spanmap_probe_flows_active', 'Flows in the flow table', [], () => [[{}, cap().flows.active]]);
    gauge('spanmap_probe_flows_active_max', 'Most flows the table held at once', [], () => [[{}, cap().flows.maxActive]]);
    counter('spanmap_probe_flows_created_total', 'Flows created', [], () => [[{}, cap().flows.created]]);
    counter('spanmap_probe_flows_emitted_total', 'Flow records emitted, by why they ended', ['end'], () =>
      Object.entries(cap().flows.emitted).map(([end, n]) => [{ end }, n]),
    );

    counter('spanmap_probe_export_datagrams_total', 'NetFlow/IPFIX datagrams, by version (rejected: refused)', ['version'], () => {
      const e = src.exporters();
      return e ? Object.entries(e.datagrams).map(([version, n]) => [{ version }, n]) : [];
    });
    counter('spanmap_probe_export_records_total', 'NetFlow/IPFIX data records decoded, by version', ['version'], () => {
      const e = src.exporters();
      return e ? Object.entries(e.records).map(([version, n]) => [{ version }, n]) : [];
    });
    counter('spanmap_probe_export_rejected_total', 'NetFlow/IPFIX input refused, by reason', ['reason'], () => {
      const e = src.exporters();
      return e ? Object.entries(e.rejected).map(([reason, n]) => [{ reason }, n as number]) : [];
    });
    counter(
      'spanmap_probe_export_lost_total',
      'Lost between exporters and the probe, from sequence numbers (v5: flows, v9: packets, ipfix: records)',
      ['kind'],
      () => {
        const e = src.exporters();
        return e
          ? [
              [{ kind: 'v5_flows' }, e.lost.v5Flows],
              [{ kind: 'v9_packets' }, e.lost.v9Packets],
              [{ kind: 'ipfix_records' }, e.lost.ipfixRecords],
            ]
          : [];
      },
    );
    counter(
      'spanmap_probe_export_socket_drops_total',
      'Datagrams the kernel dropped on a listener socket',
      ['address'],
      () => src.exporters()?.sockets.map((s) => [{ address: s.address }, s.kernelDrops]) ?? [],
    );

    if (src.store) {
      const st = src.store;
      counter('spanmap_probe_store_records_written_total', 'Flow records written to the store (before publishing)', [], () => [[{}, st().recordsWritten]]);
      counter('spanmap_probe_store_dropped_records_total', 'Unsent records dropped because the disk budget was exceeded', [], () => [
        [{}, st().droppedRecords],
      ]);
      counter('spanmap_probe_store_dropped_batches_total', 'Unsent batches dropped because the disk budget was exceeded', [], () => [
        [{}, st().droppedBatches],
      ]);
    }
    if (src.publisher) {
      const pb = src.publisher;
      counter('spanmap_probe_batches_published_total', 'Summary batches published (first time)', [], () => [[{}, pb().published]]);
      counter('spanmap_probe_batches_republished_total', 'Summary batches published again (no acknowledgement in time)', [], () => [[{}, pb().republished]]);
      counter('spanmap_probe_batches_acked_total', 'Summary batches the console acknowledged', [], () => [[{}, pb().acked]]);
      counter('spanmap_probe_mqtt_connection_errors_total', 'MQTT connection errors', [], () => [[{}, pb().connectionErrors]]);
    }
    if (src.backlog) {
      const bl = src.backlog;
      // One outbox scan per scrape for the three gauges.
      let cached: { at: number; v: ReturnType<typeof bl> } | null = null;
      const get = () => (cached && now() - cached.at < 1000 ? cached.v : (cached = { at: now(), v: bl() }).v);
      gauge('spanmap_probe_backlog_batches', 'Batches waiting for the console’s acknowledgement', [], () => [[{}, get().batches]]);
      gauge('spanmap_probe_backlog_records', 'Flow records in the waiting batches', [], () => [[{}, get().records]]);
      gauge('spanmap_probe_backlog_oldest_age_seconds', 'Age of the oldest unacknowledged batch', [], () => {
        const o = get().oldest;
        return [[{}, o === null ? 0 : Math.max(0, (now() - o) / 1000)]];
      });
    }
  }

  async text(): Promise<string> {
    this.register();
    return this.registry.metrics();
  }

  /** Serves GET /metrics on host:port; anything else is 404. */
  async listen(host: string, port: number): Promise<{ host: string; port: number }> {
    this.register();
    const server = createServer((req, res) => {
      if ((req.method === 'GET' || req.method === 'HEAD') && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) {
        this.text().then(
          (body) => {
            res.writeHead(200, { 'content-type': this.registry.contentType });
            res.end(req.method === 'HEAD' ? undefined : body);
          },
          (e) => {
            res.writeHead(500, { 'content-type': 'text/plain' });
            res.end(`metrics: ${(e as Error).message}\n`);
          },
        );
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found: the probe serves only /metrics\n');
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(new SpanmapError('bad_config', `metrics.listen ${host}:${port}: ${e.code === 'EADDRINUSE' ? 'address already in use' : e.message}`)),
      );
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const a = server.address();
    return typeof a === 'object' && a ? { host: a.address, port: a.port } : { host, port };
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
