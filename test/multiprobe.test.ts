import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { writeScenario, writeMultiProbeCaptures, type ScenarioTruth } from '@spanmap/scenario';
import { freePort, tempDir, killAll, spanmapProc } from './helpers/procs.js';
import { ConsoleProc, edgeKey } from './helpers/console.js';

/*
 * Issue 14's proof: one conversation, counted once. Two probes with overlapping views — the core
 * probe sees every frame on the client's VLAN, the data-centre probe sees the conversations of
 * data-centre servers as routed traffic mirrored again: VLAN rewritten, TTL one lower, 0.3 ms
 * later, and a share of its frames twice (its own SPAN session doubles them). Published at the
 * same time through real probe processes and the real broker, the console must list every
 * conversation's edge once with exact flows, and each edge's packets as they crossed the wire once.
 */
const DC = ['web', 'app', 'db'];
let truth: ScenarioTruth;
let c: ConsoleProc;
let dir: string;
let stats: ReturnType<typeof writeMultiProbeCaptures>;

beforeAll(async () => {
  dir = tempDir('multiprobe');
  const site = join(dir, 'site.pcap');
  truth = writeScenario(site, { days: 3, seed: 14, scale: 0.5, vlans: true });
  stats = writeMultiProbeCaptures({
    input: site,
    core: join(dir, 'core.pcap'),
    dc: join(dir, 'dc.pcap'),
    dcSegments: truth.segments.filter((s) => DC.includes(s.name)),
    doubled: Number(process.env.SPANMAP_TEST_DOUBLED ?? 0.1),
  });
  const broker = await freePort();
  c = await new ConsoleProc(join(dir, 'console'), await freePort(), { broker }).start();
  await c.api('/segments', { method: 'PUT', body: JSON.stringify(truth.segments) });
  // Both probes at once, as on a real site; each retries until the console acknowledged everything.
  const probes = ['core', 'dc'].map((id) =>
    spanmapProc(['probe', 'read', join(dir, `${id}.pcap`), '--publish', `mqtt://127.0.0.1:${broker}`, '--probe-id', id, '--data', join(dir, `probe-${id}`)]),
  );
  for (const p of probes) expect(await p.exited, p.err).toBe(0);
}, 300_000);

afterAll(() => killAll());

type Edge = { src: string; dst: string; proto: number; port: number; flows: number; packets: number; bytes: number; probes?: string[] };

describe('two probes, overlapping views, frames doubled', () => {
  it('the data-centre probe saw a large share of the conversations, some frames twice', () => {
    expect(stats.dc).toBeGreaterThan(stats.core / 3);
    if (Number(process.env.SPANMAP_TEST_DOUBLED ?? 0.1) > 0) expect(stats.doubled).toBeGreaterThan(100);
  });

  it('lists every conversation once: exact flows and the packets that crossed the wire', async () => {
    const got = await c.api<Edge[]>(`/edges?limit=10000&from=${truth.generator.start}&to=${truth.generator.end}`);
    const want = new Map(truth.edges.map((e) => [edgeKey(e), { flows: e.flows, packets: e.packets + e.rpackets, bytes: e.bytes + e.rbytes }]));
    const have = new Map(got.map((e) => [edgeKey(e), { flows: e.flows, packets: e.packets, bytes: e.bytes }]));
    const wrong = [...want].filter(([k, v]) => JSON.stringify(have.get(k)) !== JSON.stringify(v)).map(([k, v]) => ({ edge: k, want: v, got: have.get(k) }));
    const extra = [...have.keys()].filter((k) => !want.has(k));
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(extra).toEqual([]);
    expect(got.length).toBe(truth.edges.length);
  });

  it('says which probes saw each edge, and how much of each probe overlaps the other', async () => {
    const got = await c.api<Edge[]>(`/edges?limit=10000&from=${truth.generator.start}&to=${truth.generator.end}`);
    expect(got.filter((e) => e.probes?.includes('dc')).length).toBeGreaterThan(0);
    expect(got.filter((e) => e.probes?.length === 1 && e.probes[0] === 'core').length).toBeGreaterThan(0);
    const probes =
      await c.api<Array<{ id: string; records: number; overlap: { share: number; probes: Array<{ probe: string; records: number }> } }>>('/probes');
    const dc = probes.find((p) => p.id === 'dc')!;
    const core = probes.find((p) => p.id === 'core')!;
    expect(dc.overlap.share).toBeGreaterThan(0.95); // everything the data-centre probe saw, the core probe saw too
    expect(core.overlap.share).toBeGreaterThan(0.2);
    expect(core.overlap.share).toBeLessThan(1);
  });
});

describe('one probe on both VLANs (routed traffic mirrored on both sides of the router)', () => {
  it('counts every conversation once: copies dropped on the probe, what is left merged on the console', async () => {
    // Both views in one capture, in time order: one probe sees each routed packet twice.
    const both = join(dir, 'both.pcap');
    execFileSync('mergecap', ['-F', 'pcap', '-w', both, join(dir, 'core.pcap'), join(dir, 'dc.pcap')]);
    const broker = await freePort();
    const solo = await new ConsoleProc(join(dir, 'console-solo'), await freePort(), { broker }).start();
    await solo.api('/segments', { method: 'PUT', body: JSON.stringify(truth.segments) });
    const p = spanmapProc([
      'probe',
      'read',
      both,
      '--stats',
      '--publish',
      `mqtt://127.0.0.1:${broker}`,
      '--probe-id',
      'solo',
      '--data',
      join(dir, 'probe-solo'),
    ]);
    expect(await p.exited, p.err).toBe(0);
    const got = await solo.api<Edge[]>(`/edges?limit=10000&from=${truth.generator.start}&to=${truth.generator.end}`);
    const have = new Map(got.map((e) => [edgeKey(e), { flows: e.flows, packets: e.packets, bytes: e.bytes }]));
    const wrong = truth.edges
      .map((e) => ({ edge: edgeKey(e), want: { flows: e.flows, packets: e.packets + e.rpackets, bytes: e.bytes + e.rbytes }, got: have.get(edgeKey(e)) }))
      .filter((x) => JSON.stringify(x.want) !== JSON.stringify(x.got));
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(got.length).toBe(truth.edges.length);
  }, 300_000);
});
