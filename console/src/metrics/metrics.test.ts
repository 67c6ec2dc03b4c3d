import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeBatch, type SummaryBatch, type SummaryEntry, type ProbeStatus } from '@spanmap/shared';
import { openData } from '../test-util/open-data.js';
import { Ingester } from '../ingest/ingester.js';
import { RateLimitedLog } from '../util/rate-limited-log.js';
import { createApp } from '../api/app.js';
import { ConsoleMetrics } from './metrics.js';

// /metrics in the Prometheus text format, read back with a small parser: every number must be the
// one the console actually holds after real ingest, refusals and requests.

const TOKEN = 'metrics-token-0123456789';
const NOW = Date.UTC(2025, 2, 3, 12);

function entry(port: number, records: number, first: number): SummaryEntry {
  return {
    src: '10.1.0.5',
    dst: '10.2.0.9',
    proto: 6,
    port,
    vlan: null,
    iface: 'eth1',
    flows: records,
    records,
    packets: 10 * records,
    bytes: 900 * records,
    rpackets: 8 * records,
    rbytes: 700 * records,
    first,
    last: first + 900,
    tcpFlags: 27,
    rtcpFlags: 27,
    init: { syn: records, port: 0, first: 0 },
  };
}

function status(probe: string, over: Partial<ProbeStatus> = {}): ProbeStatus {
  return {
    v: 1,
    probe,
    version: '0.1.0',
    online: true,
    epoch: 'ab'.repeat(16),
    startedAt: NOW - 3_600_000,
    time: NOW - 5_000,
    uptimeSec: 3600,
    capture: { packets: 123_456, drops: 42, ifDrops: null, decodeErrors: 3 },
    flows: { active: 10, emitted: 99 },
    backlog: { batches: 7, records: 350, oldest: NOW - 90_000 },
    dropped: { batches: 0, records: 0 },
    ...over,
  };
}

/** name{labels} value lines → map; labels kept in the order Prometheus prints them. */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (!m) throw new Error(`not exposition format: ${line}`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

let dir: string;
let opened: Awaited<ReturnType<typeof openData>>;
let data: Awaited<ReturnType<typeof openData>>['data'];
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spanmap-metrics-'));
  opened = await openData(dir, {}, () => NOW);
  data = opened.data;
});
afterEach(async () => {
  await opened.close();
  rmSync(dir, { recursive: true, force: true });
});

function setup(auth = true) {
  const acks: number[] = [];
  const ingester = new Ingester({ writer: data.writer, ack: (_p, _e, seqs) => acks.push(...seqs), log: new RateLimitedLog(() => {}), now: () => NOW });
  ingester.afterCommit.push((r) => data.committed(r));
  const metrics = new ConsoleMetrics({
    ingest: () => ingester.counters,
    queued: () => ingester.queued,
    statusRejected: () => 2,
    edges: () => data.catalog.maxId,
    probes: () => data.probes.list(),
    mqttConnected: () => true,
    policy: () => data.policies.openCounts(),
    now: () => NOW,
  });
  const app = createApp({ data, tokens: () => [{ token: TOKEN, role: 'viewer', name: 'prometheus' }], now: () => NOW, metrics: { metrics, auth } });
  const scrape = async () => {
    const r = await app.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parse(await r.text());
  };
  return { ingester, app, scrape, acks };
}

