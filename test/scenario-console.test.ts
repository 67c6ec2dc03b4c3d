import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { writeScenario, type ScenarioTruth } from '@spanmap/scenario';
import { freePort, tempDir, killAll } from './helpers/procs.js';
import { ConsoleProc, edgeKey } from './helpers/console.js';

/*
 * Issue 5's proof: a generated multi-week site replayed through probe → broker → console; /edges
 * and /matrix must equal what the generator wrote, edge by edge and cell by cell.
 */
const DAYS = 15;
let truth: ScenarioTruth;
let c: ConsoleProc;

interface Edge {
  src: string;
  dst: string;
  proto: number;
  port: number;
  srcSegment: string;
  dstSegment: string;
  flows: number;
  packets: number;
  bytes: number;
  firstSeen: number;
  lastSeen: number;
  daysSeen: number;
}

beforeAll(async () => {
  const dir = tempDir('scenario-console');
  const pcap = join(dir, 'site.pcap');
  truth = writeScenario(pcap, { days: DAYS, seed: 5, vlans: true });
  const broker = await freePort();
  c = await new ConsoleProc(join(dir, 'console'), await freePort(), { broker }).start();
  await c.api('/segments', { method: 'PUT', body: JSON.stringify(truth.segments) });
  await c.publish(pcap, 'site', join(dir, 'probe'));
}, 300_000);

afterAll(() => killAll());

const key = edgeKey;

describe(`a ${DAYS}-day generated site through probe → broker → console`, () => {
  it('/edges equals the ground truth, edge by edge', async () => {
    const { generator } = truth;
    const edges = await c.api<Edge[]>(`/edges?from=${generator.start}&to=${generator.end}&limit=10000`);
    const got = new Map(edges.map((e) => [key(e), e]));
    expect(edges.length).toBe(truth.edges.length);
    for (const t of truth.edges) {
      const e = got.get(key(t));
      expect(e, `missing edge ${key(t)}`).toBeDefined();
      expect({
        key: key(t),
        flows: e!.flows,
        packets: e!.packets,
        bytes: e!.bytes,
        firstSeen: e!.firstSeen,
        lastSeen: e!.lastSeen,
        daysSeen: e!.daysSeen,
        srcSegment: e!.srcSegment,
        dstSegment: e!.dstSegment,
      }).toEqual({
        key: key(t),
        flows: t.flows,
        packets: t.packets + t.rpackets,
        bytes: t.bytes + t.rbytes,
        firstSeen: t.firstSeen,
        lastSeen: t.lastSeen,
        daysSeen: t.daysSeen,
        srcSegment: t.srcSegment,
        dstSegment: t.dstSegment,
      });
    }
  });

  it('a one-week window counts only the flows that began in it', async () => {
    const from = truth.generator.start + 7 * 86_400_000;
    const to = from + 7 * 86_400_000;
    const edges = await c.api<Edge[]>(`/edges?from=${from}&to=${to}&limit=10000`);
    const want = new Map<string, number>();
    for (const conv of truth.conversations)
      if (conv.start >= from && conv.start < to) want.set(key({ ...conv, port: conv.dport }), (want.get(key({ ...conv, port: conv.dport })) ?? 0) + 1);
    expect(new Map(edges.map((e) => [key(e), e.flows]))).toEqual(want);
  });

  it('/matrix equals the ground truth, cell by cell', async () => {
    const m = await c.api<{ segments: string[]; cells: Array<{ src: string; dst: string; edges: number; flows: number; bytes: number }> }>('/matrix');
    const want = new Map<string, { edges: number; flows: number; bytes: number }>();
    for (const t of truth.edges) {
      const k = `${t.srcSegment}→${t.dstSegment}`;
      const w = want.get(k) ?? { edges: 0, flows: 0, bytes: 0 };
      w.edges++;
      w.flows += t.flows;
      w.bytes += t.bytes + t.rbytes;
      want.set(k, w);
    }
    expect(new Map(m.cells.map((x) => [`${x.src}→${x.dst}`, { edges: x.edges, flows: x.flows, bytes: x.bytes }]))).toEqual(want);
    for (const s of truth.segments) expect(m.segments).toContain(s.name);
  });
});
