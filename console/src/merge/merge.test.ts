import { describe, it, expect, afterEach } from 'vitest';
import type { FlowRecord, SummaryBatch } from '@spanmap/shared';
import { openData } from '../test-util/open-data.js';
import { flowRecord, recordBatch } from '../test-util/records.js';

const T0 = Date.UTC(2024, 5, 3, 9);
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rec = (o: Partial<FlowRecord>) => flowRecord(T0, o);

/** Swaps a record's direction, as a probe that decided the other way would report it. */
function reversed(r: FlowRecord, initiator: FlowRecord['initiator']): FlowRecord {
  return {
    ...r,
    src: r.dst,
    dst: r.src,
    sport: r.dport,
    dport: r.sport,
    packets: r.rpackets,
    bytes: r.rbytes,
    rpackets: r.packets,
    rbytes: r.bytes,
    tcpFlags: r.rtcpFlags,
    rtcpFlags: r.tcpFlags,
    initiator,
  };
}

const batch = recordBatch;

async function consoleWith(batches: SummaryBatch[]) {
  const o = await openData(undefined, { merge: { skewMs: 1000, maxSpanMs: 6 * 3_600_000 } });
  cleanup.push(() => o.close());
  for (const b of batches) await o.data.ingest([b]);
  return o;
}