describe('console /metrics', () => {
  it('counts ingest, refusals by reason, and per-probe lag, backlog and drops', async () => {
    const { ingester, scrape, acks } = setup();
    const batches: SummaryBatch[] = [1, 2, 3].map((seq) => ({
      v: 1,
      probe: 'p1',
      epoch: 'cd'.repeat(16),
      seq,
      from: NOW - 600_000,
      to: NOW - 300_000 + seq,
      records: [],
      names: [],
      entries: [entry(443, seq * 5, NOW - 400_000), entry(5432, 2, NOW - 350_000)],
    }));
    for (const b of batches) await ingester.submit('p1', encodeBatch(b));
    await ingester.submit('p1', encodeBatch(batches[0]!)); // sent again: a duplicate
    await ingester.submit('p1', new TextEncoder().encode('{"not":"a batch"}'));
    await ingester.submit('p2', encodeBatch({ ...batches[1]!, seq: 9 })); // p1's batch on p2's topic
    await data.probes.recordStatus('p1', status('p1'), NOW - 5_000);
    expect(acks).toEqual([1, 2, 3, 1]);

    const m = await scrape();
    const records = batches.flatMap((b) => b.entries).reduce((a, e) => a + e.records, 0);
    expect(m.get('spanmap_ingest_payloads_total')).toBe(6);
    expect(m.get('spanmap_ingest_batches_total{outcome="applied"}')).toBe(3);
    expect(m.get('spanmap_ingest_batches_total{outcome="duplicate"}')).toBe(1);
    expect(m.get('spanmap_ingest_records_total')).toBe(records);
    expect(m.get('spanmap_ingest_rejected_total{reason="bad-magic"}')).toBe(1);
    expect(m.get('spanmap_ingest_rejected_total{reason="probe-mismatch"}')).toBe(1);
    expect(m.get('spanmap_ingest_rejected_total{reason="status"}')).toBe(2);
    expect(m.get('spanmap_ingest_queue_batches')).toBe(0);
    expect(m.get('spanmap_edges')).toBe(2);
    expect(m.get('spanmap_mqtt_connected')).toBe(1);
    expect(m.get('spanmap_probe_records_total{probe="p1"}')).toBe(records);
    expect(m.get('spanmap_probe_duplicate_batches_total{probe="p1"}')).toBe(1);
    expect(m.get('spanmap_probe_online{probe="p1"}')).toBe(1);
    expect(m.get('spanmap_probe_backlog_batches{probe="p1"}')).toBe(7);
    expect(m.get('spanmap_probe_backlog_oldest_age_seconds{probe="p1"}')).toBe(90);
    expect(m.get('spanmap_probe_kernel_drops_total{probe="p1"}')).toBe(42);
    expect(m.has('spanmap_probe_interface_drops_total{probe="p1"}')).toBe(false); // unknown is absent, never a false zero
    expect(m.get('spanmap_probe_decode_errors_total{probe="p1"}')).toBe(3);
    expect(m.get('spanmap_probe_capture_packets_total{probe="p1"}')).toBe(123_456);
    // Newest flow time ingested: the last entry's end.
    const newest = Math.max(...batches.flatMap((b) => b.entries.map((e) => e.last)));
    expect(m.get('spanmap_probe_data_lag_seconds{probe="p1"}')).toBeCloseTo((NOW - newest) / 1000, 3);
    expect(m.get('spanmap_probe_last_batch_age_seconds{probe="p1"}')).toBe(0);
    expect(m.get('spanmap_policy_violations')).toBe(0);
    expect([...m.keys()].some((k) => k.startsWith('spanmap_console_process_resident_memory_bytes'))).toBe(true);
  });

  it('a stale status reads offline', async () => {
    const { scrape } = setup();
    await data.probes.recordStatus('p3', status('p3', { time: NOW - 10 * 60_000 }), NOW);
    expect((await scrape()).get('spanmap_probe_online{probe="p3"}')).toBe(0);
  });

  it('times API requests by route pattern, not by path', async () => {
    const { app, scrape } = setup();
    for (const path of ['/api/v1/edges', '/api/v1/edges', '/api/v1/policies/abc123', '/api/v1/policies/def456']) {
      await app.request(path, { headers: { authorization: `Bearer ${TOKEN}` } });
    }
    const m = await scrape();
    expect(m.get('spanmap_http_request_duration_seconds_count{method="GET",route="/api/v1/edges",status="200"}')).toBe(2);
    expect(m.get('spanmap_http_request_duration_seconds_count{method="GET",route="/api/v1/policies/:id",status="404"}')).toBe(2);
    expect([...m.keys()].some((k) => k.includes('abc123'))).toBe(false);
  });

  it('requires a token unless metrics.auth is off', async () => {
    const secured = setup(true);
    expect((await secured.app.request('/metrics')).status).toBe(401);
    expect((await secured.app.request('/metrics', { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    const open = setup(false);
    expect((await open.app.request('/metrics')).status).toBe(200);
  });
});
