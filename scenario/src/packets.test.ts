import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TCP_ACK, TCP_PSH, TCP_SYN, buildFrame, frameLength, ipLength, ipv6Bytes, newPacketSpec, type PacketSpec } from './packets.js';
import { PcapWriter } from './pcap-writer.js';
import { tmpDir, tsharkFields } from './test-util/oracle.js';

const tmp = tmpDir();
afterAll(() => tmp.cleanup());

function write(path: string, specs: PacketSpec[]): void {
  const w = new PcapWriter(path);
  specs.forEach((s, i) => {
    const off = w.reserveAt(frameLength(s));
    const len = buildFrame(w.buffer, off, s);
    expect(len).toBe(frameLength(s));
    w.commit(1_717_372_800_000_000 + i, len);
  });
  w.close();
}

function spec(over: Partial<PacketSpec>): PacketSpec {
  return Object.assign(newPacketSpec(), over);
}

const CHECKS = ['-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'];

describe('buildFrame', () => {
  it('builds IPv4 TCP, UDP and ICMP frames that tshark decodes with valid checksums', () => {
    const path = join(tmp.dir, 'v4.pcap');
    const a = 0x0a140b0c; // 10.20.11.12
    const b = 0x0a0a010b; // 10.10.1.11
    const specs = [
      spec({ src4: a, dst4: b, srcMac: a, dstMac: b, proto: 6, sport: 40000, dport: 443, seq: 0xfffffff0, ack: 0, flags: TCP_SYN, mss: 1460, ipId: 7 }),
      spec({
        src4: b,
        dst4: a,
        srcMac: b,
        dstMac: a,
        proto: 6,
        sport: 443,
        dport: 40000,
        seq: 1000,
        ack: 0xfffffff1,
        flags: TCP_PSH | TCP_ACK,
        payload: 1448,
        vlan: 110,
      }),
      spec({ src4: a, dst4: b, proto: 17, sport: 50000, dport: 53, payload: 33, ttl: 128 }),
      spec({ src4: a, dst4: b, proto: 1, icmpType: 8, icmpCode: 0, icmpId: 0x1234, icmpSeq: 3, payload: 56 }),
    ];
    write(path, specs);
    const rows = tsharkFields(
      path,
      [
        'ip.src',
        'ip.dst',
        'ip.len',
        'ip.checksum.status',
        'ip.proto',
        'ip.ttl',
        'vlan.id',
        'tcp.srcport',
        'tcp.dstport',
        'tcp.seq_raw',
        'tcp.ack_raw',
        'tcp.flags',
        'tcp.hdr_len',
        'tcp.len',
        'tcp.options.mss_val',
        'tcp.checksum.status',
        'udp.length',
        'udp.checksum.status',
        'icmp.type',
        'icmp.checksum.status',
        'icmp.seq',
        'eth.src',
      ],
      CHECKS,
    );
    expect(rows).toHaveLength(4);
    const [syn, data, udp, icmp] = rows as [string[], string[], string[], string[]];
    expect(syn.slice(0, 6)).toEqual(['10.20.11.12', '10.10.1.11', '44', '1', '6', '64']);
    expect(syn.slice(7, 16)).toEqual(['40000', '443', String(0xfffffff0), '0', '0x0002', '24', '0', '1460', '1']);
    expect(syn[21]).toBe('02:00:0a:14:0b:0c');
    expect(data[6]).toBe('110');
    expect(data[2]).toBe(String(20 + 20 + 1448));
    expect(data.slice(9, 16)).toEqual(['1000', String(0xfffffff1), '0x0018', '20', '1448', '', '1']);
    expect(udp[2]).toBe(String(20 + 8 + 33));
    expect(udp[5]).toBe('128');
    expect(udp.slice(16, 18)).toEqual(['41', '1']);
    expect(icmp.slice(18, 21)).toEqual(['8', '1', '3']);
    expect(ipLength(specs[1]!)).toBe(1488);
  });

  it('builds IPv6 TCP and UDP frames with the payload length and checksums tshark expects', () => {
    const path = join(tmp.dir, 'v6.pcap');
    const s6 = ipv6Bytes(0xfd000020000000000000000000000100n);
    const d6 = ipv6Bytes(0xfd00001000010000000000000000000bn);
    const specs = [
      spec({ family: 6, src6: s6, dst6: d6, proto: 6, sport: 33333, dport: 443, seq: 5, ack: 9, flags: TCP_ACK | TCP_PSH, payload: 517 }),
      spec({ family: 6, src6: d6, dst6: s6, proto: 17, sport: 53, dport: 33334, payload: 100, vlan: 200 }),
    ];
    write(path, specs);
    const rows = tsharkFields(
      path,
      ['ipv6.src', 'ipv6.dst', 'ipv6.plen', 'ipv6.nxt', 'tcp.checksum.status', 'udp.checksum.status', 'tcp.len', 'vlan.id'],
      CHECKS,
    );
    expect(rows).toEqual([
      ['fd00:20::100', 'fd00:10:1::b', String(20 + 517), '6', '1', '', '517', ''],
      ['fd00:10:1::b', 'fd00:20::100', String(8 + 100), '17', '', '1', '', '200'],
    ]);
    expect(ipLength(specs[0]!)).toBe(40 + 20 + 517);
  });
});
