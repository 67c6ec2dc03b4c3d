import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { encodeBatch, type FlowRecord, type SummaryBatch } from '@spanmap/shared';
import { startClickHouseCluster, type ClickHouseServer } from './helpers/clickhouse.js';
import { sharedNode } from './helpers/ch-console.js';
import { killAll } from './helpers/procs.js';

/*
 * The store scales out by itself: two ClickHouse servers, one shard each, in one `remote_servers`
 * cluster. The console creates its tables on both and reads and writes through Distributed
 * tables sharded by a hash of the batch key, so a batch logged twice lands twice on the same shard
 * and collapses there. Two consoles on it: every batch applied once on each, whichever shard holds it.
 */
const T0 = Date.UTC(2024, 5, 3, 9);
const EPOCH = 'ef'.repeat(16);
let shards: ClickHouseServer[] = [];

beforeAll(async () => {
  shards = await startClickHouseCluster(2, 'spanmap');
}, 60_000);
afterAll(async () => {
  for (const s of shards) await s.destroy();
  await killAll();
});

function batch(probe: string, seq: number): SummaryBatch {
  const records: FlowRecord[] = Array.from({ length: 10 }, (_, i) => ({
    src: `10.1.${seq % 200}.${1 + i}`,
    dst: '10.2.0.1',
    proto: 6,
    sport: 30000 + i,
    dport: 443,
    packets: 3,
    bytes: 300,
    rpackets: 2,
    rbytes: 900,
    first: T0 + seq * 1000,
    last: T0 + seq * 1000 + 10,
    tcpFlags: 27,
    rtcpFlags: 27,
    vlan: null,
    end: 'fin',
    initiator: 'syn',
  }));
  return { v: 2, probe, epoch: EPOCH, seq, from: records[0]!.first, to: records.at(-1)!.last, records, names: [], entries: [] };
}

describe('two ClickHouse shards behind Distributed tables', () => {
  it('spreads the log over both shards, collapses a batch logged twice on its shard, and both consoles apply each batch once', async () => {
    const url = `clickhouse://${shards.map((s) => `127.0.0.1:${s.httpPort}`).join(',')}/dist?cluster=spanmap`;
    let t = T0 + 86_400_000;
    const now = () => t;
    const a = await sharedNode('a', url, now);
    const b = await sharedNode('b', url, now);
    try {
      for (const s of shards) {
        expect((await s.sql("SELECT name, engine FROM system.tables WHERE database = 'dist' ORDER BY name FORMAT TSV")).trim().split('\n')).toEqual([
          'batches\tDistributed',
          'batches_local\tReplacingMergeTree',
          'spanmap_schema\tMergeTree',
          'state_events\tDistributed',
          'state_events_local\tReplacingMergeTree',
        ]);
        await s.sql('SYSTEM STOP MERGES');
      }
      const all = Array.from({ length: 40 }, (_, i) => batch(i % 2 ? 'p1' : 'p2', i + 1));
      await Promise.all(all.slice(0, 25).map((x) => a.ingester.submit(x.probe, encodeBatch(x))));
      t += 500;
      await Promise.all(all.slice(20).map((x) => b.ingester.submit(x.probe, encodeBatch(x)))); // 21-25 resent to b
      const perShard = await Promise.all(
        shards.map(async (s) =>
          (await s.sql('SELECT uniqExact(probe, epoch, seq), count() FROM dist.batches_local FORMAT TSV')).trim().split('\t').map(Number),
        ),
      );
      expect(perShard.every(([u]) => u! > 5)).toBe(true); // both shards hold a real share
      expect(perShard.reduce((s, [u]) => s + u!, 0)).toBe(40); // no batch on both shards: the copies met on one
      expect(perShard.reduce((s, [, n]) => s + n!, 0)).toBe(45);
      await a.shared.tailer.pollNow();
      await b.shared.tailer.pollNow();
      for (const n of [a, b]) {
        const probes = n.data.probes.list().sort((x, y) => (x.id < y.id ? -1 : 1));
        expect(probes.map((p) => [p.id, p.batches, p.flows, p.duplicates])).toEqual([
          ['p1', 20, 200, 0],
          ['p2', 20, 200, 0],
        ]);
      }
      for (const s of shards) {
        await s.sql('SYSTEM START MERGES');
        await s.sql('OPTIMIZE TABLE dist.batches_local FINAL');
      }
      expect(await a.shared.batches.count()).toEqual({ batches: 40, rows: 40 });
      // A state change crosses through the sharded state log too.
      const edge = { src: '10.1.1.1', dst: '10.2.0.1', proto: 6, port: 443 };
      await a.data.reviews.review([edge], 'rejected', 'not here', 'alice', t);
      await a.shared.flush();
      await b.shared.tailer.pollNow();
      expect(b.data.reviews.get(edge)).toEqual(a.data.reviews.get(edge));
      expect(b.data.reviews.get(edge)?.status).toBe('rejected');
    } finally {
      for (const s of shards) await s.sql('SYSTEM START MERGES').catch(() => undefined);
      await a.stop();
      await b.stop();
    }
  });
});
