import { describe, it, expect, beforeEach } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { SummaryBatch, SummaryEntry } from '@spanmap/shared';
import { openData } from '../test-util/open-data.js';
import { createApp } from '../api/app.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 4, 27); // Monday 27 May 2024: the window below holds the 31 May month end
const TOKEN = 'policy-test-token-0123456789';

function entry(src: string, dst: string, proto: number, port: number, first: number, flows = 1): SummaryEntry {
  return {
    src,
    dst,
    proto,
    port,
    vlan: null,
    iface: null,
    flows,
    records: flows,
    packets: 4 * flows,
    bytes: 400 * flows,
    rpackets: 3 * flows,
    rbytes: 900 * flows,
    first,
    last: first + 100,
    tcpFlags: 27,
    rtcpFlags: 27,
    init: { syn: flows, port: 0, first: 0 },
  };
}

let seq = 0;
const batch = (entries: SummaryEntry[]): SummaryBatch => ({
  v: 1,
  probe: 'p',
  epoch: 'ef'.repeat(16),
  seq: ++seq,
  from: Math.min(...entries.map((e) => e.first)),
  to: Math.max(...entries.map((e) => e.last)),
  records: [],
  names: [],
  entries,
});

const SEGMENTS = [
  { name: 'web', cidrs: ['10.10.1.0/24', 'fd00:10:1::/64'], vlans: [] },
  { name: 'app', cidrs: ['10.10.2.0/24'], vlans: [] },
  { name: 'db', cidrs: ['10.10.3.0/24'], vlans: [] },
  { name: 'infra', cidrs: ['10.10.0.0/24'], vlans: [] },
  { name: 'users', cidrs: ['10.20.0.0/16'], vlans: [] },
  { name: 'lab', cidrs: [], vlans: [77] },
];

