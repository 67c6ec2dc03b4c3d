import { describe, it, expect } from 'vitest';
import type { FlowRecord } from '@spanmap/shared';
import { Collector, DEFAULT_COLLECTOR } from './collector.js';
import { IE, REVERSE_PEN } from './ie.js';
import type { UniFlow } from './types.js';
import {
  ipfixMessage,
  ipfixOptionsTemplate,
  ipfixTemplate,
  ipv4,
  ipv6,
  set,
  u16,
  u32,
  u64,
  u8,
  v5Packet,
  v9OptionsTemplate,
  v9Packet,
  v9Template,
} from './wire.js';

const F = (id: number, length: number, pen = 0) => ({ id, length, pen });

function collector(opts: Partial<typeof DEFAULT_COLLECTOR> = {}) {
  const records: FlowRecord[] = [];
  const unis: UniFlow[] = [];
  const c = new Collector({ ...DEFAULT_COLLECTOR, ...opts }, { send: (r) => records.push(r), onUniFlow: (u) => unis.push(u) });
  return { c, records, unis };
}

// v9 template: src, dst, proto, sport, dport, packets, bytes, first, last, flags, input ifIndex, vlan, end reason
const V9: Array<[number, number]> = [
  [8, 4],
  [12, 4],
  [4, 1],
  [7, 2],
  [11, 2],
  [2, 4],
  [1, 4],
  [22, 4],
  [21, 4],
  [6, 1],
  [10, 2],
  [58, 2],
  [136, 1],
];
function v9rec(o: {
  src: string;
  dst: string;
  proto?: number;
  sport?: number;
  dport?: number;
  packets?: number;
  bytes?: number;
  first?: number;
  last?: number;
  flags?: number;
  ifIndex?: number;
  vlan?: number;
  end?: number;
}): Buffer {
  return Buffer.concat([
    ipv4(o.src),
    ipv4(o.dst),
    u8(o.proto ?? 6),
    u16(o.sport ?? 0),
    u16(o.dport ?? 0),
    u32(o.packets ?? 1),
    u32(o.bytes ?? 100),
    u32(o.first ?? 90_000),
    u32(o.last ?? 95_000),
    u8(o.flags ?? 0),
    u16(o.ifIndex ?? 0),
    u16(o.vlan ?? 0),
    u8(o.end ?? 1),
  ]);
}
const v9msg = (recs: Buffer[], h: Parameters<typeof v9Packet>[1] = {}) => v9Packet([set(0, [v9Template(256, V9)]), set(256, recs)], h);

