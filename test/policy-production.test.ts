import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { writePolicySite, ANOMALY_HIGH_PORT, type PolicySiteTruth } from '@spanmap/scenario';
import { freePort, tempDir, killAll } from './helpers/procs.js';
import { ConsoleProc, TOKEN, edgeKey as key } from './helpers/console.js';
import { BrowserSession } from './helpers/browser.js';

/*
 * Issue 16's proof, through a real probe and console. Three weeks of a site with MS-RPC logons
 * (endpoint mapper, then a fresh dynamic port), RPC to an old Windows server on 1025-5000, passive
 * FTP jobs, SNMP polling from a management station; in the last week two users get new DHCP
 * addresses, a server joins the app segment and four anomalies happen. A segment-level draft with
 * the infrastructure layer from the first two weeks, monitoring the third, must flag exactly the
 * anomalies; the policy check must answer as a network engineer expects.
 */
type Edge = { src: string; dst: string; proto: number; port: number };
let truth: PolicySiteTruth;
let c: ConsoleProc;
let policy: string;
let split: number;
let end: number;

beforeAll(async () => {
  const dir = tempDir('policy-production');
  const all = join(dir, 'site.pcap');
  truth = writePolicySite(all, { seed: 16 });
  split = truth.policySite.monitorFrom;
  end = truth.generator.end;
  const first = join(dir, 'weeks1-2.pcap');
  const last = join(dir, 'week3.pcap');
  execFileSync('editcap', ['-B', String(split / 1000), all, first]);
  execFileSync('editcap', ['-A', String(split / 1000), all, last]);

  const broker = await freePort();
  c = await new ConsoleProc(join(dir, 'console'), await freePort(), { broker }).start();
  await c.api('/segments', { method: 'PUT', body: JSON.stringify(truth.segments) });
  await c.publish(first, 'site', join(dir, 'probe'));
  const p = await c.api<{ id: string }>('/policies', {
    method: 'POST',
    body: JSON.stringify({ name: 'weeks 1-2', from: truth.generator.start, to: split, include: 'observed', granularity: 'segment', infrastructureLayer: true }),
  });
  policy = p.id;
  await c.api(`/policies/${policy}/mode`, { method: 'POST', body: JSON.stringify({ mode: 'monitor' }) });
  await c.publish(last, 'site', join(dir, 'probe'));
}, 600_000);

const b = new BrowserSession();
afterAll(async () => {
  await b.stop();
  await killAll();
});

const anomalies = () =>
  truth.edges
    .filter((e) => e.anomaly)
    .map(key)
    .sort();

