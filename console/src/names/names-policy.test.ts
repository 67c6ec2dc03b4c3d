import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { openData } from '../test-util/open-data.js';
import { createApp } from '../api/app.js';
import { namedSite, flow, SEGMENTS, T0, H, MOVED, DC, WEB, LEASE, UNNAMED } from '../test-util/named-site.js';

const TOKEN = 'names-policy-token-0123456789';
let now = T0 + 4 * 24 * H;
let d: Awaited<ReturnType<typeof openData>>;
let call: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any; text: string }>;
let policy: string;

beforeAll(async () => {
  d = await openData(undefined, {}, () => now);
  const app = createApp({ data: d.data, tokens: () => [{ token: TOKEN, role: 'editor', name: 'alice' }], now: () => now });
  call = async (method, path, body) => {
    const r = await app.request(`/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await r.text();
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      // an export
    }
    return { status: r.status, body: parsed, text };
  };
  await call('PUT', '/segments', SEGMENTS);
  await d.data.ingest(namedSite(), now);
  const p = await call('POST', '/policies', { name: 'hosts', from: T0, to: T0 + 24 * H, granularity: 'host' });
  expect(p.status).toBe(201);
  policy = p.body.id;
});
afterAll(() => d.close());

describe('names in policies, their queues, alerts and exports', () => {
  it('names a rule’s hosts as they are named now, its justifying edges as they were in the window', async () => {
    const p = (await call('GET', `/policies/${policy}`)).body;
    const rule = p.rules.find((r: any) => r.src.host === LEASE && r.dst.host === WEB);
    expect(rule).toMatchObject({ srcName: 'ws-0177.corp.example', dstName: 'web1.corp.example' });
    // Drafted from the first day: the lease was ws-0142 then.
    expect(rule.justifiedBy).toEqual([{ src: LEASE, dst: WEB, proto: 6, port: 443, srcName: 'ws-0142.corp.example', dstName: 'web1.corp.example' }]);
    const unnamed = p.rules.find((r: any) => r.src.host === UNNAMED);
    expect(unnamed).toMatchObject({ srcName: null, dstName: 'web1.corp.example' });
  });

  it('writes the names into every export: comment lines nft and iptables accept, CSV columns, JSON fields', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spanmap-names-export-'));
    const rule = (await call('GET', `/policies/${policy}`)).body.rules.find((r: any) => r.src.host === LEASE && r.dst.host === WEB);
    const line = `${rule.id}: host:${LEASE} (ws-0177.corp.example) -> host:${WEB} (web1.corp.example)`;
    for (const [format, cmd, args] of [
      ['nftables', 'nft', ['-c', '-f']],
      ['iptables', 'iptables-restore', ['--test']],
    ] as const) {
      const r = await call('GET', `/policies/${policy}/export?format=${format}`);
      expect(r.text).toContain(`# ${line}\n`);
      const f = join(dir, format);
      writeFileSync(f, r.text);
      const res = spawnSync(cmd, [...args, f], { encoding: 'utf8' });
      expect(res.status, `${cmd}: ${res.stderr}`).toBe(0);
    }
    const csv = (await call('GET', `/policies/${policy}/export?format=csv`)).text.split('\n');
    expect(csv[1]!.endsWith(',src_name,dst_name')).toBe(true);
    expect(csv.find((l) => l.startsWith(`${rule.id},`))!.endsWith(',ws-0177.corp.example,web1.corp.example')).toBe(true);
    const json = (await call('GET', `/policies/${policy}/export?format=json`)).body;
    expect(json.rules.find((r: any) => r.id === rule.id)).toMatchObject({ srcName: 'ws-0177.corp.example', dstName: 'web1.corp.example' });
  });

  it('names the would-be-blocked queue, the simulation and alerts at each edge’s last-seen time', async () => {
    const out = (await call('GET', `/policies/${policy}`)).body.rules.find((r: any) => r.src.host === WEB);
    expect((await call('DELETE', `/policies/${policy}/rules/${out.id}?reason=test`)).status).toBe(200);
    const sim = (await call('GET', `/policies/${policy}/simulate?from=${T0}&to=${T0 + 72 * H}`)).body;
    expect(sim.blocked.length).toBeGreaterThan(0);
    for (const b of sim.blocked) expect([b.srcName, b.dstName]).toEqual([d.data.names.nameAt(b.src, b.lastSeen), d.data.names.nameAt(b.dst, b.lastSeen)]);
    expect(sim.blocked.some((b: any) => b.srcName === 'web1.corp.example')).toBe(true);

    expect((await call('POST', `/policies/${policy}/mode`, { mode: 'monitor' })).status).toBe(200);
    now += H;
    const t = T0 + 80 * H;
    await d.data.ingest(
      [
        {
          v: 2,
          probe: 'p9',
          epoch: 'cd'.repeat(16),
          seq: 1,
          from: t,
          to: t + 1000,
          records: [flow(UNNAMED, DC, 6, 22, t), flow(LEASE, DC, 6, 3389, t)],
          names: [],
          entries: [],
        },
      ],
      now,
    );
    const v = (await call('GET', `/policies/${policy}/violations`)).body;
    expect(v.map((x: any) => [x.src, x.srcName, x.dstName]).sort()).toEqual([
      [LEASE, 'ws-0177.corp.example', 'dc1.corp.example'],
      [UNNAMED, null, 'dc1.corp.example'],
    ]);
    const a = (await call('GET', '/alerts')).body;
    expect(a.map((x: any) => [x.port, x.srcName, x.dstName]).sort()).toEqual([
      [22, null, 'dc1.corp.example'],
      [3389, 'ws-0177.corp.example', 'dc1.corp.example'],
    ]);
    expect(MOVED).toBeLessThan(t);
  });
});
