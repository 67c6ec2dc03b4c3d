import { describe, it, expect } from 'vitest';
import { flowRecord } from '../test-util/records.js';
import { fromFlowRecord } from './view-record.js';
import { KEY_BYTES, decodeValue, encodeKey, encodeValue, valueBytes, writeKey, writeValue } from './view-codec.js';

const T0 = Date.UTC(2024, 5, 3, 9);

describe('the merge index encoding', () => {
  it('gives back every field of a record, with a VLAN, a UTF-8 interface name, or neither, and a cluster id', () => {
    const records = [
      { ...fromFlowRecord('core-1', flowRecord(T0 + 0.125, { vlan: 42, iface: 'enp3s0-spän', initiator: 'port', packets: 3, rbytes: 2 ** 40 })), cl: 77 },
      fromFlowRecord('edge', flowRecord(T0, { src: '2001:db8::2', dst: '2001:db8::1', sport: 443, dport: 51000, cont: true })),
      fromFlowRecord('p', flowRecord(T0, { proto: 1, sport: 0, dport: 2048, vlan: null })),
    ];
    for (const r of records) {
      const v = encodeValue(r);
      expect(v.length).toBe(valueBytes(r));
      const back = decodeValue(v, r.k);
      expect(back).toEqual({ ...r, records: 1 });
      // Written in place at an offset, the same bytes.
      const b = Buffer.alloc(5 + KEY_BYTES + v.length, 0xee);
      writeKey(b, 5, 1, 2, r.first, r.view);
      writeValue(b, 5 + KEY_BYTES, r);
      expect(b.subarray(5, 5 + KEY_BYTES)).toEqual(encodeKey(1, 2, r.first, r.view));
      expect(b.subarray(5 + KEY_BYTES)).toEqual(v);
      expect(b.subarray(0, 5)).toEqual(Buffer.alloc(5, 0xee));
    }
    // The layout the index reads in place: start and end times, the cluster id, the key's length,
    // and at the end the interface name's length in bytes (12 for "enp3s0-spän").
    const v = encodeValue(records[0]!);
    expect([v.readDoubleLE(0), v.readDoubleLE(8), v.readUInt32LE(52), v.readUInt16LE(56)]).toEqual([T0 + 0.125, T0 + 5000.125, 77, records[0]!.k.length]);
    expect([v[v.length - 13], v.subarray(v.length - 12).toString('utf8')]).toEqual([12, 'enp3s0-spän']);
    expect(v.readInt16LE(v.length - 15)).toBe(42);
    // The text of another conversation with the same hashes is refused (a collision), not decoded.
    expect(decodeValue(encodeValue(records[0]!), 'x')).toBeNull();
  });
});
