import { describe, it, expect, afterAll } from 'vitest';
import { join } from 'node:path';
import { freePort, tempDir, spanmapProc, waitFor, killAll, type Proc } from './helpers/procs.js';

// `make demo` runs `spanmap demo`: console + embedded broker, a generated site replayed through a
// real probe, a policy in monitor mode. What the issue promises: it prints a URL with its token,
// and the matrix, long tail and policy views are populated behind it.

afterAll(() => killAll());

const dir = tempDir('demo');

async function startDemo(httpPort: number, brokerPort: number): Promise<{ proc: Proc; base: string; token: string }> {
  const proc = spanmapProc(['demo', '--data', join(dir, 'demo'), '--http', `127.0.0.1:${httpPort}`, '--broker', `127.0.0.1:${brokerPort}`, '--days', '14'], {
    SPANMAP_API_TOKEN: '',
  });
  const m = await waitFor('the demo URL', () => /^open (http:\/\/127\.0\.0\.1:\d+)\/#token=(\S+)$/m.exec(proc.out), 240_000, 200);
  return { proc, base: m[1]!, token: m[2]! };
}

describe('spanmap demo', () => {
  let first: { base: string; token: string };

  it('sets up a populated console and prints the URL with its token', async () => {
    const httpPort = await freePort();
    const d = await startDemo(httpPort, await freePort());
    first = d;
    expect(d.base).toBe(`http://127.0.0.1:${httpPort}`);
    const api = async (path: string) => {
      const r = await fetch(`${d.base}/api/v1${path}`, { headers: { authorization: `Bearer ${d.token}` } });
      expect(r.status, path).toBe(200);
      return (await r.json()) as any;
    };
    const matrix = await api('/matrix');
    const segments = new Set<string>(matrix.segments);
    for (const s of ['web', 'app', 'db', 'infra', 'users']) expect(segments).toContain(s);
    const cells = matrix.cells.filter((c: { flows: number; src: string; dst: string }) => c.flows > 0 && c.src !== c.dst);
    expect(cells.length).toBeGreaterThan(5);

    const longtail = await api('/longtail?limit=50');
    expect(longtail.length).toBeGreaterThan(0);
    expect(longtail.some((e: { period: string | null }) => e.period !== null)).toBe(true);

    const reviewed = await api('/edges?review=expected&limit=10000');
    expect(reviewed.length).toBeGreaterThan(0);
    expect(reviewed.every((e: { infrastructure: boolean }) => e.infrastructure)).toBe(true);

    const policies = await api('/policies');
    expect(policies).toHaveLength(1);
    expect(policies[0].mode).toBe('monitor');
    // SNMP is polled by the management station: no "any → device udp/161" rule (issue 16).
    const { rules } = await api(`/policies/${policies[0].id}`);
    expect(rules.filter((r: { src: object; proto: number; ports: unknown[] }) => 'any' in r.src && r.proto === 17 && r.ports.includes(161))).toEqual([]);
    const violations = await api(`/policies/${policies[0].id}/violations`);
    expect(violations.length).toBeGreaterThan(0);
    expect((await api('/alerts')).length).toBeGreaterThan(0);
    expect((await api('/probes'))[0]).toMatchObject({ id: 'site-probe' });

    const page = await fetch(`${d.base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<div id="app">|<script type="module"/);

    d.proc.child.kill('SIGINT'); // Ctrl-C
    expect(await d.proc.exited).toBe(0);
  }, 300_000);

  it('reopens the same data at once on a second run, with the same token', async () => {
    const d = await startDemo(await freePort(), await freePort());
    expect(d.token).toBe(first.token);
    expect(d.proc.err).not.toMatch(/generating/);
    const r = await fetch(`${d.base}/api/v1/policies`, { headers: { authorization: `Bearer ${d.token}` } });
    expect(((await r.json()) as unknown[]).length).toBe(1);
    d.proc.child.kill('SIGTERM');
    expect(await d.proc.exited).toBe(0);
  }, 120_000);
});
