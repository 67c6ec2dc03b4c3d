import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlowRecord, SummaryBatch } from '@spanmap/shared';
import { ConsoleStore } from '../store/console-store.js';
import { openData } from '../test-util/open-data.js';
import { flowRecord, recordBatch } from '../test-util/records.js';
import { ViewStaging, type StageLogDb } from './view-staging.js';
import { RUNS_DB, RUN_META_DB, STAGED_DB } from '../ingest/batch-writer.js';
import { ViewRuns, type RunBlocksDb, type RunMetaDb } from './view-runs.js';
import { KEY_BYTES } from './view-codec.js';

const T0 = Date.UTC(2024, 5, 3, 9);
const HOUR = 3_600_000;
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

/** A stored key as the codec lays it out: hour, the two hashes, start µs, view hash. */
function key(hour: number, h1: number, h2: number, us: number, view = 7): Buffer {
  const b = Buffer.alloc(KEY_BYTES);
  b.writeUInt32BE(hour, 0);
  b.writeUInt32BE(h1, 4);
  b.writeUInt32BE(h2, 8);
  b.writeUInt32BE(Math.floor(us / 2 ** 32), 12);
  b.writeUInt32BE(us >>> 0, 16);
  b.writeUInt32BE(view, 20);
  return b;
}

async function openStore() {
  const store = new ConsoleStore(mkdtempSync(join(tmpdir(), 'spanmap-staging-')));
  store.open();
  cleanup.push(() => store.close());
  const log = () => store.db<Buffer, number>(STAGED_DB, 'binary') as unknown as StageLogDb;
  return { store, log };
}

function found(s: ViewStaging, h1: number, h2: number): string[] {
  const out: string[] = [];
  s.find(h1, h2, (us, value) => out.push(`${us}:${value.toString()}`));
  return out;
}

