import { describe, it, expect, beforeEach } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SummaryBatch, SummaryEntry } from '@spanmap/shared';
import { openData } from '../test-util/open-data.js';
import { createApp } from './app.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 5, 3); // a Monday
const EDITOR = 'editor-token-0123456789';
const VIEWER = 'viewer-token-0123456789';

function entry(src: string, dst: string, proto: number, port: number, first: number, flows = 1, packets = 10, bytes = 1000): SummaryEntry {
  return {
    src,
    dst,
    proto,
    port,
    vlan: null,
    iface: null,
    flows,
    records: flows,
    packets,
    bytes,
    rpackets: packets,
    rbytes: bytes,
    first,
    last: first + 500,
    tcpFlags: 27,
    rtcpFlags: 27,
    init: { syn: flows, port: 0, first: 0 },
  };
}

let seq = 0;
function batch(entries: SummaryEntry[]): SummaryBatch {
  return {
    v: 1,
    probe: 'p1',
    epoch: 'cd'.repeat(16),
    seq: ++seq,
    from: Math.min(...entries.map((e) => e.first)),
    to: Math.max(...entries.map((e) => e.last)),
    records: [],
    names: [],
    entries,
  };
}

/** Three days of traffic: users→web https every hour, web→app, app→db, one rare edge on day 2. */
function traffic(): SummaryEntry[] {
  const out: SummaryEntry[] = [];
  for (let h = 0; h < 72; h++) {
    const t = T0 + h * HOUR + 60_000;
    out.push(entry('10.20.1.5', '10.10.1.10', 6, 443, t, 3, 30, 3000));
    out.push(entry('10.10.1.10', '10.10.2.20', 6, 8080, t + 1000, 2, 20, 2000));
    out.push(entry('10.10.2.20', '10.10.3.30', 6, 5432, t + 2000, 1, 10, 1000));
  }
  out.push(entry('10.20.1.5', '10.10.3.30', 6, 22, T0 + DAY + 5 * HOUR, 1, 40, 9000));
  out.push(entry('10.10.2.20', '8.8.8.8', 17, 53, T0 + 2 * DAY + 7 * HOUR, 4, 8, 800));
  return out;
}

const SEGMENTS = [
  { name: 'users', cidrs: ['10.20.0.0/16'], vlans: [] },
  { name: 'web', cidrs: ['10.10.1.0/24'], vlans: [] },
  { name: 'app', cidrs: ['10.10.2.0/24'], vlans: [] },
  { name: 'db', cidrs: ['10.10.3.0/24'], vlans: [] },
];