describe('a segment-level draft with the infrastructure layer, monitoring the last week', () => {
  it('the last week holds new dynamic ports, FTP data ports, new addresses and a new server — and the anomalies', () => {
    const fresh = truth.edges.filter((e) => e.firstSeen >= split && !e.anomaly);
    const newAddr = new Set([...truth.policySite.moved.map((m) => m.to), ...truth.policySite.added.map((a) => a.ip)]);
    const rel = truth.policySite.related;
    expect(fresh.filter((e) => rel[key(e)] === 'msrpc-dynamic').length).toBeGreaterThan(100);
    expect(fresh.filter((e) => rel[key(e)] === 'ftp-data').length).toBeGreaterThan(10);
    expect(fresh.filter((e) => newAddr.has(e.src) || newAddr.has(e.dst)).length).toBeGreaterThan(20);
    expect(new Set(truth.edges.filter((e) => e.anomaly).map((e) => e.anomaly))).toEqual(
      new Set(['snmp-from-workstation', 'high-port-without-control', 'ssh-user-to-app', 'external']),
    );
  });

  it('live monitor mode flags exactly the anomalies, with their flows', async () => {
    const v = await c.api<Array<Edge & { flows: number }>>(`/policies/${policy}/violations`);
    expect(v.map(key).sort()).toEqual(anomalies());
    const flows = new Map(truth.edges.filter((e) => e.anomaly).map((e) => [key(e), e.flows]));
    for (const x of v) expect(x.flows, key(x)).toBe(flows.get(key(x)));
  });

  it('/simulate over the last week blocks exactly the anomalies', async () => {
    const s = await c.api<{ blocked: Edge[]; allowedFlows: number; blockedFlows: number }>(`/policies/${policy}/simulate?from=${split}&to=${end}`);
    expect(s.blocked.map(key).sort()).toEqual(anomalies());
  });

  it('recognises every related data connection, and only those, from the flows alone', async () => {
    for (const kind of ['msrpc-dynamic', 'ftp-data'] as const) {
      const rows = await c.api<Edge[]>(`/edges?service=${kind}&from=${truth.generator.start}&to=${end}&limit=10000`);
      const want = Object.entries(truth.policySite.related)
        .filter(([, k]) => k === kind)
        .map(([e]) => e)
        .sort();
      expect(want.length).toBeLessThan(10000);
      expect(rows.map(key).sort(), kind).toEqual(want);
    }
    // The anomaly's high port has no endpoint-mapper call before it: an ordinary edge.
    const [hp] = await c.api<Array<{ service: string | null }>>(`/edges?port=${ANOMALY_HIGH_PORT}&from=${split}&to=${end}`);
    expect(hp!.service).toBeNull();
  });

  it('drafts no "any → device udp/161" rule: SNMP is allowed from the management station only', async () => {
    const p = await c.api<{ rules: Array<{ src: Record<string, unknown>; proto: number; ports: unknown[]; orientation?: string }> }>(`/policies/${policy}`);
    const snmp = p.rules.filter((r) => r.proto === 17 && r.ports.includes(161));
    expect(snmp.length).toBeGreaterThan(0);
    for (const r of snmp) expect(r).toMatchObject({ src: { host: truth.policySite.managementStation }, orientation: 'out' });
  });

  it('answers the policy check: the manager’s SNMP yes, a workstation’s no; a never-seen RPC port to the DC yes, to a web server no', async () => {
    const f = truth.policySite;
    const check = (src: string, dst: string, proto: number, port: number) =>
      c.api<{ allowed: boolean; rule: { id: string } | null }>(`/policies/${policy}/check?src=${src}&dst=${dst}&proto=${proto}&port=${port}`);
    const ws = f.workstations[0]!;
    const web = f.webServers[0]!;
    expect((await check(f.managementStation, web, 17, 161)).allowed).toBe(true);
    expect(await check(ws, web, 17, 161)).toEqual({ allowed: false, rule: null, version: 1, srcSegment: 'users', dstSegment: 'web' });
    const used = new Set(truth.edges.filter((e) => e.proto === 6).map((e) => e.port));
    const port = [...Array(16384).keys()].map((i) => 65535 - i).find((p) => !used.has(p))!;
    expect((await check(ws, f.domainController, 6, port)).allowed).toBe(true);
    expect((await check(ws, web, 6, port)).allowed).toBe(false);
  });

  it('reports the allowed surface and rule statistics for the monitored week', async () => {
    const s = await c.api<{ surface: { allowed: number; observed: number; observedAllowed: number }; rules: Array<{ monitor: { flows: number } | null }> }>(
      `/policies/${policy}/stats?from=${split}&to=${end}`,
    );
    expect(s.surface.observed - s.surface.observedAllowed).toBe(anomalies().length);
    expect(s.surface.allowed).toBeGreaterThan(s.surface.observed);
    const monitored = s.rules.reduce((n, r) => n + (r.monitor?.flows ?? 0), 0);
    const inWeek = truth.conversations.filter((x) => x.start >= split).length;
    const anomalous = truth.edges.filter((e) => e.anomaly).reduce((n, e) => n + e.flows, 0);
    // A conversation cut by the split (a pooled database connection) is a flow again in the last week's capture.
    const straddling = truth.conversations.filter((x) => x.start < split && x.end >= split).length;
    expect(monitored).toBe(inWeek - anomalous + straddling);
  });

  it('shows it on the policy page: the check box, the surface in the list, rule statistics, the narrowest rule in the queue', async () => {
    const f = truth.policySite;
    await b.start();
    const { page } = b;
    const visible = { state: 'visible' as const, timeout: 15_000 };
    await page.goto(`http://127.0.0.1:${c.httpPort}/#token=${TOKEN}`);
    await page.getByRole('navigation').getByRole('link', { name: 'Policies' }).click();
    const row = page.locator('table.grid tbody tr', { hasText: 'weeks 1-2' });
    await row.waitFor(visible);
    const list = await c.api<Array<{ surface: { observed: number; observedAllowed: number } }>>('/policies');
    expect(await row.textContent()).toContain(
      `${list[0]!.surface.observedAllowed.toLocaleString('en-US')} / ${list[0]!.surface.observed.toLocaleString('en-US')}`,
    );
    await row.locator('a').click();
    const ask = async (src: string, dst: string, proto: string, port: string) => {
      await page.getByLabel('check source').fill(src);
      await page.getByLabel('check destination').fill(dst);
      await page.getByLabel('check protocol').selectOption(proto);
      await page.getByLabel('check port').fill(port);
      await page.getByRole('button', { name: 'Check', exact: true }).click();
      const out = page.locator('.check-result', { hasText: `${src} → ${dst}` });
      await out.waitFor(visible);
      return out.textContent();
    };
    expect(await ask(f.managementStation, f.webServers[0]!, '17', '161')).toMatch(/^allowed .* by allow host 10\.10\.0\.50 → segment web udp port 161/);
    expect(await ask(f.workstations[0]!, f.webServers[0]!, '17', '161')).toMatch(/^denied .*no rule allows it; the default is deny/);
    await page.getByRole('tab', { name: 'Statistics' }).click();
    await page.locator('.policy-stats .vt-row:not(.placeholder)').first().waitFor(visible);
    expect(await page.locator('.stat', { hasText: 'edges observed' }).count()).toBe(1);
    expect(await page.locator('.policy-stats .badge', { hasText: 'broad' }).count()).toBeGreaterThan(0);
    await page.getByRole('tab', { name: 'Monitor' }).click();
    const snmp = page.locator('.vt-row', { hasText: 'udp/161' });
    await snmp.waitFor(visible);
    expect(await snmp.textContent()).toContain(`host ${f.workstations[2]} → host ${f.webServers[0]} 161host pair`);
    await b.screenshot('policy-production-monitor');
    expect(b.errors).toEqual([]);
  });
});
