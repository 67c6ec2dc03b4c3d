import { describe, it, expect, afterEach } from 'vitest';
import type { FlowRecord, SummaryBatch } from '@spanmap/shared';
import { openData } from '../test-util/open-data.js';
import { flowRecord, recordBatch } from '../test-util/records.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 5, 3, 9);
const H0 = T0 / HOUR;
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

let seq = 0;
/** One batch; each record its own connection (a source port of its own). */
function batch(records: Array<Partial<FlowRecord>>): SummaryBatch {
  seq++;
  return recordBatch(
    'p',
    records.map((o, i) => flowRecord(T0, { sport: 40000 + seq * 10 + i, ...o })),
  );
}

describe('edge hour buckets', () => {
  it('adds to an hour already written, whether it is the latest, an earlier one, or after a restart', async () => {
    const o = await openData();
    cleanup.push(() => o.close());
    await o.data.ingest([batch([{ first: T0 + 60_000 }])]); // creates the edge, hour 0
    await o.data.ingest([batch([{ first: T0 + 2 * HOUR }])]); // a later hour: new
    await o.data.ingest([batch([{ first: T0 + 2 * HOUR + 5000 }])]); // the latest hour again
    await o.data.ingest([batch([{ first: T0 + HOUR }, { first: T0 + 120_000 }])]); // a late hour, and hour 0 again
    const hours = (d: typeof o) => d.data.rows.edgeHours(0, H0, H0 + 10).map(([h, v]) => [h - H0, v[0], v[1]]);
    expect(hours(o)).toEqual([
      [0, 2, 2],
      [1, 1, 1],
      [2, 2, 2],
    ]);
    await o.close();
    const again = await openData(o.dir);
    cleanup.push(() => again.close());
    await again.data.ingest([batch([{ first: T0 + 2 * HOUR + 9000 }, { first: T0 + 3 * HOUR }])]); // not created since start: read first
    expect(hours(again)).toEqual([
      [0, 2, 2],
      [1, 1, 1],
      [2, 3, 3],
      [3, 1, 1],
    ]);
  });
});