/** Every edge with counts, as /edges would list it (over all time). */
function edges(o: Awaited<ReturnType<typeof openData>>) {
  const { rows } = o.data.query.edges({ from: 0, to: 2 ** 52 }, {}, 'src', false, 0, 100_000);
  return rows
    .map((r) => ({
      src: r.src,
      dst: r.dst,
      proto: r.proto,
      port: r.port,
      flows: r.flows,
      packets: r.packets,
      bytes: r.bytes,
      first: r.firstSeen,
      last: r.lastSeen,
    }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

describe('one conversation, counted once', () => {
  it('merges two probes that saw the same conversation a fraction of a millisecond apart, on different VLANs', async () => {
    const a = rec({ vlan: 10 });
    const b = { ...rec({ vlan: 20 }), first: T0 + 0.3, last: T0 + 5000.3 };
    const o = await consoleWith([batch('core', [a]), batch('dc', [b])]);
    expect(edges(o)).toEqual([{ src: '10.0.0.1', dst: '10.0.1.1', proto: 6, port: 443, flows: 1, packets: 18, bytes: 9000, first: T0, last: T0 + 5000.3 }]);
    const probes = o.data.probes.list();
    expect(probes.map((p) => [p.id, p.flows, p.packets, p.overlap])).toEqual([
      ['core', 1, 18, { dc: 1 }],
      ['dc', 1, 18, { core: 1 }],
    ]);
  });

  it('takes the fullest view per direction, never a sum, and the initiator from a SYN over a port guess', async () => {
    // Routed traffic mirrored twice, each copy deduplicated on the probe: VLAN 10 kept the requests, VLAN 20 the answers.
    const full = rec({ packets: 10, bytes: 1000, rpackets: 8, rbytes: 8000 });
    const fwdOnly = { ...full, vlan: 10, rpackets: 1, rbytes: 40 };
    const revOnly = reversed({ ...full, vlan: 20, packets: 1, bytes: 60 }, 'port'); // the probe guessed by port, the other way round
    const o = await consoleWith([batch('p', [revOnly]), batch('p', [fwdOnly])]);
    expect(edges(o)).toEqual([{ src: '10.0.0.1', dst: '10.0.1.1', proto: 6, port: 443, flows: 1, packets: 18, bytes: 9000, first: T0, last: T0 + 5000 }]);
    // The reversed guess left no edge behind.
    expect(o.data.catalog.find({ src: '10.0.1.1', dst: '10.0.0.1', proto: 6, port: 40000 })).toBeGreaterThanOrEqual(0);
    expect(edges(o).some((e) => e.src === '10.0.1.1')).toBe(false);
  });

  it('keeps two conversations of one view apart (a port reused right after a FIN), and counts a repeated record once', async () => {
    const c1 = rec({});
    const c2 = rec({ first: T0 + 5000.5, last: T0 + 9000 });
    const other = { ...rec({}), last: T0 + 9000, packets: 20, bytes: 2000, rpackets: 16, rbytes: 16000, end: 'idle' as const }; // a probe that missed the FIN between
    const o = await consoleWith([batch('a', [c1, c2]), batch('b', [other]), batch('a', [c1])]);
    expect(edges(o)[0]!.flows).toBe(2);
    expect(o.data.writer.fold.counters.repeated).toBe(1);
  });

  it('does not merge the same 5-tuple an hour apart, nor different source ports', async () => {
    const o = await consoleWith([batch('a', [rec({}), rec({ sport: 40001 })]), batch('b', [rec({ first: T0 + 3_600_000, last: T0 + 3_605_000 })])]);
    expect(edges(o)[0]!.flows).toBe(3);
  });

  it('gives the same answer whatever order and grouping the batches arrive in, and after a restart', async () => {
    const r = rng(11);
    const int = (n: number) => Math.floor(r() * n);
    const views: Array<{ probe: string; rec: FlowRecord }> = [];
    const truth = new Map<string, { flows: number; packets: number }>();
    for (let c = 0; c < 120; c++) {
      const src = `10.1.${int(3)}.${1 + int(5)}`;
      const dst = `10.2.${int(3)}.${1 + int(5)}`;
      const proto = r() < 0.8 ? 6 : 17;
      const base = rec({
        src,
        dst,
        proto,
        sport: 30000 + int(3),
        dport: [443, 5432, 53][int(3)]!,
        first: T0 + int(20) * 600_000 + int(1000),
        packets: 5 + int(50),
        rpackets: 3 + int(50),
      });
      base.last = base.first + 1000 + int(300_000);
      base.bytes = base.packets * 100;
      base.rbytes = base.rpackets * 100;
      // A long conversation split by the active timeout at the same packet on every probe.
      const long = base.last - base.first > 150_000 && r() < 0.5;
      const parts = long
        ? [
            { ...base, last: base.first + 100_000 },
            { ...base, first: base.first + 100_001, cont: true as const },
          ]
        : [base];
      const key = `${src}|${dst}|${proto}|${base.dport}`;
      // The same 5-tuple can recur in this generator: conversations of one key never overlap in time.
      const t = truth.get(key) ?? { flows: 0, packets: 0 };
      truth.set(key, { flows: t.flows + 1, packets: t.packets + base.packets + base.rpackets });
      const nViews = 1 + int(3);
      for (let v = 0; v < nViews; v++) {
        const probe = ['core', 'dc', 'edge'][v]!;
        const skew = r() * 0.9;
        for (const p of parts) {
          let x: FlowRecord = { ...p, first: p.first + skew, last: p.last + skew, vlan: v === 2 ? 30 : null };
          if (v > 0 && r() < 0.3) x = { ...x, packets: Math.max(1, x.packets - int(3)) }; // a view that lost a few packets
          if (v > 0 && r() < 0.3) x = reversed(x, 'port');
          views.push({ probe, rec: x });
        }
      }
    }
    const answers: string[] = [];
    for (const order of [0, 1, 2]) {
      const list = [...views];
      if (order === 1) list.reverse();
      if (order === 2) for (let i = list.length - 1; i > 0; i--) [list[i], list[(i * 7919) % (i + 1)]] = [list[(i * 7919) % (i + 1)]!, list[i]!];
      const batches: SummaryBatch[] = [];
      for (let i = 0; i < list.length;) {
        const n = 1 + ((i * 13) % (order + 5));
        const chunk = list.slice(i, i + n);
        for (const probe of new Set(chunk.map((x) => x.probe)))
          batches.push(
            batch(
              probe,
              chunk.filter((x) => x.probe === probe).map((x) => x.rec),
            ),
          );
        i += n;
      }
      const o = await consoleWith(batches);
      answers.push(JSON.stringify(edges(o)));
      if (order === 0) {
        await o.close();
        const again = await openData(o.dir);
        cleanup.push(() => again.close());
        expect(JSON.stringify(edges(again))).toBe(answers[0]);
      }
    }
    const diff = (x: string, y: string) => {
      const a = JSON.parse(x) as unknown[];
      const b = JSON.parse(y) as unknown[];
      return {
        onlyFirst: a.filter((e) => !b.some((f) => JSON.stringify(f) === JSON.stringify(e))),
        onlySecond: b.filter((e) => !a.some((f) => JSON.stringify(f) === JSON.stringify(e))),
      };
    };
    expect(diff(answers[0]!, answers[1]!)).toEqual({ onlyFirst: [], onlySecond: [] });
    expect(answers[1]).toBe(answers[0]);
    expect(answers[2]).toBe(answers[0]);
    const got = JSON.parse(answers[0]!) as Array<{ src: string; dst: string; proto: number; port: number; flows: number; packets: number }>;
    const flowsGot = got.reduce((a, e) => a + e.flows, 0);
    const flowsTrue = [...truth.values()].reduce((a, t) => a + t.flows, 0);
    expect(flowsGot).toBeLessThanOrEqual(flowsTrue);
    expect(flowsGot).toBeGreaterThanOrEqual(flowsTrue * 0.9); // recurring 5-tuples that overlap in time merge, by design
  });
});
