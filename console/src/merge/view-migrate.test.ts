import { describe, it, expect, afterEach } from 'vitest';
import type { FlowRecord } from '@spanmap/shared';
import { openData } from '../test-util/open-data.js';
import { flowRecord, recordBatch } from '../test-util/records.js';
import { VIEWS_DB } from './view-migrate.js';
import { STAGED_DB } from '../ingest/batch-writer.js';
import { BUCKET_MS, KEY_BYTES, bucketOf, keyRanges } from './view-codec.js';

const T0 = Date.UTC(2024, 5, 3, 9);
const HOUR = 3_600_000;
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

const rec = (o: Partial<FlowRecord>) => flowRecord(T0, o);
const batch = recordBatch;

async function open() {
  const o = await openData(undefined, { merge: { skewMs: 1000, maxSpanMs: 6 * HOUR } });
  cleanup.push(() => o.close());
  return o;
}

function flows(o: Awaited<ReturnType<typeof openData>>): number[] {
  return o.data.query.edges({ from: 0, to: 2 ** 52 }, {}, 'src', false, 0, 100).rows.map((r) => r.flows);
}

describe('the merge index keyed by start hour', () => {
  it('gives one range per hour bucket of the window, none outside it', () => {
    const ranges = [...keyRanges(1, 2, T0 - 1, T0 + 2 * HOUR)];
    expect(ranges.map((r) => r.start.readUInt32BE(0))).toEqual([bucketOf(T0) - 1, bucketOf(T0), bucketOf(T0) + 1, bucketOf(T0) + 2]);
    for (const r of ranges) {
      expect(r.start.length).toBe(KEY_BYTES);
      expect(r.start.readUInt32BE(4)).toBe(1);
      expect(r.end.readUInt32BE(8)).toBe(2);
      expect(Buffer.compare(r.start, r.end)).toBeLessThan(0);
    }
    expect(BUCKET_MS).toBe(HOUR);
  });

  it('merges two probes whose views of one conversation start on either side of an hour boundary', async () => {
    const o = await open();
    const edge = T0 + HOUR;
    await o.data.ingest([batch('a', [rec({ first: edge - 0.4, last: edge + 4000 })])]);
    await o.data.ingest([batch('b', [rec({ first: edge + 0.3, last: edge + 4000.2 })])]);
    expect(flows(o)).toEqual([1]);
  });

  it('finds a long record hours back (the longest span searched back for) and merges with it', async () => {
    const o = await open();
    await o.data.ingest([batch('a', [rec({ first: T0, last: T0 + 5 * HOUR, packets: 5000, rpackets: 4000 })])]);
    // probe b came up later: its view starts 4 hours in (no SYN seen), and overlaps a's record
    await o.data.ingest([batch('b', [rec({ first: T0 + 4 * HOUR, last: T0 + 5 * HOUR, packets: 900, rpackets: 800, initiator: 'port' })])]);
    await o.data.ingest([batch('c', [rec({ first: T0 + 7 * HOUR, last: T0 + 7 * HOUR + 10 })])]); // not overlapping: its own flow
    expect(flows(o)).toEqual([2]);
  });
});

describe('upgrading a store from conversation-first keys', () => {
  it('moves every record to hour-first keys at start, and merges later views with them', async () => {
    const first = await open();
    const recs = [0, 1, 2, 30].map((h) => rec({ sport: 41000 + h, first: T0 + h * HOUR + 123.456, last: T0 + h * HOUR + 9000 }));
    await first.data.ingest([batch('a', recs)]);
    // Rewrite the index the way earlier versions stored it: 20-byte keys, conversation first (the
    // records are staged in memory and in their log now: the log goes).
    const old = first.store.raw<Buffer, Buffer>('merge-views', 'binary', 'binary');
    const entries = [...first.data.writer.staging.sorted()].map(({ key, value }) => ({ key: Buffer.from(key), value: Buffer.from(value) }));
    expect(entries).toHaveLength(4);
    const log = first.store.raw<Buffer, number>(STAGED_DB, 'binary');
    await first.store.atomic(() => {
      for (const { key, value } of entries) {
        const k = Buffer.concat([key.subarray(4, 12), key.subarray(12, 20), key.subarray(20, 24)]);
        void old.put(k, value);
      }
      for (const key of [...log.getKeys({})]) void log.remove(key);
    });
    await first.close();

    const lines: string[] = [];
    const again = await openData(first.dir, { merge: { skewMs: 1000, maxSpanMs: 6 * HOUR } }, Date.now, (l) => lines.push(l));
    cleanup.push(() => again.close());
    expect(lines.join('\n')).toMatch(/merge index \(4 records\) now has hour-first keys/);
    const moved = [...again.store.raw<Buffer, Buffer>(VIEWS_DB, 'binary', 'binary').getRange({})].map(({ key, value }) => ({
      key: Buffer.from(key),
      value: Buffer.from(value),
    }));
    expect(moved).toEqual(entries);
    // The old database is gone: a second start moves nothing.
    expect(again.store.env.openDB({ name: 'merge-views', create: false } as { name: string })).toBeUndefined();
    // Another probe's views of the same conversations merge with the moved records (not counted twice).
    await again.data.ingest([
      batch(
        'b',
        recs.map((r) => ({ ...r, first: r.first + 0.2, last: r.last + 0.2 })),
      ),
    ]);
    expect(flows(again)).toEqual([4]);
  });
});
