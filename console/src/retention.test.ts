import { describe, it, expect } from 'vitest';
import type { FlowRecord } from '@spanmap/shared';
import { openData } from './test-util/open-data.js';
import { flowRecord, recordBatch } from './test-util/records.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 5, 3);

const rec = (o: Partial<FlowRecord>) => flowRecord(T0, o);
const batch = (records: FlowRecord[]) => recordBatch('p', records);

describe('retention', () => {
  it('drops history older than the window, counted; refuses older records; keeps that after a restart', async () => {
    let now = T0 + 30 * DAY;
    const o = await openData(undefined, { retention: { days: 7, maxBytes: null } }, () => now);
    // Every day: a daily job; in the first week only, an edge never seen again.
    const records: FlowRecord[] = [];
    for (let d = 0; d < 30; d++) {
      records.push(rec({ sport: 30000 + d, first: T0 + d * DAY + 3_600_000, last: T0 + d * DAY + 3_700_000 }));
      if (d < 7) records.push(rec({ dst: '10.0.9.9', sport: 20000 + d, first: T0 + d * DAY, last: T0 + d * DAY + 1000 }));
    }
    await o.data.ingest([batch(records)]);
    const all = { from: 0, to: 2 ** 52 };
    expect(o.data.query.edges(all, {}, 'flows', true, 0, 100).rows.map((r) => [r.dst, r.flows])).toEqual([
      ['10.0.1.1', 30],
      ['10.0.9.9', 7],
    ]);
    for (let i = 0; i < 10; i++) await o.data.between();
    const kept = o.data.retention.counters;
    expect(kept.keptFrom).toBe(T0 + 24 * DAY); // day 30 is "today": the last 7 days are days 24-30
    expect(kept.daysDropped).toBe(24);
    expect(kept.hourBuckets).toBeGreaterThanOrEqual(24 + 7);
    expect(kept.mergeRecords).toBe(24 + 7);
    expect(o.data.query.edges(all, {}, 'flows', true, 0, 100).rows.map((r) => [r.dst, r.flows])).toEqual([['10.0.1.1', 6]]);
    // A late record from before the window is refused, and counted.
    await o.data.ingest([batch([rec({ sport: 55555, first: T0 + 2 * DAY, last: T0 + 2 * DAY + 10 })])]);
    expect(o.data.writer.tooOld).toBe(1);
    await o.close();
    now += 1000;
    const again = await openData(o.dir, { retention: { days: 7, maxBytes: null } }, () => now);
    expect(again.data.query.edges(all, {}, 'flows', true, 0, 100).rows.map((r) => [r.dst, r.flows])).toEqual([['10.0.1.1', 6]]);
    expect(again.data.retention.counters.daysDropped).toBe(24);
    await again.close();
  });

  it('over the disk budget drops the oldest day at each check, counted as dropped for space', async () => {
    let now = T0 + 10 * DAY;
    const o = await openData(undefined, { retention: { days: null, maxBytes: 1 } }, () => now);
    const records: FlowRecord[] = [];
    for (let d = 0; d < 10; d++) records.push(rec({ sport: 30000 + d, first: T0 + d * DAY, last: T0 + d * DAY + 1000 }));
    await o.data.ingest([batch(records)]);
    for (let i = 0; i < 3; i++) {
      now += 61_000;
      await o.data.between();
    }
    expect(o.data.retention.counters.daysDroppedForSpace).toBe(3);
    expect(o.data.retention.counters.keptFrom).toBe(T0 + 3 * DAY);
    // The newest day is never dropped for space.
    for (let i = 0; i < 20; i++) {
      now += 61_000;
      await o.data.between();
    }
    expect(o.data.rollup.activeDays()).toEqual([Math.floor((T0 + 9 * DAY) / DAY)]);
    await o.close();
  });
});