async function setup() {
  let now = T0 + 40 * DAY;
  const { store, data } = await openData(mkdtempSync(join(tmpdir(), 'spanmap-policy-')), {}, () => now);
  const app = createApp({ data, tokens: () => [{ token: TOKEN, role: 'editor', name: 'carol' }], now: () => now });
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await app.request(`/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await r.text();
    let json: any = null;
    try {
      json = JSON.parse(text);
    } catch {
      /* an export */
    }
    return { status: r.status, body: json, text };
  };
  const ingest = async (entries: SummaryEntry[]) => {
    await data.ingest([batch(entries)], now);
  };
  await call('PUT', '/segments', SEGMENTS);
  return { store, data, call, ingest, setNow: (t: number) => (now = t) };
}

/** Five weeks: web→app every hour, app→db, DNS, a monthly job on 31 May only, users→web. */
function history(): SummaryEntry[] {
  const out: SummaryEntry[] = [];
  for (let h = 0; h < 35 * 24; h++) {
    const t = T0 + h * HOUR + 60_000;
    out.push(entry('10.10.1.10', '10.10.2.20', 6, 8080, t, 3));
    out.push(entry('10.10.2.20', '10.10.3.30', 6, 5432, t + 1000, 2));
    out.push(entry('10.10.2.20', '10.10.0.10', 17, 53, t + 2000, 2));
    out.push(entry('fd00:10:1::10', '10.10.0.10', 17, 53, t + 3000, 1));
    if (h % 24 >= 8 && h % 24 <= 18) out.push(entry('10.20.5.5', '10.10.1.10', 6, 443, t + 4000, 4));
  }
  out.push(entry('10.10.2.20', '10.10.3.99', 6, 1433, Date.UTC(2024, 4, 31, 23, 0))); // month end, once
  out.push(entry('10.20.5.5', '10.10.1.10', 1, 8 << 8, T0 + 3 * DAY + 5 * HOUR)); // a ping
  return out;
}

describe('policies', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  beforeEach(async () => {
    s = await setup();
    const h = history();
    for (let i = 0; i < h.length; i += 500) await s.ingest(h.slice(i, i + 500));
  });

  it('drafts allow rules from a window, keeps the periodic job the window missed, and matches direction only', async () => {
    // The window starts after the 31 May run of the monthly job.
    const r = await s.call('POST', '/policies', { name: 'june', from: T0 + 7 * DAY, to: T0 + 35 * DAY, include: 'observed', granularity: 'segment' });
    expect(r.status).toBe(201);
    const rules = r.body.rules as any[];
    const monthly = rules.find((x) => x.ports.includes(1433));
    expect(monthly).toMatchObject({ src: { segment: 'app' }, dst: { segment: 'db' }, proto: 6, keptPeriodic: { period: 'monthly' } });
    expect(monthly.comment).toMatch(/kept though the window missed its run/);
    expect(rules.find((x) => x.ports.includes(8080))).toMatchObject({ src: { segment: 'web' }, dst: { segment: 'app' }, edges: 1 });
    expect(r.body.defaultAction).toBe('deny');
    // The reverse of an allowed edge is not allowed.
    await s.ingest([entry('10.10.2.20', '10.10.1.10', 6, 8080, T0 + 36 * DAY)]);
    const sim = await s.call('GET', `/policies/${r.body.id}/simulate?from=${T0 + 36 * DAY}&to=${T0 + 37 * DAY}`);
    expect(sim.body.blocked.map((b: any) => `${b.src}>${b.dst}:${b.port}`)).toEqual(['10.10.2.20>10.10.1.10:8080']);
    expect(sim.body.blockedFlows).toBe(1);
  });

  it('include=expected takes only reviewed-expected edges, never rejected ones; host granularity is per host pair', async () => {
    await s.call('POST', '/edges/review', { edges: [{ src: '10.10.1.10', dst: '10.10.2.20', proto: 6, port: 8080 }], status: 'expected' });
    await s.call('POST', '/edges/review', {
      edges: [{ src: '10.10.2.20', dst: '10.10.3.30', proto: 6, port: 5432 }],
      status: 'rejected',
      note: 'goes through the pooler',
    });
    const exp = await s.call('POST', '/policies', { name: 'reviewed', from: T0, to: T0 + 35 * DAY, include: 'expected', granularity: 'host' });
    expect(exp.body.rules.map((x: any) => [x.src, x.dst, x.ports])).toEqual([[{ host: '10.10.1.10' }, { host: '10.10.2.20' }, [8080]]]);
    const obs = await s.call('POST', '/policies', { name: 'observed', from: T0, to: T0 + 35 * DAY, include: 'observed', granularity: 'host' });
    expect(obs.body.rules.some((x: any) => x.ports.includes(5432))).toBe(false);
    expect(obs.body.rules.some((x: any) => x.proto === 1 && x.ports.includes(2048))).toBe(true);
  });

  it('versions every change with author, time and reason; diffs and rolls back', async () => {
    const p = (await s.call('POST', '/policies', { name: 'v', from: T0, to: T0 + 35 * DAY, granularity: 'segment' })).body;
    s.setNow(T0 + 41 * DAY);
    const add = await s.call('POST', `/policies/${p.id}/rules`, {
      rule: { src: { segment: 'users' }, dst: { cidr: '10.10.3.0/24' }, proto: 6, ports: [22, [6000, 6010]], comment: 'DBA access' },
      reason: 'change 42',
    });
    expect(add.status).toBe(201);
    const added = add.body.rules.at(-1);
    const del = await s.call('DELETE', `/policies/${p.id}/rules/${p.rules[0].id}?reason=not+needed`);
    expect(del.body.version).toBe(3);
    const diff = (await s.call('GET', `/policies/${p.id}/diff?from=1&to=3`)).body;
    expect(diff.added.map((r: any) => r.id)).toEqual([added.id]);
    expect(diff.removed.map((r: any) => r.id)).toEqual([p.rules[0].id]);
    const back = await s.call('POST', `/policies/${p.id}/rollback`, { version: 1, reason: 'undo' });
    expect(back.body.version).toBe(4);
    const got = (await s.call('GET', `/policies/${p.id}`)).body;
    expect(got.versions.map((v: any) => [v.version, v.by, v.reason.slice(0, 9)])).toEqual([
      [1, 'carol', 'drafted f'],
      [2, 'carol', 'change 42'],
      [3, 'carol', 'not neede'],
      [4, 'carol', 'undo'],
    ]);
    expect(got.rules.map((r: any) => r.id).sort()).toEqual(p.rules.map((r: any) => r.id).sort());
    expect(got.versions[1].at).toBe(T0 + 41 * DAY);
    expect((await s.call('GET', `/policies/${p.id}?version=2`)).body.rules.some((r: any) => r.id === added.id)).toBe(true);
  });

  it('monitor mode logs would-be-blocked flows, raises one alert per new edge, and takes review actions', async () => {
    const p = (await s.call('POST', '/policies', { name: 'm', from: T0, to: T0 + 35 * DAY, granularity: 'host' })).body;
    await s.ingest([entry('10.20.5.5', '10.10.3.30', 6, 22, T0 + 36 * DAY)]); // before monitor mode: not evaluated
    await s.call('POST', `/policies/${p.id}/mode`, { mode: 'monitor' });
    await s.ingest([
      entry('10.10.1.10', '10.10.2.20', 6, 8080, T0 + 37 * DAY, 5),
      entry('10.20.5.5', '10.10.3.30', 6, 22, T0 + 37 * DAY),
      entry('10.20.5.6', '10.10.3.30', 6, 22, T0 + 37 * DAY, 2),
    ]);
    await s.ingest([entry('10.20.5.6', '10.10.3.30', 6, 22, T0 + 38 * DAY, 3)]);
    const v = (await s.call('GET', `/policies/${p.id}/violations`)).body;
    expect(v.map((x: any) => [x.src, x.flows]).sort()).toEqual([
      ['10.20.5.5', 1],
      ['10.20.5.6', 5],
    ]);
    // Only the edge that is new since the policy went live raises an alert (10.20.5.5 → db:22 existed before).
    const alerts = (await s.call('GET', '/alerts')).body;
    expect(alerts.map((a: any) => [a.src, a.status])).toEqual([['10.20.5.6', 'new']]);
    // Allow one: a new version, and its later flows are no longer would-be-blocked.
    const ok = await s.call('POST', `/policies/${p.id}/violations/review`, {
      edges: [{ src: '10.20.5.6', dst: '10.10.3.30', proto: 6, port: 22 }],
      action: 'allow',
      note: 'backup operator',
    });
    expect(ok.body.version).toBe(2);
    await s.ingest([entry('10.20.5.6', '10.10.3.30', 6, 22, T0 + 39 * DAY, 7)]);
    const after = (await s.call('GET', `/policies/${p.id}/violations`)).body;
    expect(after.find((x: any) => x.src === '10.20.5.6')).toMatchObject({ flows: 5, review: { action: 'allow', by: 'carol' } });
    expect((await s.call('GET', '/alerts?status=new')).body).toEqual([]);
    await s.call('POST', `/policies/${p.id}/violations/review`, { edges: [{ src: '10.20.5.5', dst: '10.10.3.30', proto: 6, port: 22 }], action: 'reject' });
    expect((await s.call('GET', `/policies/${p.id}/violations`)).body.find((x: any) => x.src === '10.20.5.5').review.action).toBe('reject');
    expect(
      (await s.call('POST', `/policies/${p.id}/violations/review`, { edges: [{ src: '10.9.9.9', dst: '10.10.3.30', proto: 6, port: 22 }], action: 'reject' }))
        .status,
    ).toBe(404);
  });

  it('refuses malformed policy input with the field named', async () => {
    const p = (await s.call('POST', '/policies', { name: 'x', granularity: 'host' })).body;
    const cases: Array<[string, string, unknown, RegExp]> = [
      ['POST', '/policies', { name: '', granularity: 'host' }, /^name:/],
      ['POST', '/policies', { name: 'a', granularity: 'zone' }, /^granularity: expected "segment" or "host"/],
      ['POST', '/policies', { name: 'a', colour: 1 }, /^colour: unknown field/],
      [
        'POST',
        `/policies/${p.id}/rules`,
        { rule: { src: { segment: 'nope' }, dst: { any: true }, proto: 6 }, reason: 'r' },
        /^rule\.src\.segment: no segment named "nope"/,
      ],
      [
        'POST',
        `/policies/${p.id}/rules`,
        { rule: { src: { any: true }, dst: { cidr: '10.0.0.1/8' }, proto: 6 }, reason: 'r' },
        /^rule\.dst\.cidr: .*host bits set/,
      ],
      [
        'POST',
        `/policies/${p.id}/rules`,
        { rule: { src: { any: true }, dst: { any: true }, proto: 6, ports: [[90, 80]] }, reason: 'r' },
        /^rule\.ports\[0\]: expected a port/,
      ],
      ['POST', `/policies/${p.id}/rules`, { rule: { src: { any: true }, dst: { any: true }, proto: 6 } }, /^reason: every change needs a reason/],
      ['POST', `/policies/${p.id}/mode`, { mode: 'enforce' }, /^mode: expected "monitor" or "off"/],
      ['GET', `/policies/${p.id}/export?format=pf`, undefined, /^format: expected one of/],
    ];
    for (const [m, path, body, re] of cases) {
      const r = await s.call(m, path, body);
      expect(r.status, path).toBe(400);
      expect(r.body.error.message, JSON.stringify(body)).toMatch(re);
    }
    expect((await s.call('GET', '/policies/nope')).status).toBe(404);
  });

  it('exports rulesets that nft, iptables-restore and ip6tables-restore accept, and CSV/JSON', async () => {
    const p = (await s.call('POST', '/policies', { name: 'export "me"', from: T0, to: T0 + 35 * DAY, granularity: 'segment', infrastructureLayer: true })).body;
    // Every selector kind and protocol shape in one version.
    const extra = [
      { src: { segment: 'users' }, dst: { segment: 'external' }, proto: 6, ports: [443, [8000, 8100]] },
      { src: { segment: 'unassigned' }, dst: { host: '10.10.0.10' }, proto: 17, ports: [123] },
      { src: { any: true }, dst: { cidr: 'fd00:10:1::/64' }, proto: 58, ports: [128 << 8] },
      { src: { segment: 'lab' }, dst: { segment: 'web' }, proto: 6, ports: [22] }, // VLAN-only, no host seen yet
      { src: { any: true }, dst: { segment: 'infra' }, proto: 89, ports: [] },
      { src: { any: true }, dst: { any: true }, proto: 6, ports: Array.from({ length: 20 }, (_, i) => 9000 + i * 3) },
    ];
    for (const rule of extra) expect((await s.call('POST', `/policies/${p.id}/rules`, { rule, reason: 'export test' })).status).toBe(201);
    const dir = mkdtempSync(join(tmpdir(), 'spanmap-export-'));
    const check = (format: string, cmd: string, args: string[]) => {
      return s.call('GET', `/policies/${p.id}/export?format=${format}`).then((r) => {
        expect(r.status).toBe(200);
        const f = join(dir, `policy.${format}`);
        writeFileSync(f, r.text);
        const res = spawnSync(cmd, [...args, f], { encoding: 'utf8' });
        expect(res.status, `${cmd}: ${res.stderr}\n${r.text}`).toBe(0);
        return r.text;
      });
    };
    const nft = await check('nftables', 'nft', ['-c', '-f']);
    expect(nft).toMatch(/policy drop;/);
    expect(nft).toMatch(/tcp dport \{ 443, 8000-8100 \} accept/);
    expect(nft).toMatch(/ip6 daddr fd00:10:1::\/64 icmpv6 type 128 icmpv6 code 0 accept/);
    expect(nft).toMatch(/# rule \w+ .*no addresses known for its source/);
    await check('iptables', 'iptables-restore', ['--test']);
    await check('ip6tables', 'ip6tables-restore', ['--test']);
    const csv = (await s.call('GET', `/policies/${p.id}/export?format=csv`)).text.trim().split('\n');
    expect(csv[1]).toBe('id,layer,src,dst,protocol,ports,comment,edges,kept_periodic,src_name,dst_name');
    expect(csv.length).toBe(2 + (await s.call('GET', `/policies/${p.id}`)).body.rules.length);
    const json = (await s.call('GET', `/policies/${p.id}/export?format=json`)).body;
    expect(json.policy.defaultAction).toBe('deny');
    expect(json.rules.find((r: any) => r.proto === 17 && r.ports.includes(53))).toMatchObject({
      layer: 'infrastructure',
      src: { any: true },
      dst: { host: '10.10.0.10' },
    });
  });
});
