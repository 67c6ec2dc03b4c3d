import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { writeScenario, type ScenarioTruth } from '@spanmap/scenario';
import { freePort, tempDir, killAll } from './helpers/procs.js';
import { ConsoleProc, TOKEN } from './helpers/console.js';
import { planNames, plannedName, publishNames, type PlannedAddress } from './helpers/names-plan.js';

/*
 * Issue 15 end to end, console side: a generated site's flows through a real probe process
 * (`probe read --publish`) into a real console over its MQTT broker, and the names that traffic
 * teaches — DNS-named servers, DHCP-named workstations one of whose lease moves, hosts never
 * named — published over MQTT as version-2 batches by a second publisher, out of time order.
 * (The probe's call site for its name decoders is not on main yet: when it is, the names come
 * from the same probe process instead.) Every named address must carry the name it had when the
 * traffic happened, on /edges and /hosts; unnamed ones stay null.
 */
const DAYS = 4;
let truth: ScenarioTruth;
let plan: PlannedAddress[];
let c: ConsoleProc;
let observations = 0;

interface Row {
  src: string;
  dst: string;
  proto: number;
  port: number;
  lastSeen: number;
  srcName: string | null;
  dstName: string | null;
}

async function all<T>(path: string): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const r = await fetch(`http://127.0.0.1:${c.httpPort}/api/v1${path}${sep}limit=10000${cursor ? `&cursor=${cursor}` : ''}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(r.status, path).toBe(200);
    out.push(...((await r.json()) as T[]));
    cursor = r.headers.get('x-next-cursor');
  } while (cursor);
  return out;
}

beforeAll(async () => {
  const dir = tempDir('names-e2e');
  const pcap = join(dir, 'site.pcap');
  truth = writeScenario(pcap, { days: DAYS, seed: 15 });
  const p = planNames(truth);
  plan = p.addresses;
  observations = p.observations.length;
  const broker = await freePort();
  c = await new ConsoleProc(join(dir, 'console'), await freePort(), { broker }).start();
  await c.api('/segments', { method: 'PUT', body: JSON.stringify(truth.segments) });
  await Promise.all([c.publish(pcap, 'site', join(dir, 'probe')), publishNames(`mqtt://127.0.0.1:${broker}`, 'site-names', p.observations)]);
}, 300_000);

afterAll(() => killAll());

describe('names end to end: probe → MQTT → console', () => {
  it('ingested every observation', async () => {
    const s = await c.api<{ learned: number; observations: number; rejected: Record<string, number> }>('/names');
    expect(s).toMatchObject({ observations, rejected: {} });
    expect(s.learned).toBe(plan.filter((a) => a.names.length > 0).length);
  });

  for (const [label, from, to] of [
    ['the whole capture', 0, 1],
    ['the first half (before the lease moved)', 0, 0.5],
    ['the second half', 0.5, 1],
  ] as const) {
    it(`names every edge of ${label} as its addresses were named when last seen; unnamed stay null`, async () => {
      const { start, end } = truth.generator;
      const f = start + Math.floor((end - start) * from);
      const t = start + Math.floor((end - start) * to);
      const rows = await all<Row>(`/edges?from=${f}&to=${t}`);
      expect(rows.length).toBeGreaterThan(50);
      const wrong = rows.flatMap((r) =>
        (['src', 'dst'] as const)
          .map((side) => [r[side], side === 'src' ? r.srcName : r.dstName, plannedName(plan, r[side], r.lastSeen)] as const)
          .filter(([, got, want]) => got !== want)
          .map(([ip, got, want]) => `${ip} at ${new Date(r.lastSeen).toISOString()}: ${got} (want ${want})`),
      );
      expect(wrong).toEqual([]);
      expect(rows.some((r) => r.srcName !== null) && rows.some((r) => r.srcName === null)).toBe(true);
    });
  }

  it('shows the moving lease under the name it had at the time', async () => {
    const ws = plan.find((a) => a.host === 'user001' && !a.ip.includes(':'))!;
    const move = ws.names[1]!.from;
    const { start, end } = truth.generator;
    const before = await all<Row>(`/edges?from=${start}&to=${move - 3_600_000}&host=${ws.ip}`);
    const after = await all<Row>(`/edges?from=${move + 3_600_000}&to=${end}&host=${ws.ip}`);
    expect(new Set(before.map((r) => r.srcName))).toEqual(new Set(['ws-0142.corp.example']));
    expect(new Set(after.map((r) => r.srcName))).toEqual(new Set(['ws-0177.corp.example']));
    expect((await all<Row>(`/edges?from=${start}&to=${end}&host=ws-0177`)).map((r) => r.src)).toEqual(after.map(() => ws.ip));
  });

  it('lists every host with the name it has now, and null for those never named', async () => {
    const hosts = await all<{ ip: string; name: string | null; source: string | null }>('/hosts');
    const byIp = new Map(hosts.map((h) => [h.ip, h]));
    const seen = plan.filter((a) => byIp.has(a.ip));
    expect(seen.length).toBeGreaterThan(20);
    for (const a of seen) expect(byIp.get(a.ip)!.name, a.ip).toBe(plannedName(plan, a.ip, Infinity));
    expect(byIp.get(plan.find((a) => a.host === 'web1' && !a.ip.includes(':'))!.ip)).toMatchObject({ name: 'web1.corp.example', source: 'dns' });
    expect(byIp.get(plan.find((a) => a.host === 'finance-db')!.ip)).toMatchObject({ name: 'finance-db', source: 'netbios' });
    expect(byIp.get(plan.find((a) => a.host === 'ntp1')!.ip)).toMatchObject({ name: null, source: null });
    const hist = await all<{ name: string; validUntil: number | null }>(`/hosts?ip=${plan.find((a) => a.host === 'user001')!.ip}`);
    expect(hist.map((h) => h.name)).toEqual(['ws-0177.corp.example', 'ws-0142.corp.example']);
  });
});
