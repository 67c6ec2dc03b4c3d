import { describe, it, expect, beforeAll } from 'vitest';
import { parseCidr, parseIP, cidrContains } from '@spanmap/shared';
import { site, batch, hour, rec, SITE, T0, DAY, HOUR } from './test-site.js';
import type { Rule, Selector } from './model.js';

type Site = Awaited<ReturnType<typeof site>>;
let s: Site;
let policy: string;
let base: Rule[];

beforeAll(async () => {
  s = await site(3);
  const r = await s.call('POST', '/policies', {
    name: 'site',
    from: T0,
    to: T0 + 3 * DAY,
    include: 'observed',
    granularity: 'segment',
    infrastructureLayer: true,
  });
  policy = r.body.id;
  base = r.body.rules;
}, 120_000);

/** The allowed surface the slow way: every ordered pair of known hosts, every port in a Set. */
function bruteSurface(rules: Rule[]): number {
  const hosts = s.data.catalog.hosts;
  const match = (x: Selector, ip: string) => {
    if ('any' in x) return true;
    if ('host' in x) return x.host === ip;
    if ('segment' in x) return s.data.model.segmentOf(ip) === x.segment;
    return cidrContains(parseCidr(x.cidr), parseIP(ip)!);
  };
  let total = 0;
  for (const a of hosts) {
    for (const b of hosts) {
      if (a === b) continue;
      const ports = new Map<number, Set<number>>();
      for (const r of rules) {
        if (!match(r.src, a) || !match(r.dst, b)) continue;
        for (const proto of r.proto === null ? [6, 17, 1] : [r.proto]) {
          const set = ports.get(proto) ?? new Set();
          ports.set(proto, set);
          const specs = r.ports.length === 0 ? [[0, [6, 17, 1, 58, 132].includes(proto) ? 65535 : 0] as [number, number]] : r.ports;
          for (const p of specs) for (let q = Array.isArray(p) ? p[0] : p; q <= (Array.isArray(p) ? p[1] : p); q++) set.add(q);
        }
      }
      for (const set of ports.values()) total += set.size;
    }
  }
  return total;
}

