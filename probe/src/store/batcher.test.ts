import { describe, it, expect } from 'vitest';
import type { FlowRecord } from '@spanmap/shared';
import { Batcher } from './batcher.js';

const rec = (o: Partial<FlowRecord>): FlowRecord => ({
  src: '10.0.0.1',
  dst: '10.0.0.2',
  proto: 6,
  sport: 40000,
  dport: 443,
  packets: 5,
  bytes: 500,
  rpackets: 4,
  rbytes: 4000,
  first: 1_717_000_000_000,
  last: 1_717_000_001_000,
  tcpFlags: 2,
  rtcpFlags: 18,
  vlan: null,
  end: 'fin',
  initiator: 'syn',
  ...o,
});

describe('Batcher', () => {
  it('keeps every record and name as given, in order, with the id of the last one', () => {
    const b = new Batcher();
    b.addRecord(rec({}), 1);
    b.addRecord(rec({ sport: 40001 }), 2);
    b.addName({ ip: '10.0.0.2', name: 'web-1.example.org', source: 'dns', time: 1_717_000_000_500 }, 3);
    b.addRecord(rec({ cont: true, packets: 1 }), 4);
    expect(b.size).toBe(4);
    const d = b.drain();
    expect(d.lastId).toBe(4);
    expect(d.records.map((r) => [r.sport, r.cont ?? false])).toEqual([
      [40000, false],
      [40001, false],
      [40000, true],
    ]);
    expect(d.names).toEqual([{ ip: '10.0.0.2', name: 'web-1.example.org', source: 'dns', time: 1_717_000_000_500 }]);
    expect(b.size).toBe(0);
    expect(b.drain().records).toEqual([]);
  });
});
