import { describe, it, expect } from 'vitest';
import type { FlowRecord } from '@spanmap/shared';
import { Summarizer } from './summarizer.js';

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

describe('Summarizer', () => {
  it('sums records of one edge and hour, ignores the source port, counts continuations as records not flows', () => {
    const s = new Summarizer();
    s.add(rec({}), 1);
    s.add(rec({ sport: 40001, first: 1_717_000_002_000, last: 1_717_000_009_000, tcpFlags: 1, initiator: 'port' }), 2);
    s.add(rec({ cont: true, packets: 1, bytes: 60, rpackets: 0, rbytes: 0 }), 3);
    const { entries, lastRecordId, records } = s.drain();
    expect(records).toBe(3);
    expect(lastRecordId).toBe(3);
    expect(entries).toEqual([
      {
        src: '10.0.0.1',
        dst: '10.0.0.2',
        proto: 6,
        port: 443,
        vlan: null,
        iface: null,
        flows: 2,
        records: 3,
        packets: 11,
        bytes: 1060,
        rpackets: 8,
        rbytes: 8000,
        first: 1_717_000_000_000,
        last: 1_717_000_009_000,
        tcpFlags: 3,
        rtcpFlags: 18,
        init: { syn: 2, port: 1, first: 0 },
      },
    ]);
    expect(s.drain().entries).toEqual([]);
  });

  it('keeps hours, VLANs, interfaces and directions apart', () => {
    const s = new Summarizer();
    s.add(rec({}), 1);
    s.add(rec({ first: 1_717_000_000_000 + 3_600_000 }), 2);
    s.add(rec({ vlan: 10 }), 3);
    s.add(rec({ iface: 'eth1' }), 4);
    s.add(rec({ src: '10.0.0.2', dst: '10.0.0.1' }), 5);
    s.add(rec({ dport: 8443 }), 6);
    expect(s.drain().entries).toHaveLength(6);
  });
});
