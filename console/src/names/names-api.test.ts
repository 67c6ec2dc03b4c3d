import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openData } from '../test-util/open-data.js';
import { createApp } from '../api/app.js';
import { namedSite, truthName, SEGMENTS, T0, H, MOVED, DC, WEB, LEASE, UNNAMED, EXTERNAL } from '../test-util/named-site.js';
import type { EdgeRow } from '../matrix/query.js';
import type { HostRow } from './hosts.js';

const EDITOR = 'editor-token-0123456789';
const VIEWER = 'viewer-token-0123456789';
const NOW = T0 + 10 * 24 * H;

async function setup(dir?: string) {
  const d = await openData(dir, {}, () => NOW);
  const app = createApp({
    data: d.data,
    tokens: () => [
      { token: EDITOR, role: 'editor', name: 'alice' },
      { token: VIEWER, role: 'viewer', name: 'bob' },
    ],
    now: () => NOW,
  });
  const call = async (method: string, path: string, body?: unknown, opts: { token?: string; type?: string } = {}) => {
    const r = await app.request(`/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${opts.token ?? EDITOR}`, 'content-type': opts.type ?? 'application/json' },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    return { status: r.status, headers: r.headers, body: (await r.json()) as any };
  };
  return { ...d, app, call };
}

type Setup = Awaited<ReturnType<typeof setup>>;
let s: Setup;
const edges = async (q: string): Promise<EdgeRow[]> => {
  const r = await s.call('GET', `/edges?${q}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
};
const hosts = async (q = ''): Promise<HostRow[]> => (await s.call('GET', `/hosts${q}`)).body;
const names = (rows: EdgeRow[]) => Object.fromEntries(rows.map((r) => [`${r.src}>${r.dst}:${r.port}`, [r.srcName, r.dstName]]));

beforeAll(async () => {
  s = await setup();
  expect((await s.call('PUT', '/segments', SEGMENTS)).status).toBe(200);
  await s.data.ingest(namedSite(), NOW);
});
afterAll(() => s.close());

describe('names on edges and hosts (learned from batches)', () => {
  it('names every edge as its addresses were named at its last-seen time in the range; null when unknown', async () => {
    for (const [from, to] of [
      [T0, T0 + 72 * H],
      [T0, T0 + 24 * H],
      [T0 + 30 * H, T0 + 40 * H],
      [T0, T0 + H], // flows of the first hour happen before any name was seen
    ] as const) {
      const rows = await edges(`from=${from}&to=${to}`);
      expect(rows).toHaveLength(4);
      for (const r of rows) {
        expect(r.srcName, `${r.src} in ${from}-${to}`).toBe(truthName(r.src, r.lastSeen));
        expect(r.dstName, `${r.dst} in ${from}-${to}`).toBe(truthName(r.dst, r.lastSeen));
      }
    }
    expect(names(await edges(`from=${T0}&to=${T0 + 24 * H}`))[`${LEASE}>${WEB}:443`]).toEqual(['ws-0142.corp.example', 'web1.corp.example']);
    expect(names(await edges(`from=${T0}&to=${T0 + 72 * H}`))[`${LEASE}>${WEB}:443`]).toEqual(['ws-0177.corp.example', 'web1.corp.example']);
    expect(names(await edges(`from=${T0}&to=${T0 + H}`))[`${LEASE}>${DC}:53`]).toEqual([null, null]);
    expect(names(await edges(`from=${T0}&to=${T0 + 72 * H}`))[`${WEB}>${EXTERNAL}:443`]).toEqual(['web1.corp.example', null]);
  });

  it('filters by host name prefix, case-insensitive, on the names the rows show', async () => {
    const all = `from=${T0}&to=${T0 + 72 * H}`;
    expect((await edges(`${all}&host=ws-`)).map((r) => r.srcName)).toEqual(['ws-0177.corp.example', 'ws-0177.corp.example']);
    expect(await edges(`${all}&host=ws-0142`)).toHaveLength(0); // by its last-seen time the lease had moved
    expect(await edges(`from=${T0}&to=${T0 + 24 * H}&host=ws-0142`)).toHaveLength(2);
    expect((await edges(`${all}&host=WEB1.corp`)).length).toBe(3);
    expect((await edges(`${all}&host=${UNNAMED}`)).map((r) => r.src)).toEqual([UNNAMED]);
    expect((await edges(`${all}&host=dc1.corp.example.`)).map((r) => r.dst)).toEqual([DC]);
    expect(await edges(`${all}&host=portal`)).toHaveLength(0); // TLS's name is not the one shown
    const m = await s.call('GET', `/matrix?${all}&host=dc1`);
    expect(m.body.cells).toEqual([expect.objectContaining({ src: 'users', dst: 'infra', edges: 1 })]);
    const bad = await s.call('GET', `/edges?host=${encodeURIComponent('two words')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^host: "two words" is neither an IP address nor a host name/);
  });

  it('lists hosts: every address with its name now, named or not, paged', async () => {
    const rows = await hosts();
    expect(rows.map((r) => [r.ip, r.name, r.source, r.segment])).toEqual([
      [DC, 'dc1.corp.example', 'dns', 'infra'],
      [WEB, 'web1.corp.example', 'dns', 'web'],
      [LEASE, 'ws-0177.corp.example', 'dhcp', 'users'],
      [UNNAMED, null, null, 'users'],
      [EXTERNAL, null, null, 'external'],
    ]);
    const lease = rows[2]!;
    expect(lease).toMatchObject({ firstSeen: MOVED, lastSeen: T0 + 71 * H + 35 * 60_000, validUntil: null, observations: 72 });
    expect(rows[3]).toMatchObject({ firstSeen: T0 + 62_000, lastSeen: T0 + 71 * H + 62_500, observations: 0, traffic: { firstSeen: T0 + 62_000 } });
    const page = await s.call('GET', '/hosts?limit=2');
    expect(page.headers.get('x-total-count')).toBe('5');
    const next = await s.call('GET', `/hosts?limit=2&cursor=${page.headers.get('x-next-cursor')}`);
    expect(next.body.map((r: HostRow) => r.ip)).toEqual([LEASE, UNNAMED]);
    expect((await hosts('?named=false')).map((r) => r.ip)).toEqual([UNNAMED, EXTERNAL]);
    expect((await hosts(`?at=${T0 + 12 * H}`))[2]!.name).toBe('ws-0142.corp.example');
    expect((await hosts('?sort=name')).map((r) => r.name)).toEqual(['dc1.corp.example', 'web1.corp.example', 'ws-0177.corp.example', null, null]);
  });

  it('gives an address its name history, and finds names anywhere in it', async () => {
    const hist = await hosts(`?ip=${LEASE}`);
    expect(hist.map((r) => [r.name, r.firstSeen, r.validUntil])).toEqual([
      ['ws-0177.corp.example', MOVED, null],
      ['ws-0142.corp.example', T0 + 5 * 60_000, MOVED],
    ]);
    expect((await hosts(`?ip=${WEB}`)).map((r) => [r.name, r.source])).toEqual([
      ['portal.corp.example', 'tls'],
      ['web1.corp.example', 'dns'],
    ]);
    expect((await hosts(`?ip=${UNNAMED}`)).map((r) => r.name)).toEqual([null]);
    expect(await hosts('?ip=192.0.2.99')).toEqual([]);
    expect((await hosts('?q=WS-0142')).map((r) => [r.ip, r.name])).toEqual([[LEASE, 'ws-0142.corp.example']]);
    expect((await hosts('?q=10.20.3.')).map((r) => [r.ip, r.name])).toEqual([
      [LEASE, 'ws-0177.corp.example'],
      [UNNAMED, null],
    ]);
    expect((await hosts('?q=portal')).map((r) => r.ip)).toEqual([WEB]);
    for (const q of ['?ip=nope', '?q=', '?ip=10.0.0.1&q=x', '?sort=segment', '?cursor=zz', '?nope=1'])
      expect((await s.call('GET', `/hosts${q}`)).status, q).toBe(400);
  });
});
