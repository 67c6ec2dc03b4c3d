import { describe, it, expect } from 'vitest';
import { flowRecordJson, type FlowRecord } from './flow-record.js';

describe('flowRecordJson', () => {
  it('is byte-identical to JSON.stringify for every shape of record', () => {
    const base: FlowRecord = {
      src: '10.0.0.1',
      dst: '2001:db8::2',
      proto: 6,
      sport: 51514,
      dport: 443,
      packets: 12,
      bytes: 3400,
      rpackets: 10,
      rbytes: 9000,
      first: 1717000000123,
      last: 1717000005123,
      tcpFlags: 27,
      rtcpFlags: 27,
      vlan: null,
      end: 'fin',
      initiator: 'syn',
    };
    const variants: FlowRecord[] = [
      base,
      { ...base, vlan: 4094, end: 'active', initiator: 'port', cont: true },
      { ...base, iface: 'eth0 "mirror"\\1', sampling: 100 },
      { ...base, src: 'weird"name', bytes: 4294967295, rbytes: 0 },
    ];
    for (const r of variants) expect(flowRecordJson(r)).toBe(JSON.stringify(r));
  });
});
