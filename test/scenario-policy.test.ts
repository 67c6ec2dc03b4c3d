import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { writeScenario, type ScenarioTruth } from '@spanmap/scenario';
import { freePort, tempDir, killAll } from './helpers/procs.js';
import { ConsoleProc, edgeKey } from './helpers/console.js';

/*
 * Issue 7's proof. Four weeks of a generated site; anomalies injected in the last week (a web server
 * talking straight to a database, SSH from a user host into the app tier, a connection to an
 * external address, SMB from a user to a domain controller). Policies drafted from the first three
 * weeks (everything observed allowed), switched to monitor mode, then the last week is replayed:
 * would-be-blocked must be exactly the anomalies — live, in /simulate at both granularities, and in
 * /alerts.
 */
const DAY = 86_400_000;
let truth: ScenarioTruth;
let c: ConsoleProc;
let anomalies: string[];
let lastWeek: { from: number; to: number };
const policies: Record<'host' | 'segment', string> = { host: '', segment: '' };

const key = edgeKey;

beforeAll(async () => {
  const dir = tempDir('scenario-policy');
  const all = join(dir, 'site.pcap');
  const start = Date.UTC(2024, 5, 3);
  const split = start + 21 * DAY;
  truth = writeScenario(all, { days: 28, seed: 33, start, anomaliesFrom: split });
  anomalies = truth.edges
    .filter((e) => e.anomaly)
    .map(key)
    .sort();
  lastWeek = { from: split, to: start + 28 * DAY };
  // The capture in two parts, cut by tshark's editcap at the split time.
  const weeks13 = join(dir, 'weeks1-3.pcap');
  const week4 = join(dir, 'week4.pcap');
  execFileSync('editcap', ['-B', String(split / 1000), all, weeks13]);
  execFileSync('editcap', ['-A', String(split / 1000), all, week4]);

  const broker = await freePort();
  c = await new ConsoleProc(join(dir, 'console'), await freePort(), { broker }).start();
  await c.api('/segments', { method: 'PUT', body: JSON.stringify(truth.segments) });
  const publish = (file: string) => c.publish(file, 'site', join(dir, 'probe'));
  await publish(weeks13);
  for (const granularity of ['host', 'segment'] as const) {
    const p = await c.api<{ id: string }>('/policies', {
      method: 'POST',
      body: JSON.stringify({ name: `first three weeks (${granularity})`, from: start, to: split, include: 'observed', granularity }),
    });
    policies[granularity] = p.id;
    await c.api(`/policies/${p.id}/mode`, { method: 'POST', body: JSON.stringify({ mode: 'monitor' }) });
  }
  await publish(week4);
}, 400_000);

afterAll(() => killAll());

describe('policy drafted from three weeks, monitoring the fourth', () => {
  it('has the four kinds of anomalies to find', () => {
    const kinds = new Set(truth.edges.filter((e) => e.anomaly).map((e) => e.anomaly));
    expect([...kinds].sort()).toEqual(['external', 'smb-user-to-dc', 'ssh-user-to-app', 'web-to-db']);
  });

  for (const g of ['host', 'segment'] as const) {
    it(`live monitor mode (${g} granularity) would have blocked exactly the anomalies`, async () => {
      const v = await c.api<Array<{ src: string; dst: string; proto: number; port: number; flows: number }>>(`/policies/${policies[g]}/violations`);
      expect(v.map(key).sort()).toEqual(anomalies);
      const flows = new Map(truth.edges.filter((e) => e.anomaly).map((e) => [key(e), e.flows]));
      for (const x of v) expect(x.flows, key(x)).toBe(flows.get(key(x)));
    });

    it(`/simulate over the last week (${g} granularity) blocks exactly the anomalies`, async () => {
      const s = await c.api<{ blocked: Array<{ src: string; dst: string; proto: number; port: number }>; allowedFlows: number; blockedFlows: number }>(
        `/policies/${policies[g]}/simulate?from=${lastWeek.from}&to=${lastWeek.to}`,
      );
      expect(s.blocked.map(key).sort()).toEqual(anomalies);
      const inWeek = truth.conversations.filter((x) => x.start >= lastWeek.from && x.start < lastWeek.to);
      const anomalous = new Set(anomalies);
      expect(s.blockedFlows).toBe(inWeek.filter((x) => anomalous.has(key({ ...x, port: x.dport }))).length);
      expect(s.allowedFlows + s.blockedFlows).toBe(inWeek.length);
    });
  }

  it('the draft window itself simulates clean (a rule matches the direction it was written for)', async () => {
    for (const g of ['host', 'segment'] as const) {
      const s = await c.api<{ blocked: unknown[]; blockedFlows: number }>(
        `/policies/${policies[g]}/simulate?from=${truth.generator.start}&to=${lastWeek.from}`,
      );
      expect(s.blocked, g).toEqual([]);
    }
  });

  it('/alerts lists each anomaly once, as new', async () => {
    const a = await c.api<Array<{ src: string; dst: string; proto: number; port: number; status: string }>>('/alerts');
    expect(a.map(key).sort()).toEqual(anomalies);
    expect(a.every((x) => x.status === 'new')).toBe(true);
  });
});