describe('staged merge-index records', () => {
  it('finds the newest version of each record, forgets a failed transaction, replays the log, and flushes in key order', async () => {
    const { store, log } = await openStore();
    const s = new ViewStaging(log);
    // Hash 5 and hash 5 + 2^20 share a slot of the table: kept apart by the key.
    s.begin();
    await store.atomic(() => {
      s.add(key(10, 5, 9, 2000), Buffer.from('a1'));
      s.add(key(10, 5 + 2 ** 20, 9, 1000), Buffer.from('other'));
      s.add(key(10, 5, 9, 1000), Buffer.from('b1'));
      s.logTransaction();
    });
    s.begin();
    await store.atomic(() => {
      s.add(key(10, 5, 9, 2000), Buffer.from('a2')); // a record restaged (its cluster changed)
      s.logTransaction();
    });
    expect(found(s, 5, 9)).toEqual(['2000:a2', '1000:b1']);
    expect(found(s, 5 + 2 ** 20, 9)).toEqual(['1000:other']);
    expect(found(s, 5, 8)).toEqual([]);

    // A transaction that fails leaves nothing staged, in memory or in the log.
    s.begin();
    await expect(
      store.atomic(() => {
        s.add(key(11, 5, 9, 3000), Buffer.from('lost'));
        s.add(key(11, 6, 9, 3000), Buffer.from('lost too'));
        s.logTransaction();
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    s.rollback();
    expect(found(s, 5, 9)).toEqual(['2000:a2', '1000:b1']);
    expect(found(s, 6, 9)).toEqual([]);
    expect(s.size).toBe(4);

    // A new process reads the same records back from the log.
    const again = new ViewStaging(log);
    again.load();
    expect(found(again, 5, 9)).toEqual(['2000:a2', '1000:b1']);
    expect(found(again, 6, 9)).toEqual([]);
    expect(again.size).toBe(4);

    // The flush writes the newest version of each key, in key order, as a run, and empties the log.
    const runs = new ViewRuns(
      () => store.db<Buffer, number>(RUNS_DB, 'binary') as unknown as RunBlocksDb,
      () => store.db<Buffer, number>(RUN_META_DB, 'binary') as unknown as RunMetaDb,
    );
    await store.atomic(() => {
      runs.write(again.sorted());
      again.clearLog();
    });
    runs.written(true);
    again.flushed();
    expect([...runs.entries()].map(({ key: k, value }) => `${k.readUInt32BE(4)}/${k.readUInt32BE(16)}:${value.toString()}`)).toEqual([
      '5/1000:b1',
      '5/2000:a2',
      `${5 + 2 ** 20}/1000:other`,
    ]);
    expect([...log().getKeys({})]).toEqual([]);
    expect(again.size).toBe(0);
    expect(found(again, 5, 9)).toEqual([]);
    // Sequence numbers go on after the flush (no log entry is overwritten).
    again.begin();
    await store.atomic(() => {
      again.add(key(12, 1, 1, 1), Buffer.from('next'));
      again.logTransaction();
    });
    expect([...log().getKeys({})]).toEqual([2]);
  });

  it('grows its arena without losing records', async () => {
    const { store, log } = await openStore();
    const s = new ViewStaging(log);
    s.begin();
    const value = Buffer.alloc(200, 1);
    await store.atomic(() => {
      for (let i = 0; i < 20_000; i++) s.add(key(1, i, i * 3, i), value); // 4.6 MB: several doublings
      s.logTransaction();
    });
    let ok = 0;
    for (let i = 0; i < 20_000; i++) s.find(i, i * 3, (us, v) => (ok += us === i && v.equals(value) ? 1 : 0));
    expect(ok).toBe(20_000);
  });
});

describe('merging through staged records', () => {
  // Conversations with unique 5-tuples seen by one to three probes: the truth per edge is exact.
  function scenario(seed: number) {
    let x = seed;
    const r = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const int = (n: number) => Math.floor(r() * n);
    const views: Array<{ probe: string; rec: FlowRecord }> = [];
    const truth = new Map<string, { flows: number; packets: number }>();
    for (let c = 0; c < 300; c++) {
      const dport = [443, 5432, 53][int(3)]!;
      const base = flowRecord(T0, {
        src: `10.1.0.${1 + int(4)}`,
        dst: `10.2.0.${1 + int(3)}`,
        sport: 20000 + c,
        dport,
        first: T0 + int(30) * 600_000 + int(1000),
        packets: 5 + int(50),
        rpackets: 3 + int(50),
      });
      base.last = base.first + 1000 + int(200_000);
      const k = `${base.src}|${base.dst}|6|${dport}`;
      const t = truth.get(k) ?? { flows: 0, packets: 0 };
      truth.set(k, { flows: t.flows + 1, packets: t.packets + base.packets + base.rpackets });
      const n = 1 + int(3);
      for (let v = 0; v < n; v++) {
        const skew = r() * 0.9;
        let rec: FlowRecord = { ...base, first: base.first + skew, last: base.last + skew };
        if (v > 0 && r() < 0.4) rec = { ...rec, packets: Math.max(1, rec.packets - 1 - int(3)) }; // a view that lost packets
        views.push({ probe: ['core', 'dc', 'edge'][v]!, rec });
      }
    }
    // Shuffled, in small batches: later views find earlier ones staged, flushed, or both.
    for (let i = views.length - 1; i > 0; i--) {
      const j = int(i + 1);
      [views[i], views[j]] = [views[j]!, views[i]!];
    }
    const batches: SummaryBatch[] = [];
    for (let i = 0; i < views.length; i += 4) {
      const chunk = views.slice(i, i + 4);
      for (const p of new Set(chunk.map((v) => v.probe)))
        batches.push(
          recordBatch(
            p,
            chunk.filter((v) => v.probe === p).map((v) => v.rec),
          ),
        );
    }
    return { batches, truth };
  }

  function perEdge(o: Awaited<ReturnType<typeof openData>>): Map<string, { flows: number; packets: number }> {
    const { rows } = o.data.query.edges({ from: 0, to: 2 ** 52 }, {}, 'src', false, 0, 100_000);
    return new Map(rows.map((e) => [`${e.src}|${e.dst}|${e.proto}|${e.port}`, { flows: e.flows, packets: e.packets }]));
  }

  for (const staged of [1, 7, 100_000]) {
    it(`counts every conversation once with ${staged.toLocaleString('en')} record(s) staged between flushes, and after a restart midway`, async () => {
      const { batches, truth } = scenario(staged);
      const opts = { merge: { skewMs: 1000, maxSpanMs: 6 * HOUR, stagedRecords: staged } };
      const o = await openData(undefined, opts);
      const half = Math.floor(batches.length / 2);
      for (const b of batches.slice(0, half)) await o.data.ingest([b]);
      const stagedBefore = o.data.writer.staging.size;
      await o.close(); // staged records stay in their log
      const again = await openData(o.dir, opts);
      cleanup.push(() => again.close());
      expect(again.data.writer.staging.size).toBe(stagedBefore);
      for (const b of batches.slice(half)) await again.data.ingest([b]);
      expect(again.data.writer.fold.counters.merged).toBeGreaterThan(100);
      expect(perEdge(again)).toEqual(truth);
      if (staged === 100_000) expect(again.data.writer.staging.counters.flushes).toBe(0);
      else expect(again.data.writer.staging.counters.flushes).toBeGreaterThan(10);
    });
  }

  it('reads a record restaged after a flush once, not once staged and once from the index', async () => {
    const o = await openData(undefined, { merge: { skewMs: 1000, maxSpanMs: 6 * HOUR, stagedRecords: 100_000 } });
    cleanup.push(() => o.close());
    await o.data.ingest([recordBatch('a', [flowRecord(T0, { packets: 10, rpackets: 8 })])]);
    await o.data.writer.flushStaged(); // a's record is in the index now
    await o.data.ingest([recordBatch('b', [flowRecord(T0 + 0.4, { packets: 7, rpackets: 9 })])]); // a is restaged with the cluster
    await o.data.ingest([recordBatch('c', [flowRecord(T0 + 0.2, { packets: 12, rpackets: 6 })])]);
    // One conversation: 12 packets out (c's view), 9 back (b's view).
    expect([...perEdge(o).values()]).toEqual([{ flows: 1, packets: 21 }]);
    await o.close();
    const again = await openData(o.dir, { merge: { skewMs: 1000, maxSpanMs: 6 * HOUR } });
    cleanup.push(() => again.close());
    await again.data.ingest([recordBatch('d', [flowRecord(T0 + 0.1, { packets: 3, rpackets: 11 })])]);
    expect([...perEdge(again).values()]).toEqual([{ flows: 1, packets: 23 }]);
  });

  it('does not merge a record with one whose transaction failed', async () => {
    const o = await openData(undefined, { merge: { skewMs: 1000, maxSpanMs: 6 * HOUR } });
    cleanup.push(() => o.close());
    const a = recordBatch('a', [flowRecord(T0, { packets: 10, rpackets: 8 })]);
    const b = recordBatch('b', [flowRecord(T0 + 0.4, { packets: 7, rpackets: 8 })]);
    const fail = (p: string) => {
      if (p === 'ingest:in-transaction') throw new Error('killed');
    };
    await expect(o.data.ingest([a], T0, fail)).rejects.toThrow('killed');
    await o.data.ingest([b]);
    expect([...perEdge(o).values()]).toEqual([{ flows: 1, packets: 15 }]); // b alone
    await o.data.ingest([a]); // the probe resends: now it merges with b
    expect([...perEdge(o).values()]).toEqual([{ flows: 1, packets: 18 }]);
    expect(o.data.writer.staging.size).toBe(3); // b, a, and b again with the cluster they now share
  });
});
