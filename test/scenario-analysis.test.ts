import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { writeScenario, type ScenarioTruth } from '@spanmap/scenario';
import { freePort, tempDir, killAll } from './helpers/procs.js';
import { ConsoleProc, edgeKey } from './helpers/console.js';

/*
 * Issue 6's proof: a 28-day generated site (daily, weekday-only, weekly, monthly, hourly and
 * once-only jobs, infrastructure services, business-hours and frequent-but-aperiodic traffic)
 * through probe → broker → console; every label must match what the generator wrote.
 */
let truth: ScenarioTruth;
let c: ConsoleProc;

interface Edge {
  src: string;
  dst: string;
  proto: number;
  port: number;
  period: string | null;
  periodNote: string | null;
  nextExpected: number | null;
  service: string | null;
  infrastructure: boolean;
}

beforeAll(async () => {
  const dir = tempDir('scenario-analysis');
  const pcap = join(dir, 'site.pcap');
  truth = writeScenario(pcap, { days: 28, seed: 21 });
  const broker = await freePort();
  c = await new ConsoleProc(join(dir, 'console'), await freePort(), { broker }).start();
  await c.api('/segments', { method: 'PUT', body: JSON.stringify(truth.segments) });
  await c.publish(pcap, 'site', join(dir, 'probe'));
}, 300_000);

afterAll(() => killAll());

const key = edgeKey;

describe('long-tail analysis of a 28-day generated site', () => {
  it('labels every edge with the period the generator gave it', async () => {
    const edges = new Map((await c.api<Edge[]>('/edges?limit=10000')).map((e) => [key(e), e]));
    const wrong: string[] = [];
    for (const t of truth.edges) {
      const e = edges.get(key(t));
      if (!e) wrong.push(`${key(t)} (${t.tag}) missing`);
      else if (e.period !== t.period)
        wrong.push(`${key(t)} ${t.srcName}→${t.dstName} (${t.tag}): expected ${t.period}, got ${e.period} (${e.periodNote ?? ''})`);
    }
    expect(wrong).toEqual([]);
    // Periodic edges say when to expect them next: after the window, not in the past.
    for (const t of truth.edges.filter((x) => x.period && x.period !== 'continuous'))
      expect(edges.get(key(t))!.nextExpected!, key(t)).toBeGreaterThan(t.lastSeen);
  });

  it('surfaces the month-end job seen once as possibly monthly', async () => {
    const monthly = truth.edges.filter((t) => t.tag === 'monthly-last-day');
    expect(monthly.length).toBeGreaterThan(0);
    const edges = new Map((await c.api<Edge[]>('/edges?limit=10000')).map((e) => [key(e), e]));
    for (const t of monthly) expect(edges.get(key(t))!.periodNote).toMatch(/^seen once, possibly monthly/);
  });

  it('flags every infrastructure edge with its service, and no application edge', async () => {
    const edges = new Map((await c.api<Edge[]>('/edges?limit=10000')).map((e) => [key(e), e]));
    const wrong: string[] = [];
    for (const t of truth.edges) {
      const e = edges.get(key(t))!;
      if (e.infrastructure !== t.infrastructure) wrong.push(`${key(t)} ${t.srcName}→${t.dstName} (${t.service}): expected infrastructure=${t.infrastructure}`);
      if (t.infrastructure && e.service !== t.service) wrong.push(`${key(t)}: service ${e.service}, expected ${t.service}`);
    }
    expect(wrong).toEqual([]);
  });

  it('/longtail ranks the once-only and monthly edges first, with first/last seen and review state', async () => {
    const lt = await c.api<Array<Edge & { rarity: number; activeHours: number; firstSeen: number; lastSeen: number; review: unknown }>>('/longtail?limit=20');
    const rarest = new Set(truth.edges.filter((t) => t.tag === 'once' || t.tag === 'monthly-last-day').map(key));
    expect(rarest.size).toBeGreaterThan(0);
    expect(lt.slice(0, rarest.size).map(key).sort()).toEqual([...rarest].sort());
    expect(lt[0]!.rarity).toBe(1);
    expect(lt[0]!).toHaveProperty('review', null);
    expect(lt.every((e, i) => i === 0 || e.activeHours >= 1)).toBe(true);
  });

  it('/coverage says the window holds a full weekly cycle and a month end, and why it is not complete', async () => {
    const cov = await c.api<{
      segments: Array<{ segment: string; daysObserved: number; weeklyCycle: boolean; monthEnd: boolean; completeness: number; reasons: string[] }>;
    }>('/coverage');
    for (const s of truth.segments) {
      const seg = cov.segments.find((x) => x.segment === s.name)!;
      expect(seg, s.name).toBeDefined();
      expect(seg.daysObserved).toBe(28);
      expect(seg.weeklyCycle).toBe(true);
      expect(seg.monthEnd).toBe(true);
      expect(seg.completeness).toBeGreaterThan(0.9);
    }
    // A one-week window: no weekly cycle gaps, but no month end either, and the reason says so.
    const start = truth.generator.start;
    const week = await c.api<{ segments: Array<{ segment: string; monthEnd: boolean; weeklyCycle: boolean; reasons: string[] }> }>(
      `/coverage?from=${start}&to=${start + 7 * 86_400_000}`,
    );
    const web = week.segments.find((x) => x.segment === 'web')!;
    expect(web.weeklyCycle).toBe(true);
    expect(web.monthEnd).toBe(false);
    expect(web.reasons.join(' ')).toMatch(/no month end observed/);
  });
});
