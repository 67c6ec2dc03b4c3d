import { describe, it, expect } from 'vitest';
import { BatchRing, RingConsumerFailed, RING_SLOTS } from './batch-ring.js';
import { RingSink } from './pipelined-read.js';
import { PacketBatch, BATCH_SIZE } from '../flowtable/packet-batch.js';
import { PacketInfo } from '../decode/packet-info.js';
import { FlowTable, DEFAULT_FLOW_OPTIONS } from '../flowtable/flow-table.js';

/** A batch of n packets with every column distinct (IPv6 for every third packet when v6). */
function batchOf(n: number, seed: number, v6: boolean): PacketBatch {
  const b = new PacketBatch();
  const p = new PacketInfo();
  for (let i = 0; i < n; i++) {
    Object.assign(p, { family: v6 && i % 3 === 0 ? 6 : 4, s0: seed * 1000 + i, s1: i * 7, s2: seed, s3: -i, d0: 0x0a000001 + i, d1: 1, d2: 2, d3: seed + i });
    Object.assign(p, {
      proto: i % 2 ? 6 : 17,
      sport: 1000 + i,
      dport: 443,
      tcpFlags: i & 0x3f,
      ipBytes: 40 + i,
      vlan: i % 5 === 0 ? -1 : i,
      ts: seed * 1e6 + i * 0.5,
    });
    b.push(p, i & 255);
  }
  return b;
}

const columns = (b: PacketBatch) => ({
  length: b.length,
  cols: (['a', 'b', 'ports', 'meta', 'hash', 'ts', 'bytes', 'info'] as const).map((c) => Array.from(b[c].subarray(0, b.length))),
  v6: Array.from(b.v6.subarray(0, b.length * 8)).filter((_, k) => b.meta[Math.floor(k / 8)]! & 0x200000),
});

describe('BatchRing', () => {
  it('hands over every column of every batch, ticks and the end, in order, around the ring several times', () => {
    const into = new PacketBatch();
    const ring = new BatchRing();
    const consumer = new BatchRing(ring.sab);
    const sent: Array<ReturnType<typeof columns> & { tick: number; end: boolean }> = [];
    for (let round = 0; round < 4; round++) {
      for (let k = 0; k < RING_SLOTS; k++) {
        const b = batchOf((k * 53 + round) % (BATCH_SIZE + 1), round * 1000 + k, k % 2 === 1);
        const tick = k % 9 === 0 ? round * 1e6 + k : NaN;
        sent.push({ ...columns(b), tick, end: round === 3 && k === RING_SLOTS - 1 });
        ring.put(b, tick, round === 3 && k === RING_SLOTS - 1);
      }
      for (let k = 0; k < RING_SLOTS; k++) {
        const t = consumer.take(into);
        const want = sent.shift()!;
        expect({ ...columns(into), tick: t.tick, end: t.end }).toEqual(want);
      }
    }
  });

  it('lets a producer on a full ring fail once the consumer reports a failure', () => {
    const ring = new BatchRing();
    new BatchRing(ring.sab).started();
    for (let k = 0; k < RING_SLOTS; k++) ring.put(batchOf(3, k, false), NaN, false);
    new BatchRing(ring.sab).fail();
    expect(() => ring.put(batchOf(3, 9, false), NaN, false)).toThrow(RingConsumerFailed);
  });
});

describe('RingSink', () => {
  it("answers expiryDue as the flow table behind the ring does, and sends the table's ticks", () => {
    const ring = new BatchRing();
    const consumer = new BatchRing(ring.sab);
    const sink = new RingSink(ring);
    const table = new FlowTable(DEFAULT_FLOW_OPTIONS, () => {});
    const into = new PacketBatch();
    let seed = 11;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    let ts = 1_700_000_000_000;
    let ticks = 0;
    for (let step = 0; step < 3_000; step++) {
      ts += rnd() * 400;
      if (rnd() < 0.6) {
        const b = batchOf(1 + Math.floor(rnd() * 20), step, false);
        for (let i = 0; i < b.length; i++) b.ts[i] = ts + i * rnd() * 50;
        ts += b.length * 25;
        sink.addBatch(b, 1000);
      } else if (sink.expiryDue(ts)) sink.tick(ts, 1000);
      else continue;
      const t = consumer.take(into);
      if (into.length > 0) table.addBatch(into, 1000);
      if (t.tick === t.tick) {
        expect(table.expiryDue(t.tick)).toBe(true); // a tick is sent exactly when the table is due
        table.tick(t.tick, 1000);
        ticks++;
      }
      for (const probe of [ts - 1, ts, ts + 500, ts + 999, ts + 1001]) expect(sink.expiryDue(probe), `${step} ${probe}`).toBe(table.expiryDue(probe));
    }
    expect(ticks).toBeGreaterThan(100);
  });
});