async function setup(dir = mkdtempSync(join(tmpdir(), 'spanmap-api-'))) {
  const { store, data } = await openData(dir);
  const app = createApp({
    data,
    tokens: () => [
      { token: EDITOR, role: 'editor', name: 'alice' },
      { token: VIEWER, role: 'viewer', name: 'bob' },
    ],
    now: () => T0 + 10 * DAY,
  });
  const call = async (method: string, path: string, body?: unknown, token = EDITOR) => {
    const r = await app.request(`/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: r.status, headers: r.headers, body: (await r.json()) as any };
  };
  return { dir, store, data, app, call };
}

async function ingest(s: Awaited<ReturnType<typeof setup>>, entries: SummaryEntry[]) {
  for (let i = 0; i < entries.length; i += 50) {
    await s.data.ingest([batch(entries.slice(i, i + 50))], Date.now());
  }
}

describe('console API (through app.request)', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  beforeEach(async () => {
    s = await setup();
    await ingest(s, traffic());
  });

  it('requires the bearer token everywhere but /health, with JSON errors and stable codes', async () => {
    expect((await s.app.request('/api/v1/health')).status).toBe(200);
    const none = await s.app.request('/api/v1/edges');
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringMatching(/bearer/) } });
    expect((await s.call('GET', '/edges', undefined, 'wrong-token-xxxxxxxxxx')).status).toBe(401);
    expect((await s.call('GET', '/nope')).body.error.code).toBe('not_found');
    const viewer = await s.call('PUT', '/segments', SEGMENTS, VIEWER);
    expect(viewer.status).toBe(403);
    expect(viewer.body.error.code).toBe('forbidden');
  });

  it('validates segment definitions and names the field', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ name: 'web' }, /^body: expected an array/],
      [[{ name: 'web', cidrs: ['10.10.1.0/33'] }], /^segments\[0\]\.cidrs\[0\]: .*invalid prefix/],
      [[{ name: 'web', cidrs: ['10.10.1.7/24'] }], /^segments\[0\]\.cidrs\[0\]: .*host bits set \(did you mean 10\.10\.1\.0\/24\?\)/],
      [
        [
          { name: 'web', cidrs: ['10.10.1.0/24'] },
          { name: 'web2', cidrs: ['10.10.1.0/24'] },
        ],
        /^segments\[1\]\.cidrs\[0\]: 10\.10\.1\.0\/24 is also in segment "web"/,
      ],
      [[{ name: 'web', cidrs: ['10.10.1.0/24'], colour: 'red' }], /^segments\[0\]\.colour: unknown field/],
      [[{ name: 'web', vlans: [5000] }], /^segments\[0\]\.vlans\[0\]: expected a VLAN id/],
      [
        [
          { name: 'a', vlans: [10] },
          { name: 'b', vlans: [10] },
        ],
        /^segments\[1\]\.vlans\[0\]: VLAN 10 is also in segment "a"/,
      ],
      [[{ name: 'external', cidrs: ['10.0.0.0/8'] }], /^segments\[0\]\.name: "external" is reserved/],
      [[{ name: 'x', hosts: ['10.0.0.300'] }], /^segments\[0\]\.hosts\[0\]: expected an IP address/],
      [[{ name: 'x', cidrs: [] }], /^segments\[0\]: segment "x" has no cidrs/],
    ];
    for (const [body, re] of cases) {
      const r = await s.call('PUT', '/segments', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('bad_request');
      expect(r.body.error.message).toMatch(re);
    }
    const bad = await s.app.request('/api/v1/segments', {
      method: 'PUT',
      headers: { authorization: `Bearer ${EDITOR}`, 'content-type': 'application/json' },
      body: '{not json',
    });
    expect((await bad.json()).error.message).toBe('body: not valid JSON');
  });

  it('lists edges with segments, service and totals over a range; filters, sorts and pages', async () => {
    expect((await s.call('PUT', '/segments', SEGMENTS)).status).toBe(200);
    const all = await s.call('GET', `/edges?from=${T0}&to=${T0 + 3 * DAY}`);
    expect(all.status).toBe(200);
    expect(all.headers.get('x-total-count')).toBe('5');
    const https = all.body.find((e: any) => e.port === 443);
    expect(https).toMatchObject({
      src: '10.20.1.5',
      dst: '10.10.1.10',
      proto: 6,
      srcSegment: 'users',
      dstSegment: 'web',
      flows: 216,
      packets: 72 * 60,
      bytes: 72 * 6000,
      daysSeen: 3,
      service: 'https',
      infrastructure: false,
      review: null,
    });
    expect(https.firstSeen).toBe(T0 + 60_000);
    expect(all.body.find((e: any) => e.port === 53)).toMatchObject({ dstSegment: 'external', service: 'dns', infrastructure: true, flows: 4 });
    expect(all.body.map((e: any) => e.flows)).toEqual([216, 144, 72, 4, 1]); // default: flows, descending

    const db = await s.call('GET', `/edges?segment=db&sort=port&order=asc`);
    expect(db.body.map((e: any) => e.port)).toEqual([22, 5432]);
    expect((await s.call('GET', '/edges?proto=17')).body).toHaveLength(1);
    expect((await s.call('GET', '/edges?minFlows=100')).body).toHaveLength(2);
    expect((await s.call('GET', '/edges?host=10.10.3.30')).body).toHaveLength(2);

    const page1 = await s.call('GET', '/edges?limit=2');
    const cursor = page1.headers.get('x-next-cursor')!;
    const page2 = await s.call('GET', `/edges?limit=2&cursor=${cursor}`);
    const page3 = await s.call('GET', `/edges?limit=2&cursor=${page2.headers.get('x-next-cursor')}`);
    expect(page3.headers.get('x-next-cursor')).toBeNull();
    expect([...page1.body, ...page2.body, ...page3.body].map((e: any) => e.port)).toEqual(all.body.map((e: any) => e.port));

    for (const [q, re] of [
      ['frm=1', /^frm: unknown query parameter/],
      ['from=yesterday', /^from: expected milliseconds/],
      ['sort=colour', /^sort: expected one of/],
      ['segment=nowhere', /^segment: no segment named "nowhere"/],
      ['cursor=abc', /^cursor:/],
      ['port=70000', /^port: expected a whole number/],
    ] as const) {
      const r = await s.call('GET', `/edges?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.message, q).toMatch(re);
    }
  });

  it('counts a range with partial days exactly from the hourly buckets', async () => {
    // 06:00 on day 1 to 15:00 on day 2: 18 + 15 hours of the hourly https edge.
    const from = T0 + 6 * HOUR;
    const to = T0 + DAY + 15 * HOUR;
    const r = await s.call('GET', `/edges?from=${from}&to=${to}&port=443`);
    expect(r.body[0]).toMatchObject({ flows: 3 * 33, daysSeen: 2, firstSeen: from + 60_000, lastSeen: T0 + DAY + 14 * HOUR + 60_500 });
    const short = await s.call('GET', `/edges?from=${T0 + 23 * HOUR}&to=${T0 + DAY + 2 * HOUR}&port=443`);
    expect(short.body[0]).toMatchObject({ flows: 9, daysSeen: 2 }); // under a day, across midnight
  });

  it('builds the segment matrix and recomputes it when segments change, without re-ingest', async () => {
    await s.call('PUT', '/segments', SEGMENTS);
    const m = (await s.call('GET', '/matrix')).body;
    expect(m.segments).toEqual(['users', 'web', 'app', 'db', 'external']);
    const cell = (src: string, dst: string) => m.cells.find((c: any) => c.src === src && c.dst === dst);
    expect(cell('users', 'web')).toMatchObject({ edges: 1, flows: 216, services: [{ proto: 6, port: 443, service: 'https', flows: 216 }] });
    expect(cell('users', 'db')).toMatchObject({ edges: 1, flows: 1 });
    expect(m.cells.reduce((a: number, c: any) => a + c.flows, 0)).toBe(216 + 144 + 72 + 1 + 4);

    // Merge app and db into one "backend" segment: the matrix follows at once.
    await s.call('PUT', '/segments', [SEGMENTS[0], SEGMENTS[1], { name: 'backend', cidrs: ['10.10.2.0/24', '10.10.3.0/24'], vlans: [] }]);
    const m2 = (await s.call('GET', '/matrix')).body;
    expect(m2.cells.find((c: any) => c.src === 'backend' && c.dst === 'backend')).toMatchObject({ edges: 1, flows: 72 });
    expect(m2.cells.find((c: any) => c.src === 'users' && c.dst === 'backend')).toMatchObject({ edges: 1, flows: 1 });
  });

  it('records reviews with who and when, shows them on edges, keeps an audit trail across restarts', async () => {
    const ssh = { src: '10.20.1.5', dst: '10.10.3.30', proto: 6, port: 22 };
    const r = await s.call('POST', '/edges/review', { edges: [ssh], status: 'investigate', note: 'who uses ssh to the db?' });
    expect(r.status).toBe(200);
    expect(r.body.review).toMatchObject({ status: 'investigate', by: 'alice', note: 'who uses ssh to the db?' });
    await s.call('POST', '/edges/review', { edges: [ssh], status: 'rejected', note: 'not allowed' });
    expect((await s.call('POST', '/edges/review', { edges: [{ ...ssh, port: 23 }], status: 'expected' })).status).toBe(404);
    expect((await s.call('POST', '/edges/review', { edges: [ssh], status: 'fine' })).body.error.message).toMatch(
      /^status: expected one of expected, investigate, rejected/,
    );
    expect((await s.call('POST', '/edges/review', { edges: [ssh], status: 'expected' }, VIEWER)).status).toBe(403);

    await s.data.stop();
    await s.store.close();
    const again = await setup(s.dir);
    const edge = (await again.call('GET', '/edges?port=22')).body[0];
    expect(edge.review).toMatchObject({ status: 'rejected', note: 'not allowed', by: 'alice' });
    expect((await again.call('GET', '/edges?review=rejected')).body).toHaveLength(1);
    const audit = (await again.call('GET', '/audit')).body;
    expect(audit.map((a: any) => [a.action, a.by, a.detail.status])).toEqual([
      ['review', 'alice', 'investigate'],
      ['review', 'alice', 'rejected'],
    ]);
    await again.data.stop();
    await again.store.close();
  });

  it("gives an edge's hourly timeline", async () => {
    const r = await s.call('GET', `/edges/timeline?src=10.20.1.5&dst=10.10.3.30&proto=6&port=22&from=${T0 + DAY}&to=${T0 + DAY + 8 * HOUR}`);
    expect(r.status).toBe(200);
    expect(r.body.t).toHaveLength(8);
    expect(r.body.flows).toEqual([0, 0, 0, 0, 0, 1, 0, 0]);
    expect(r.body.packets[5]).toBe(80);
    expect((await s.call('GET', '/edges/timeline?src=10.20.1.5&dst=10.10.3.30&proto=6&port=23')).status).toBe(404);
    expect((await s.call('GET', '/edges/timeline?src=10.20.1.5')).body.error.message).toMatch(/^dst: required/);
  });
});
