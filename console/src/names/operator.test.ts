import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { openData } from '../test-util/open-data.js';
import { createApp } from '../api/app.js';
import { namedSite, SEGMENTS, T0, H, WEB, LEASE, UNNAMED, DC } from '../test-util/named-site.js';

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
    return { status: r.status, body: (await r.json()) as any };
  };
  return { ...d, app, call };
}

let s: Awaited<ReturnType<typeof setup>>;
const ALL = `from=${T0}&to=${T0 + 72 * H}`;
const edgeNames = async () =>
  Object.fromEntries(((await s.call('GET', `/edges?${ALL}`)).body as any[]).map((r) => [`${r.src}>${r.dst}`, [r.srcName, r.dstName]]));
const hostName = async (ip: string) => ((await s.call('GET', `/hosts?q=${ip}`)).body as any[]).find((r) => r.ip === ip);

beforeEach(async () => {
  s = await setup();
  await s.call('PUT', '/segments', SEGMENTS);
  await s.data.ingest(namedSite(), NOW);
});
afterEach(() => s.close());

describe('operator names', () => {
  it('win over learned names everywhere; removing one lets the learned name show again; audited', async () => {
    const r = await s.call('PUT', '/names', [
      { ip: WEB, name: 'Pay-Web-1.corp.example.' },
      { ip: UNNAMED, name: 'kiosk-lobby' },
    ]);
    expect(r.body).toEqual({ set: 2, removed: 0, unchanged: 0 });
    expect((await edgeNames())[`${UNNAMED}>${WEB}`]).toEqual(['kiosk-lobby', 'Pay-Web-1.corp.example']);
    expect(await hostName(WEB)).toMatchObject({ name: 'Pay-Web-1.corp.example', source: 'operator', by: 'alice', firstSeen: NOW });
    expect(((await s.call('GET', `/edges?${ALL}&host=pay-web`)).body as any[]).length).toBe(3);
    expect((await s.call('PUT', '/names', [{ ip: WEB, name: 'Pay-Web-1.corp.example' }])).body).toEqual({ set: 0, removed: 0, unchanged: 1 });

    expect((await s.call('PUT', '/names', [{ ip: WEB, name: null }])).body).toEqual({ set: 0, removed: 1, unchanged: 0 });
    expect((await edgeNames())[`${UNNAMED}>${WEB}`]).toEqual(['kiosk-lobby', 'web1.corp.example']);
    expect((await s.call('GET', '/hosts?ip=' + WEB)).body.map((x: any) => x.source)).toEqual(['tls', 'dns']);

    const audit = ((await s.call('GET', '/audit')).body as any[]).filter((a) => a.action === 'names');
    expect(audit.map((a) => a.detail.changes)).toEqual([
      [
        { ip: WEB, name: 'Pay-Web-1.corp.example', was: null },
        { ip: UNNAMED, name: 'kiosk-lobby', was: null },
      ],
      [{ ip: WEB, name: null, was: 'Pay-Web-1.corp.example' }],
    ]);
    expect(audit.every((a) => a.by === 'alice')).toBe(true);
  });

  it('imports a hosts file and a CSV through the same endpoint', async () => {
    const hosts = `# site hosts\n${DC} dc01.corp.example dc01\n${LEASE}\tws-fixed\n`;
    expect((await s.call('PUT', '/names', hosts, { type: 'text/plain; charset=utf-8' })).body).toEqual({ set: 2, removed: 0, unchanged: 0 });
    expect((await hostName(DC)).name).toBe('dc01.corp.example');
    expect((await s.call('PUT', '/names', `ip,name\n${DC},\n${UNNAMED},printer-2\n`, { type: 'text/csv' })).body).toEqual({ set: 1, removed: 1, unchanged: 0 });
    expect((await hostName(DC)).name).toBe('dc1.corp.example');
    expect((await hostName(UNNAMED)).name).toBe('printer-2');
    expect((await s.call('GET', '/audit')).body.filter((a: any) => a.action === 'names').map((a: any) => a.detail.how)).toEqual(['hosts', 'csv']);
  });

  it('refuses bad input whole, naming the line or field, and viewers', async () => {
    const before = await edgeNames();
    const cases: Array<[unknown, string, RegExp]> = [
      [`${DC} ok-name\n${LEASE} ${'x'.repeat(64)}\n`, 'text/plain', /^line 2: label "x+…" is longer than 63/],
      [
        [
          { ip: DC, name: 'fine' },
          { ip: 'nope', name: 'x' },
        ],
        'application/json',
        /^\[1\]\.ip: "nope" is not an IP address/,
      ],
      [[{ ip: DC, name: 'a'.repeat(254) }], 'application/json', /exceeds 253/],
      ['<hosts/>', 'application/xml', /^content-type: expected application\/json/],
      ['{', 'application/json', /^body: not valid JSON/],
    ];
    for (const [body, type, re] of cases) {
      const r = await s.call('PUT', '/names', body, { type });
      expect(r.status, String(body)).toBe(400);
      expect(r.body.error.message).toMatch(re);
    }
    expect((await s.call('PUT', '/names', [{ ip: DC, name: 'x' }], { token: VIEWER })).status).toBe(403);
    expect(await edgeNames()).toEqual(before);
  });

  it('keeps learned and operator names across a restart', async () => {
    await s.call('PUT', '/names', [{ ip: UNNAMED, name: 'kiosk-lobby' }]);
    const before = await edgeNames();
    const hostsBefore = (await s.call('GET', '/hosts')).body;
    await s.close();
    s = await setup(s.dir);
    expect(await edgeNames()).toEqual(before);
    expect((await s.call('GET', '/hosts')).body).toEqual(hostsBefore);
  });

  it('counts and skips bad observations (a batch ingested in-process skips the wire checks); a failed transaction changes nothing', async () => {
    const bad = namedSite(1, 'p2')[0]!;
    bad.names = [
      { ip: UNNAMED, name: 'bad name', source: 'dns', time: T0 },
      { ip: UNNAMED, name: 'ok.example', source: 'nope' as 'dns', time: T0 },
      { ip: UNNAMED, name: 'ok.example', source: 'dns', time: -1 },
      { ip: UNNAMED, name: 'OK.Example.', source: 'mdns', time: T0 + 1000 },
    ];
    await s.data.ingest([bad], NOW);
    expect((await s.call('GET', '/names')).body).toMatchObject({ learned: 4, operator: 0, rejected: { 'bad-name': 1, 'bad-source': 1, 'bad-time': 1 } });
    expect((await hostName(UNNAMED)).name).toBe('ok.example');

    const next = namedSite(1, 'p3')[0]!;
    next.names = [{ ip: UNNAMED, name: 'never.example', source: 'dhcp', time: T0 + 2000 }];
    await expect(
      s.data.ingest([next], NOW, (p) => {
        if (p === 'ingest:in-transaction') throw new Error('killed');
      }),
    ).rejects.toThrow('killed');
    expect((await hostName(UNNAMED)).name).toBe('ok.example');
  });
});
