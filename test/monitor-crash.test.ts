import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { writeScenario } from '@spanmap/scenario';
import { freePort, tempDir, killAll, spanmapProc, waitFor } from './helpers/procs.js';
import { ConsoleProc } from './helpers/console.js';

/*
 * Issue 13: what monitor mode records is committed with the batch. The console is killed with
 * SIGKILL (SPANMAP_FAULT, a fault point in the ingest path) inside the transaction, right after the
 * commit, and right after the acknowledgement; restarted, it must hold exactly the violations and
 * alerts of an uninterrupted run — nothing acknowledged missing, nothing counted twice.
 */
const DAY = 86_400_000;
const start = Date.UTC(2024, 5, 3);
const split = start + 5 * DAY;
let dir: string;
let before: string;
let after: string;
let segs: unknown[] = [];

beforeAll(() => {
  dir = tempDir('monitor-crash');
  const all = join(dir, 'site.pcap');
  segs = writeScenario(all, { days: 7, seed: 21, start, anomaliesFrom: split, scale: 0.3 }).segments;
  before = join(dir, 'before.pcap');
  after = join(dir, 'after.pcap');
  execFileSync('editcap', ['-B', String(split / 1000), all, before]);
  execFileSync('editcap', ['-A', String(split / 1000), all, after]);
}, 120_000);

afterAll(() => killAll());

const slow = ['--batch-entries', '60', '--inflight', '1', '--interval', '0.3', '--ack-timeout', '2'];

/** A console with a policy in monitor mode drafted from the first days; returns what it recorded after the last days. */
async function run(fault: string | null): Promise<{ violations: unknown[]; alerts: unknown[]; killed: boolean }> {
  const d = tempDir(`crash-${fault ?? 'none'}`);
  const broker = await freePort();
  const http = await freePort();
  let c = await new ConsoleProc(join(d, 'console'), http, { broker }).start();
  await c.api('/segments', { method: 'PUT', body: JSON.stringify(segs) });
  await c.publish(before, 'site', join(d, 'probe'));
  const p = await c.api<{ id: string }>('/policies', {
    method: 'POST',
    body: JSON.stringify({ name: 'first days', from: start, to: split, include: 'observed', granularity: 'segment' }),
  });
  await c.api(`/policies/${p.id}/mode`, { method: 'POST', body: JSON.stringify({ mode: 'monitor' }) });
  await c.proc.stop();
  c = await new ConsoleProc(c.dataDir, http, { broker }, fault ? { SPANMAP_FAULT: fault } : {}).start();
  const probe = spanmapProc(['probe', 'read', after, '--publish', `mqtt://127.0.0.1:${broker}`, '--probe-id', 'site', '--data', join(d, 'probe'), ...slow]);
  let killed = false;
  if (fault) {
    const code = await Promise.race([c.proc.exited, probe.exited.then(() => 'probe-done' as const)]);
    expect(code, `the console reached ${fault}`).not.toBe('probe-done');
    expect(c.proc.err).toContain(`SPANMAP_FAULT: killed at ${fault.split('@')[0]}`);
    killed = true;
    expect(probe.alive).toBe(true); // still waiting for acknowledgements
    c = await new ConsoleProc(c.dataDir, http, { broker }).start();
  }
  expect(await probe.exited).toBe(0);
  const violations = await waitFor('violations', () => c.api<unknown[]>(`/policies/${p.id}/violations`));
  // Policy ids are random and alerts carry the time they were raised: the rest must be equal.
  const alerts = (await c.api<Array<Record<string, unknown>>>('/alerts')).map(({ raisedAt: _r, policy: _p, ...a }) => a);
  await c.proc.stop();
  return { violations, alerts, killed };
}

describe('monitor mode after a crash', () => {
  let reference: { violations: unknown[]; alerts: unknown[] };
  beforeAll(async () => {
    reference = await run(null);
    expect(reference.violations.length).toBeGreaterThan(0);
    expect(reference.alerts.length).toBeGreaterThan(0);
  }, 240_000);

  for (const point of ['ingest:in-transaction@3', 'ingest:after-commit@3', 'ingest:after-ack@3']) {
    it(`killed at ${point}: the same violations and alerts as an uninterrupted run`, async () => {
      const got = await run(point);
      expect(got.killed).toBe(true);
      expect(got.violations).toEqual(reference.violations);
      expect(got.alerts).toEqual(reference.alerts);
    }, 240_000);
  }
});