describe('rule statistics and the allowed surface', () => {
  it('counts the allowed surface exactly: host pairs × ports among known hosts, overlaps once', async () => {
    const extra = [
      { src: { host: SITE.users[0] }, dst: { host: SITE.web[0] }, proto: 6, ports: [443, 8443] }, // overlaps users → web 443
      { src: { cidr: '10.20.1.0/28' }, dst: { segment: 'legacy' }, proto: null, ports: [] }, // any protocol
      { src: { segment: 'users' }, dst: { segment: 'legacy' }, proto: 6, ports: [22] },
      { src: { host: SITE.users[0] }, dst: { host: SITE.mainframe }, proto: 6, ports: [22] },
    ];
    for (const rule of extra) expect((await s.call('POST', `/policies/${policy}/rules`, { rule, reason: 'test' })).status).toBe(201);
    const p = (await s.call('GET', `/policies/${policy}`)).body;
    const st = (await s.call('GET', `/policies/${policy}/stats?from=${T0}&to=${T0 + 3 * DAY}`)).body;
    expect(st.surface).toMatchObject({ hosts: s.data.catalog.hosts.length, approximate: false, allowed: bruteSurface(p.rules) });
    expect(st.surface.observed).toBe(st.surface.observedAllowed);
    expect(p.versions.map((v: { surface: { allowed: number } }) => v.surface.allowed)).toEqual([
      bruteSurface(base),
      bruteSurface(p.rules.slice(0, base.length + 1)),
      bruteSurface(p.rules.slice(0, base.length + 2)),
      bruteSurface(p.rules.slice(0, base.length + 3)),
      bruteSurface(p.rules),
    ]);
    // How many observed edges a version allows is counted for the current version only (one pass per edge).
    expect(p.versions.map((v: { surface: { observedAllowed: number | null } }) => v.surface.observedAllowed)).toEqual([
      null,
      null,
      null,
      null,
      st.surface.observed,
    ]);
    const list = (await s.call('GET', '/policies')).body;
    expect(list[0].surface.allowed).toBe(st.surface.allowed);
  });

  it('flags shadowed, no-traffic and broad rules, and credits hits to the rule that allows them', async () => {
    const p = (await s.call('GET', `/policies/${policy}`)).body;
    const st = (await s.call('GET', `/policies/${policy}/stats?from=${T0}&to=${T0 + 3 * DAY}&idleDays=2`)).body;
    const by = (pred: (r: Rule) => boolean) => st.rules[p.rules.findIndex(pred)];
    const https = p.rules.find((r: Rule) => 'segment' in r.src && r.ports.includes(443) && 'segment' in r.dst);
    const hostHttps = by((r) => 'host' in r.src && r.ports.includes(8443));
    expect(hostHttps.shadowedBy).toBeNull(); // it also allows 8443, which nothing else does
    const cidr = p.rules.find((r: Rule) => 'cidr' in r.src).id;
    // The host rule lies inside "10.20.1.0/28 → legacy, any protocol"; the segment rule does not (users is a /16).
    expect(by((r) => r.ports.includes(22) && 'host' in r.src).shadowedBy).toBe(cidr);
    const ssh = by((r) => r.ports.includes(22) && 'segment' in r.src);
    expect(ssh).toMatchObject({ shadowedBy: null, noTraffic: true, window: { flows: 0, edges: 0, lastHit: null } });
    expect(by((r) => r.id === https.id)).toMatchObject({ noTraffic: false, shadowedBy: null, window: { flows: 360, edges: 5 } });
    const rpc = by((r) => r.related?.service === 'msrpc-dynamic' && 'segment' in r.src && r.src.segment === 'users');
    expect(rpc.broad).toMatchObject({ pairs: 5, ports: 16384, seenPairs: 5, seen: 360, broad: true });
    // The FTP job ran on day 1-3 at 06:00: with idleDays=1 counted from the data's end (day 3, 23:xx) it is idle.
    const ftp = (await s.call('GET', `/policies/${policy}/stats?from=${T0}&to=${T0 + 3 * DAY}&idleDays=1`)).body;
    const ftpRule = p.rules.findIndex((r: Rule) => r.ports.includes(21));
    expect(ftp.rules[ftpRule].noTraffic).toBe(false); // last run 2024-06-05 06:15, within a day of 23:xx
    expect(ftp.reference).toBeLessThan(T0 + 3 * DAY);
  });

  it('counts monitor-mode hits per rule from live ingest', async () => {
    await s.call('POST', `/policies/${policy}/mode`, { mode: 'monitor' });
    await s.data.ingest([batch(hour(100, s.next))]);
    const p = (await s.call('GET', `/policies/${policy}`)).body;
    const st = (await s.call('GET', `/policies/${policy}/stats`)).body;
    const dns = st.rules[p.rules.findIndex((r: Rule) => r.proto === 17 && r.ports.includes(53))];
    expect(dns.monitor).toEqual({ flows: 8, lastHit: T0 + 100 * HOUR + 60_000 + 7000 + 150 });
  });

  it('allowing from the queue offers the narrowest rule: the host pair, or the related range', async () => {
    const u = '10.20.2.50'; // outside the /28 rule above
    const other = '10.20.2.51';
    const old = '10.30.0.8'; // an old Windows server in the legacy segment
    const t = T0 + 101 * HOUR;
    await s.data.ingest([batch([rec(u, old, 6, 50000, 135, t, t + 30), rec(u, old, 6, 50001, 49999, t + 200), rec(u, SITE.mainframe, 6, 50002, 23, t + 400)])]);
    const v = (await s.call('GET', `/policies/${policy}/violations`)).body;
    const of = (port: number) => v.find((x: { port: number }) => x.port === port);
    expect(of(49999)).toMatchObject({
      related: 'msrpc-dynamic',
      proposal: { src: { host: u }, dst: { host: old }, ports: [[49152, 65535]], scope: 'related range' },
    });
    expect(of(135).proposal).toMatchObject({ src: { host: u }, dst: { host: old }, ports: [135], scope: 'host pair' });
    const edges = [of(135), of(49999)].map(({ src, dst, proto, port }) => ({ src, dst, proto, port }));
    expect((await s.call('POST', `/policies/${policy}/violations/review`, { edges, action: 'allow', note: 'ERP' })).status).toBe(200);
    const check = async (src: string, dst: string, port: number) =>
      (await s.call('GET', `/policies/${policy}/check?src=${src}&dst=${dst}&proto=6&port=${port}`)).body.allowed;
    expect(await check(u, old, 61000)).toBe(true); // the next session's port
    expect(await check(other, old, 61000)).toBe(false); // not the segment
    expect(await check(other, old, 135)).toBe(false);
    // Widening is explicit.
    const telnet = { src: u, dst: SITE.mainframe, proto: 6, port: 23 };
    expect(await check(other, SITE.mainframe, 23)).toBe(false);
    const wide = await s.call('POST', `/policies/${policy}/violations/review`, { edges: [telnet], action: 'allow', widen: 'segment' });
    expect(wide.status).toBe(200);
    expect(await check(other, SITE.mainframe, 23)).toBe(true);
    const r = await s.call('POST', `/policies/${policy}/violations/review`, { edges: [telnet], action: 'reject', widen: 'segment' });
    expect([r.status, r.body.error.message]).toEqual([400, 'widen: only with action "allow"']);
  });
});
