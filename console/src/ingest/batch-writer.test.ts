import { describe, it, expect } from 'vitest';
import type { FlowRecord, SummaryBatch } from '@spanmap/shared';
import { openData } from '../test-util/open-data.js';

const rec: FlowRecord = {
  src: '10.0.0.1',
  dst: '10.0.1.1',
  proto: 6,
  sport: 40000,
  dport: 443,
  packets: 10,
  bytes: 1000,
  rpackets: 8,
  rbytes: 8000,
  first: Date.UTC(2024, 5, 3, 9),
  last: Date.UTC(2024, 5, 3, 9) + 5000,
  tcpFlags: 27,
  rtcpFlags: 27,
  vlan: null,
  end: 'fin',
  initiator: 'syn',
};
const batch: SummaryBatch = { v: 2, probe: 'p', epoch: 'ab'.repeat(16), seq: 1, from: rec.first, to: rec.last, records: [rec], names: [], entries: [] };

describe('the ingest transaction', () => {
  it('commits nothing when a stage fails inside it, so the resent batch is applied in full', async () => {
    const o = await openData();
    let fail = true;
    o.data.writer.hooks.push({
      inTransaction() {
        if (fail) throw new Error('a stage failed');
      },
    });
    await expect(o.data.ingest([batch])).rejects.toThrow('a stage failed');
    const all = { from: 0, to: 2 ** 52 };
    expect(o.data.query.edges(all, {}, 'flows', true, 0, 10).total).toBe(0);
    expect(o.data.probes.list()).toEqual([]);
    fail = false;
    const r = await o.data.ingest([batch]); // the probe resends: not a duplicate
    expect(r.applied).toHaveLength(1);
    expect(r.duplicates).toHaveLength(0);
    expect(o.data.query.edges(all, {}, 'flows', true, 0, 10).rows.map((e) => [e.flows, e.packets])).toEqual([[1, 18]]);
    await o.close();
  });
});
