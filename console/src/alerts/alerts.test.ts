import { describe, it, expect, afterEach } from 'vitest';
import { alertHarness, monitoring, entry, batch, DAY, T0, type Harness } from './test-harness.js';

/*
 * Raising alerts inside the ingest transaction: one per new edge with a stable id, queued for each
 * sink in the same transaction (or not at all), storms grouped, raised again only when a
 * dismissal expires, the segments change or an allowed edge is no longer allowed.
 */
let h: Harness;
afterEach(async () => h?.close());

const keys = (h: Harness, sink: string) => h.data.alerts.db.pending(sink, 10_000).map((r) => r.entry.alert);
const W = T0 + 8 * DAY;

describe('raising alerts', () => {
  it('raises one alert per new edge, with increasing ids, queued for every sink in raise order', async () => {
    h = await alertHarness();
    const policy = await monitoring(h);
    await h.ingest([entry('10.20.5.5', '10.10.1.10', 6, 443, W, 3), entry('10.20.5.6', '10.10.3.30', 6, 22, W, 2)]); // the first is allowed
    await h.ingest([entry('10.10.1.10', '10.10.3.30', 6, 5432, W + 1000), entry('10.20.5.6', '10.10.3.30', 6, 22, W + 5000, 4)]);
    const all = (await h.request('GET', '/alerts?order=asc')).body;
    expect(all.map((a: any) => [a.id, a.src, a.dst, a.port, a.flows, a.kind, a.status, a.reason])).toEqual([
      ['1', '10.20.5.6', '10.10.3.30', 22, 6, 'edge', 'new', 'new-edge'],
      ['2', '10.10.1.10', '10.10.3.30', 5432, 1, 'edge', 'new', 'new-edge'],
    ]);
    expect(all[0]).toMatchObject({ policy, policyName: 'first week', srcSegment: 'users', dstSegment: 'db', firstSeen: W, lastSeen: W + 5100 });
    expect(keys(h, 'a')).toEqual([1, 2]);
    expect(keys(h, 'b')).toEqual([1, 2]);
    expect(h.data.alerts.counters).toEqual({ edges: 2, storms: 0, grouped: 0, again: 0 });
  });

  it('numbers the new edges of one transaction by first seen, whatever order the batch lists them in', async () => {
    h = await alertHarness();
    await monitoring(h);
    await h.ingest([
      entry('10.10.2.22', '198.51.100.7', 6, 443, W + 9000),
      entry('10.20.5.6', '10.10.3.30', 6, 22, W + 2000),
      entry('10.10.1.10', '10.10.3.30', 6, 5432, W + 2000),
    ]);
    const all = (await h.request('GET', '/alerts?order=asc')).body;
    expect(all.map((a: any) => [a.id, a.port])).toEqual([
      ['1', 5432], // tied on first seen with port 22: the key decides ("10.10.1.10" before "10.20.5.6")
      ['2', 22],
      ['3', 443],
    ]);
  });

  it('raises the alerts of a batch applied from the shared log but queues them for no sink: the console that received it delivers', async () => {
    h = await alertHarness();
    await monitoring(h);
    await h.data.applyFromLog([batch([entry('10.20.5.6', '10.10.3.30', 6, 22, W, 2)])], h.now);
    await h.ingest([entry('10.10.1.10', '10.10.3.30', 6, 5432, W + 1000)]);
    const all = (await h.request('GET', '/alerts?order=asc')).body;
    expect(all.map((a: any) => [a.id, a.port])).toEqual([
      ['1', 22],
      ['2', 5432],
    ]);
    expect(keys(h, 'a')).toEqual([2]);
    expect(keys(h, 'b')).toEqual([2]);
  });

  it('groups a scan into one storm alert with counts; a trickle becomes a storm at the threshold', async () => {
    h = await alertHarness({ storm: { threshold: 5, windowMs: 10 * 60_000 } });
    await monitoring(h);
    const scan = Array.from({ length: 300 }, (_, i) => entry('10.20.9.9', i < 200 ? '10.10.3.30' : `10.10.3.${i - 190}`, 6, 1 + (i % 250), W + i * 10));
    await h.ingest(scan);
    let all = (await h.request('GET', '/alerts')).body;
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ id: '1', kind: 'storm', src: '10.20.9.9', dst: null, port: null, edges: 300, flows: 300, reason: 'storm' });
    expect(all[0].dsts).toBe(100); // 10.10.3.30, and 10.10.3.10-109 (which holds .30 again)
    expect(all[0].ports).toBe(250);
    expect(all[0].sample).toHaveLength(20);
    // The scan goes on a minute later: into the same storm, nothing new queued.
    await h.ingest([entry('10.20.9.9', '10.10.2.20', 6, 3389, W + 60_000)]);
    all = (await h.request('GET', '/alerts')).body;
    expect(all.map((a: any) => [a.id, a.edges])).toEqual([['1', 301]]);
    // Another source trickles new edges, one transaction each: four alerts, the fifth opens a storm.
    for (let i = 0; i < 6; i++) await h.ingest([entry('10.20.7.7', '10.10.2.20', 6, 7000 + i, W + i * 30_000)]);
    all = (await h.request('GET', '/alerts?order=asc')).body;
    expect(all.map((a: any) => [a.kind, a.src, a.edges])).toEqual([
      ['storm', '10.20.9.9', 301],
      ['edge', '10.20.7.7', 1],
      ['edge', '10.20.7.7', 1],
      ['edge', '10.20.7.7', 1],
      ['edge', '10.20.7.7', 1],
      ['storm', '10.20.7.7', 2],
    ]);
    // Quiet for longer than the window: single alerts again.
    await h.ingest([entry('10.20.7.7', '10.10.2.20', 6, 9000, W + DAY)]);
    expect((await h.request('GET', '/alerts?limit=1')).body[0]).toMatchObject({ kind: 'edge', port: 9000 });
    expect(keys(h, 'a')).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(h.data.alerts.counters).toEqual({ edges: 5, storms: 2, grouped: 303, again: 0 });
  });

  it('raises a dismissed alert again once the dismissal expires, or at once when its segments change', async () => {
    h = await alertHarness();
    await monitoring(h);
    await h.ingest([entry('10.20.5.6', '10.10.3.30', 6, 22, W)]);
    const r = await h.request('POST', '/alerts/review', { ids: ['1'], action: 'dismiss', note: 'patch window', days: 2 });
    expect(r.status).toBe(200);
    expect(r.body.alerts[0]).toMatchObject({ status: 'dismissed', review: { action: 'dismiss', by: 'dana', until: h.now + 2 * DAY } });
    await h.ingest([entry('10.20.5.6', '10.10.3.30', 6, 22, W + DAY, 5)]);
    expect((await h.request('GET', '/alerts')).body.map((a: any) => [a.id, a.flows])).toEqual([['1', 6]]);
    h.setNow(h.now + 2 * DAY + 1);
    await h.ingest([entry('10.20.5.6', '10.10.3.30', 6, 22, W + 3 * DAY, 2)]);
    let all = (await h.request('GET', '/alerts')).body;
    expect(all.map((a: any) => [a.id, a.status, a.reason, a.previous, a.flows])).toEqual([
      ['2', 'new', 'dismissal-expired', '1', 2],
      ['1', 'dismissed', 'new-edge', null, 6],
    ]);
    // Dismissed again, then the source moves to another segment: raised at once.
    await h.request('POST', '/alerts/review', { ids: ['2'], action: 'dismiss', days: 30 });
    await h.request('PUT', '/segments', [
      { name: 'web', cidrs: ['10.10.1.0/24'], vlans: [] },
      { name: 'app', cidrs: ['10.10.2.0/24'], vlans: [] },
      { name: 'db', cidrs: ['10.10.3.0/24'], vlans: [] },
      { name: 'users', cidrs: ['10.20.0.0/16'], vlans: [] },
      { name: 'jump', cidrs: ['10.20.5.0/29'], vlans: [] },
    ]);
    await h.ingest([entry('10.20.5.6', '10.10.3.30', 6, 22, W + 4 * DAY)]);
    all = (await h.request('GET', '/alerts')).body;
    expect(all[0]).toMatchObject({ id: '3', reason: 'segment-changed', previous: '2', srcSegment: 'jump' });
    expect(keys(h, 'a')).toEqual([1, 2, 3]);
  });

  it('keeps a rejected alert flagged, adding its flows; raises an allowed edge again once it is no longer allowed', async () => {
    h = await alertHarness();
    const policy = await monitoring(h);
    await h.ingest([entry('10.20.5.6', '10.10.3.30', 6, 22, W), entry('10.20.5.7', '10.10.3.30', 6, 22, W)]);
    await h.request('POST', '/alerts/review', { ids: ['1'], action: 'reject', note: 'no SSH from users' });
    await h.request('POST', '/alerts/review', { ids: ['2'], action: 'allow', note: 'jump host' });
    await h.ingest([entry('10.20.5.6', '10.10.3.30', 6, 22, W + HOUR_MS, 4), entry('10.20.5.7', '10.10.3.30', 6, 22, W + HOUR_MS)]);
    let all = (await h.request('GET', '/alerts?order=asc')).body;
    expect(all.map((a: any) => [a.id, a.status, a.flows])).toEqual([
      ['1', 'rejected', 5],
      ['2', 'allowed', 1],
    ]);
    await h.request('POST', `/policies/${policy}/rollback`, { version: 1, reason: 'too wide' });
    await h.ingest([entry('10.20.5.7', '10.10.3.30', 6, 22, W + 2 * HOUR_MS)]);
    all = (await h.request('GET', '/alerts?order=asc')).body;
    expect(all.at(-1)).toMatchObject({ id: '3', reason: 'no-longer-allowed', previous: '2', status: 'new' });
  });

  it('numbers the alerts of the first version (keyed by edge) at start, in the order they were raised', async () => {
    h = await alertHarness();
    await monitoring(h);
    const legacy = h.store.db<Record<string, unknown>, string>('alerts');
    await legacy.put('10.20.5.6|10.10.3.30|6|22', {
      src: '10.20.5.6',
      dst: '10.10.3.30',
      proto: 6,
      port: 22,
      policy: 'p',
      policyName: 'P',
      flows: 2,
      firstSeen: 1,
      lastSeen: 2,
      raisedAt: 20,
      status: 'new',
    });
    await legacy.put('10.20.5.1|10.10.3.30|6|22', {
      src: '10.20.5.1',
      dst: '10.10.3.30',
      proto: 6,
      port: 22,
      policy: 'p',
      policyName: 'P',
      flows: 1,
      firstSeen: 1,
      lastSeen: 2,
      raisedAt: 10,
      status: 'reviewed',
    });
    const dir = h.dir;
    await h.close();
    h = await alertHarness({ dir });
    const all = (await h.request('GET', '/alerts?order=asc')).body;
    expect(all.map((a: any) => [a.id, a.src, a.status])).toEqual([
      ['1', '10.20.5.1', 'reviewed'],
      ['2', '10.20.5.6', 'new'],
    ]);
    await h.ingest([entry('10.20.5.6', '10.10.3.30', 6, 22, W)]);
    expect((await h.request('GET', '/alerts/2')).body.flows).toBe(3);
  });
});

const HOUR_MS = 3_600_000;