describe('collector: exported records become FlowRecords', () => {
  it('pairs the two directions of a v9 conversation into one record, the service side as responder', () => {
    const { c, records } = collector();
    c.handle(
      v9msg([
        v9rec({ src: '10.0.0.2', dst: '10.0.0.1', sport: 443, dport: 50000, packets: 8, bytes: 9000, flags: 0x1a, ifIndex: 2 }),
        v9rec({ src: '10.0.0.1', dst: '10.0.0.2', sport: 50000, dport: 443, packets: 10, bytes: 1200, flags: 0x1b, ifIndex: 1, vlan: 20 }),
      ]),
      '192.0.2.9',
      1000,
    );
    expect(records).toEqual([
      {
        src: '10.0.0.1',
        dst: '10.0.0.2',
        proto: 6,
        sport: 50000,
        dport: 443,
        packets: 10,
        bytes: 1200,
        rpackets: 8,
        rbytes: 9000,
        // v9 times are relative to the header: 1_700_000_000 s at sysUptime 100 000 ms
        first: 1_700_000_000_000 - 10_000,
        last: 1_700_000_000_000 - 5_000,
        tcpFlags: 0x1b,
        rtcpFlags: 0x1a,
        vlan: 20,
        end: 'idle',
        initiator: 'port',
        iface: '192.0.2.9#1',
      },
    ]);
  });

  it('earliest flow start decides before ports; equal starts fall to ports, then to arrival', () => {
    const { c, records } = collector();
    c.handle(
      v9msg([
        // the "server" port spoke first: its start is earlier, so it is the initiator
        v9rec({ src: '10.0.0.2', dst: '10.0.0.1', proto: 17, sport: 53, dport: 40000, first: 80_000 }),
        v9rec({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, sport: 40000, dport: 53, first: 81_000 }),
        // same start, two ephemeral ports: the record that arrived first
        v9rec({ src: '10.0.0.5', dst: '10.0.0.6', proto: 17, sport: 40001, dport: 40002 }),
        v9rec({ src: '10.0.0.6', dst: '10.0.0.5', proto: 17, sport: 40002, dport: 40001 }),
      ]),
      '192.0.2.9',
      1000,
    );
    expect(records.map((r) => [r.src, r.sport, r.dst, r.dport, r.initiator])).toEqual([
      ['10.0.0.2', 53, '10.0.0.1', 40000, 'first'],
      ['10.0.0.5', 40001, '10.0.0.6', 40002, 'first'],
    ]);
  });

  it('a record alone waits for the pairing window, then is emitted by expire(now); the reply direction alone is turned around', () => {
    const { c, records } = collector({ windowMs: 5000 });
    c.handle(v9msg([v9rec({ src: '10.0.0.2', dst: '10.0.0.1', sport: 22, dport: 51000, packets: 4, bytes: 400 })]), '192.0.2.9', 1000);
    c.expire(5999);
    expect(records).toEqual([]);
    c.expire(6000);
    expect(records).toMatchObject([
      { src: '10.0.0.1', sport: 51000, dst: '10.0.0.2', dport: 22, packets: 0, bytes: 0, rpackets: 4, rbytes: 400, initiator: 'port' },
    ]);
  });

  it('records from different exporters are not paired', () => {
    const { c, records } = collector();
    c.handle(v9msg([v9rec({ src: '10.0.0.1', dst: '10.0.0.2', sport: 50000, dport: 443 })]), '192.0.2.1', 1000);
    c.handle(v9msg([v9rec({ src: '10.0.0.2', dst: '10.0.0.1', sport: 443, dport: 50000 })]), '192.0.2.2', 1000);
    c.flush();
    expect(records.map((r) => r.iface)).toEqual(['192.0.2.1#0', '192.0.2.2#0']);
    expect(c.counters.flows).toMatchObject({ paired: 0, alone: 2 });
  });

  it('ICMP: echo request and reply pair on the request type; type*256+code in dport; no ports for other protocols', () => {
    const { c, records } = collector();
    const fields: Array<[number, number]> = [
      [8, 4],
      [12, 4],
      [4, 1],
      [7, 2],
      [11, 2],
      [32, 2],
      [2, 4],
      [1, 4],
    ];
    const rec = (s: string, d: string, proto: number, sp: number, dp: number, icmp: number) =>
      Buffer.concat([ipv4(s), ipv4(d), u8(proto), u16(sp), u16(dp), u16(icmp), u32(1), u32(84)]);
    c.handle(
      v9Packet([
        set(0, [v9Template(300, fields)]),
        set(300, [
          rec('10.0.0.2', '10.0.0.1', 1, 0, 0, 0x0000), // echo reply first
          rec('10.0.0.1', '10.0.0.2', 1, 0, 0, 0x0800),
          rec('10.0.0.1', '10.0.0.9', 47, 1234, 5678, 0), // GRE: ports dropped
          rec('10.0.0.1', '10.0.0.9', 1, 0, 0x0303, 0), // ICMP unreachable carried in the destination port (Cisco)
        ]),
      ]),
      '192.0.2.9',
      1,
    );
    c.flush();
    expect(records.map((r) => [r.src, r.dst, r.proto, r.sport, r.dport, r.packets, r.rpackets, r.initiator])).toEqual([
      ['10.0.0.1', '10.0.0.2', 1, 0, 0x0800, 1, 1, 'port'],
      ['10.0.0.1', '10.0.0.9', 47, 0, 0, 1, 0, 'first'],
      ['10.0.0.1', '10.0.0.9', 1, 0, 0x0303, 1, 0, 'first'],
    ]);
  });

  it('flowEndReason maps to end; a RST seen with end-of-flow is rst', () => {
    const { c, records } = collector({ windowMs: 0 });
    c.handle(
      v9msg(
        [1, 2, 3, 4, 5, 9]
          .map((end, i) => v9rec({ src: '10.0.0.1', dst: '10.0.0.2', sport: 40000 + i, dport: 443, end }))
          .concat(v9rec({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 443, end: 3, flags: 0x14 })),
      ),
      'e',
      1,
    );
    expect(records.map((r) => r.end)).toEqual(['idle', 'active', 'fin', 'forced', 'forced', 'idle', 'rst']);
  });

  it('a record after one that ended on the active timeout is a continuation (cont: true)', () => {
    const { c, records } = collector({ windowMs: 0 });
    const r = (end: number) => v9msg([v9rec({ src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 443, end })]);
    c.handle(r(2), 'e', 1000);
    c.handle(r(2), 'e', 61_000);
    c.handle(r(1), 'e', 121_000);
    c.handle(r(1), 'e', 122_000);
    expect(records.map((x) => [x.end, x.cont ?? false])).toEqual([
      ['active', false],
      ['active', true],
      ['idle', true],
      ['idle', false],
    ]);
    expect(c.counters.flows.continuations).toBe(2);
  });

  it('v5: header times and sampling (1 in 64) scale the counts and mark the record', () => {
    const { c, records } = collector({ windowMs: 0 });
    c.handle(
      v5Packet([{ src: '10.1.1.1', dst: '10.1.1.2', sport: 1000, dport: 80, proto: 6, packets: 2, bytes: 120, first: 99_000, last: 99_500 }], {
        sampling: 0x4000 | 64,
        uptime: 100_000,
        unixSecs: 1_700_000_000,
      }),
      'r1',
      1,
    );
    expect(records).toMatchObject([{ packets: 128, bytes: 7680, sampling: 64, first: 1_699_999_999_000, last: 1_699_999_999_500, iface: 'r1#1' }]);
  });

  it('v9 options: a sampling rate per interface applies to records entering on that interface', () => {
    const { c, records } = collector({ windowMs: 0 });
    c.handle(
      v9Packet([set(1, [v9OptionsTemplate(400, [[2, 4]], [[34, 4]])]), set(400, [Buffer.concat([u32(3), u32(100)])]), set(0, [v9Template(256, V9)])]),
      'r',
      1,
    );
    c.handle(
      v9Packet(
        [
          set(256, [
            v9rec({ src: '10.0.0.1', dst: '10.0.0.2', ifIndex: 3, packets: 2, bytes: 100 }),
            v9rec({ src: '10.0.0.3', dst: '10.0.0.4', ifIndex: 3, packets: 1, bytes: 60 }),
          ]),
        ],
        { sequence: 1 },
      ),
      'r',
      2,
    );
    expect(records.map((r) => [r.packets, r.bytes, r.sampling])).toEqual([
      [200, 10000, 100],
      [100, 6000, 100],
    ]);
    expect(c.counters.sampledRecords).toBe(2);
  });

  it('IPFIX: sampling per selector from options data, system init time for sysUpTime stamps, biflow records', () => {
    const { c, records } = collector();
    const opt = ipfixOptionsTemplate(500, 1, [F(IE.selectorId, 4), F(IE.samplingSize, 4), F(IE.samplingPopulation, 4), F(IE.systemInitTimeMilliseconds, 8)]);
    const tpl = ipfixTemplate(256, [
      F(IE.sourceIPv6Address, 16),
      F(IE.destinationIPv6Address, 16),
      F(IE.protocolIdentifier, 1),
      F(IE.sourceTransportPort, 2),
      F(IE.destinationTransportPort, 2),
      F(IE.packetDeltaCount, 4),
      F(IE.octetDeltaCount, 4),
      F(IE.packetDeltaCount, 4, REVERSE_PEN),
      F(IE.octetDeltaCount, 4, REVERSE_PEN),
      F(IE.flowStartSysUpTime, 4),
      F(IE.flowEndSysUpTime, 4),
      F(IE.selectorId, 4),
      F(IE.biflowDirection, 1),
    ]);
    const rec = Buffer.concat([
      ipv6('2001:db8::2'),
      ipv6('2001:db8::1'),
      u8(6),
      u16(443),
      u16(50000),
      u32(3),
      u32(3000),
      u32(2),
      u32(200),
      u32(1000),
      u32(2000),
      u32(9),
      u8(2),
    ]);
    // data before options in the message: options are applied first anyway
    c.handle(
      ipfixMessage([set(2, [tpl]), set(3, [opt]), set(256, [rec]), set(500, [Buffer.concat([u32(9), u32(1), u32(256), u64(1_700_000_000_000)])])]),
      '2001:db8:ff::1',
      1,
    );
    expect(records).toEqual([
      {
        // biflowDirection 2 (reverseInitiator): the destination initiated
        src: '2001:db8::1',
        dst: '2001:db8::2',
        proto: 6,
        sport: 50000,
        dport: 443,
        packets: 512,
        bytes: 51200,
        rpackets: 768,
        rbytes: 768000,
        first: 1_700_000_001_000,
        last: 1_700_000_002_000,
        tcpFlags: 0,
        rtcpFlags: 0,
        vlan: null,
        end: 'idle',
        initiator: 'syn',
        iface: '2001:db8:ff::1',
        sampling: 256,
      },
    ]);
    expect(c.counters.flows.biflow).toBe(1);
  });

  it('a template carrying both families: zeros in one pair pick the other; ipVersion decides when present', () => {
    const { c, unis } = collector({ windowMs: 0 });
    const tpl = ipfixTemplate(256, [
      F(IE.sourceIPv4Address, 4),
      F(IE.destinationIPv4Address, 4),
      F(IE.sourceIPv6Address, 16),
      F(IE.destinationIPv6Address, 16),
      F(IE.protocolIdentifier, 1),
    ]);
    const rec = (a: string, b: string, x: string, y: string) => Buffer.concat([ipv4(a), ipv4(b), ipv6(x), ipv6(y), u8(17)]);
    c.handle(
      ipfixMessage([set(2, [tpl]), set(256, [rec('0.0.0.0', '0.0.0.0', '2001:db8::1', '2001:db8::2'), rec('192.0.2.1', '192.0.2.2', '::', '::')])]),
      'e',
      1,
    );
    expect(unis.map((u) => [u.src, u.dst])).toEqual([
      ['2001:db8::1', '2001:db8::2'],
      ['192.0.2.1', '192.0.2.2'],
    ]);
  });

  it('records without addresses and options without sampling fields are counted, not flows', () => {
    const { c, records } = collector({ windowMs: 0 });
    c.handle(ipfixMessage([set(2, [ipfixTemplate(256, [F(IE.packetDeltaCount, 4)])]), set(256, [u32(5)])]), 'e', 1);
    expect(records).toEqual([]);
    expect(c.counters.rejected.noAddress).toBe(1);
  });

  it('sequence gaps per exporter and version; byte-swapped and unknown versions; too many scopes', () => {
    const { c } = collector({ maxScopes: 2 });
    c.handle(v9Packet([], { sequence: 10 }), 'a', 1);
    c.handle(v9Packet([], { sequence: 14 }), 'a', 1); // 11, 12, 13 missing
    c.handle(v9Packet([], { sequence: 12 }), 'a', 1); // late: 12 found after all
    c.handle(Buffer.from([0x09, 0x00, 0x01, 0x00, ...Buffer.alloc(16)]), 'j', 1);
    c.handle(Buffer.from([0x00, 0x07, 0, 0]), 'x', 1);
    c.handle(v9Packet([], { sourceId: 1 }), 'a', 1);
    c.handle(v9Packet([], { sourceId: 2 }), 'a', 1);
    const k = c.counters;
    expect(k.lost).toMatchObject({ v9Packets: 2, late: 1 });
    expect(k.rejected).toMatchObject({ byteSwapped: 1, unknownVersion: 1, tooManyScopes: 1 });
    expect(k.datagrams).toEqual({ v5: 0, v9: 4, ipfix: 0, rejected: 3 });
  });
});
