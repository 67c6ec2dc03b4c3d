import { describe, it, expect } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeBatch, type FlowRecord } from '@spanmap/shared';
import { ProbeStore, DEFAULT_STORE_OPTIONS } from './probe-store.js';
import { Outbox } from './outbox.js';

const dir = () => mkdtempSync(join(tmpdir(), 'spanmap-store-'));
const rec = (i: number): FlowRecord => ({
  src: `10.0.${i >> 8}.${i & 255}`,
  dst: '10.9.0.1',
  proto: 6,
  sport: 40000,
  dport: 443,
  packets: 3,
  bytes: 300,
  rpackets: 2,
  rbytes: 900,
  first: 1_717_000_000_000 + i,
  last: 1_717_000_000_100 + i,
  tcpFlags: 2,
  rtcpFlags: 18,
  vlan: null,
  end: 'fin',
  initiator: 'syn',
});

describe('ProbeStore and Outbox', () => {
  it('keeps its epoch and sequence across restarts, and replays records that never reached a batch', async () => {
    const d = dir();
    let store = ProbeStore.open({ dir: d, ...DEFAULT_STORE_OPTIONS });
    const epoch = store.epoch;
    let outbox = new Outbox(store, { probeId: 'p', intervalMs: 60_000, maxEntriesPerBatch: 10 });
    await outbox.start();
    for (let i = 0; i < 25; i++) outbox.send(rec(i));
    await outbox.cut(); // 25 entries → 3 batches
    for (let i = 25; i < 30; i++) outbox.send(rec(i)); // written, not summarized: then the "crash"
    await store.committed;
    await store.close();

    store = ProbeStore.open({ dir: d, ...DEFAULT_STORE_OPTIONS });
    expect(store.epoch).toBe(epoch);
    expect([...store.unsummarized()].map((x) => x.record?.src)).toEqual([25, 26, 27, 28, 29].map((i) => rec(i).src));
    outbox = new Outbox(store, { probeId: 'p', intervalMs: 60_000, maxEntriesPerBatch: 10 });
    await outbox.start(); // summarizes the leftovers into batch 4
    const items = store.pending(1, 100);
    expect(items.map((b) => b.seq)).toEqual([1, 2, 3, 4]);
    const batches = items.map((b) => decodeBatch(b.payload));
    expect(batches.map((b) => b.seq)).toEqual([1, 2, 3, 4]);
    expect(batches.every((b) => b.epoch === epoch && b.probe === 'p')).toBe(true);
    expect(batches.flatMap((b) => b.records).filter((r) => !r.cont).length).toBe(30);
    expect([...store.unsummarized()]).toEqual([]);
    expect(await store.ack([1, 3, 99])).toBe(2);
    expect(store.pending(1, 100).map((b) => b.seq)).toEqual([2, 4]);
    await outbox.stop();
    await store.close();
  });

  it('over the disk budget drops raw records first, then the oldest unsent batches, and counts them', async () => {
    const d = dir();
    const store = ProbeStore.open({ dir: d, maxAgeMs: 86_400_000, maxBytes: 400_000 });
    const outbox = new Outbox(store, { probeId: 'p', intervalMs: 60_000, maxEntriesPerBatch: 200 });
    await outbox.start();
    for (let i = 0; i < 20_000; i++) outbox.send(rec(i));
    await outbox.cut();
    const before = store.backlog();
    expect(before.batches).toBe(100);
    const r = await store.enforceRetention(Date.now());
    expect(r.pruned).toBe(20_000);
    expect(r.droppedBatches).toBeGreaterThan(0);
    expect(store.usedBytes()).toBeLessThanOrEqual(400_000);
    const after = store.backlog();
    expect(after.batches).toBe(before.batches - r.droppedBatches);
    expect(store.pending(1, 1)[0]!.seq).toBe(r.droppedBatches + 1); // the oldest went first
    expect(store.counters.droppedRecords).toBe(r.droppedRecords);
    expect(r.droppedRecords).toBe(before.records - after.records);
    await store.close();
    const reopened = ProbeStore.open({ dir: d, maxAgeMs: 86_400_000, maxBytes: 400_000 });
    expect(reopened.counters.droppedBatches).toBe(r.droppedBatches); // survives restarts, for the status
    await reopened.close();
  });

  it('prunes summarized raw records by the age at which they were written, not by flow time', async () => {
    const d = dir();
    const store = ProbeStore.open({ dir: d, maxAgeMs: 60_000, maxBytes: 1 << 30 });
    let now = 1_000_000;
    const outbox = new Outbox(store, { probeId: 'p', intervalMs: 60_000, maxEntriesPerBatch: 100 }, () => now);
    await outbox.start();
    for (let i = 0; i < 10; i++) outbox.send(rec(i)); // flow times from 2024: "old" by flow time
    await outbox.cut();
    expect((await store.enforceRetention(now + 30_000)).pruned).toBe(0);
    now += 120_000;
    for (let i = 10; i < 15; i++) outbox.send(rec(i));
    await outbox.cut();
    expect((await store.enforceRetention(now)).pruned).toBe(10);
    await store.close();
  });
});
