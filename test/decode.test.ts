import { describe, it, expect } from 'vitest';
import { basename } from 'node:path';
import { pcap, pcapsIn } from './helpers/paths.js';
import { readFlows as readAllCopies } from './helpers/flows.js';
import { aggregate, tshark, oracleKey, type Conversations } from './helpers/oracle.js';

/** tshark counts every frame, so these comparisons keep duplicate frames (test/dedup.test.ts covers them). */
const readFlows = (file: string, opts: { decap?: 'inner' | 'outer' } = {}) => readAllCopies(file, { ...opts, dedupWindowMs: 0 });

/**
 * Innermost-header truth from tshark: per frame, the last IP header in the protocol stack and the
 * transport ports after it, the same conversation key as flowtruth.py. Independent of our decoder.
 */
async function innerTruth(file: string): Promise<Conversations> {
  const fields = [
    'frame.protocols',
    'ip.src',
    'ip.dst',
    'ip.proto',
    'ip.len',
    'ipv6.src',
    'ipv6.dst',
    'ipv6.plen',
    'tcp.srcport',
    'tcp.dstport',
    'udp.srcport',
    'udp.dstport',
    'ip.frag_offset',
    'ip.id',
    'ip.flags.mf',
  ];
  const out = await tshark([
    '-r',
    file,
    '-o',
    'ip.defragment:FALSE',
    '-o',
    'ipv6.defragment:FALSE',
    '-T',
    'fields',
    '-E',
    'separator=\t',
    '-E',
    'occurrence=a',
    '-E',
    'aggregator=;',
    ...fields.flatMap((f) => ['-e', f]),
  ]);
  const rows = out
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\t'));
  const first = (v: string[], i: number) => (v[i] ?? '').split(';')[0] ?? '';
  // A tunnel packet fragmented in transit: its first fragment shows the inner packet (counted with
  // the inner length), so its later fragments are part of that packet, not traffic of their own.
  const outerId = (v: string[]) => `${first(v, 1)}|${first(v, 2)}|${first(v, 13)}`;
  const tunnelFirstFragments = new Set(rows.filter((v) => (v[1] ?? '').includes(';') && first(v, 14) === '1' && first(v, 12) === '0').map(outerId));
  const m: Conversations = new Map();
  for (const v of rows) {
    if (first(v, 12) !== '' && first(v, 12) !== '0' && tunnelFirstFragments.has(outerId(v))) continue;
    // Headers quoted inside ICMP errors are not tunnels: the stack ends at the first ICMP layer.
    let stack = (v[0] ?? '').split(':');
    const icmpAt = stack.findIndex((l) => l === 'icmp' || l === 'icmpv6');
    if (icmpAt >= 0) stack = stack.slice(0, icmpAt + 1);
    const count = (layer: string) => stack.filter((l) => l === layer).length;
    const nth = (i: number, n: number) => (v[i] ?? '').split(';')[n - 1] ?? '';
    const family = stack.lastIndexOf('ipv6') > stack.lastIndexOf('ip') ? 6 : stack.includes('ip') ? 4 : 0;
    if (family === 0) continue;
    const after = stack.slice(Math.max(stack.lastIndexOf('ipv6'), stack.lastIndexOf('ip')) + 1);
    let src: string, dst: string, proto: number, size: number;
    const n4 = count('ip');
    const n6 = count('ipv6');
    if (family === 4) {
      src = nth(1, n4);
      dst = nth(2, n4);
      proto = Number(nth(3, n4));
      size = Number(nth(4, n4));
    } else {
      src = nth(5, n6);
      dst = nth(6, n6);
      size = Number(nth(7, n6)) + 40;
      proto = after.includes('tcp') ? 6 : after.includes('udp') ? 17 : after.includes('icmpv6') ? 58 : -1;
      if (proto < 0) continue;
    }
    const frag = family === 4 && nth(12, n4) !== '' && nth(12, n4) !== '0';
    let sp = 0,
      dp = 0;
    if (proto === 6 && !frag && after.includes('tcp')) {
      sp = Number(nth(8, count('tcp')));
      dp = Number(nth(9, count('tcp')));
    }
    if (proto === 17 && !frag && after.includes('udp')) {
      sp = Number(nth(10, count('udp')));
      dp = Number(nth(11, count('udp')));
    }
    const k = oracleKey(src, sp, dst, dp, proto);
    const c = m.get(k) ?? [0, 0];
    c[0]++;
    c[1] += size;
    m.set(k, c);
  }
  return m;
}

describe('decode: tunnels keyed on the innermost header by default', () => {
  for (const name of [
    'suricata-verify__vxlan-decoder-03__vxlan.pcap',
    'ndpi__vxlan.pcap',
    'tcpdump__geneve.pcap',
    'packetlife__GRE.cap',
    'packetlife__IP_in_IP.cap',
    'ndpi__6in4tunnel.pcap',
    'zeek__gre-within-gre.pcap',
    'zeek__erspan.pcap' /* GRE with transparent Ethernet bridging, despite its name */,
  ]) {
    it(name, async () => {
      const file = pcap('edge', name);
      const { records } = await readFlows(file, { decap: 'inner' });
      const { records: outer } = await readFlows(file, { decap: 'outer' });
      expect(aggregate(records)).toEqual(await innerTruth(file));
      // and the outer view really is different: the test would notice decap being skipped
      expect(aggregate(outer)).not.toEqual(aggregate(records));
    });
  }

  it('strips ERSPAN (type III here) in both modes: the mirrored frame is the traffic', async () => {
    const file = pcap('edge', 'malcolm__Tunnels.pcap');
    for (const decap of ['inner', 'outer'] as const) {
      const { records } = await readFlows(file, { decap });
      // The two ERSPAN frames carry an ICMP echo between 172.31.10.31 and 172.31.10.2, VLAN-tagged inside the mirror.
      const mirrored = records.filter((r) => [r.src, r.dst].sort().join() === '172.31.10.2,172.31.10.31');
      expect(mirrored.map((r) => r.packets + r.rpackets)).toEqual([2]);
      expect(mirrored[0]!.proto).toBe(1);
      expect(
        records.some((r) => r.src === '172.31.1.23' || r.dst === '172.31.1.23'),
        decap,
      ).toBe(false);
    }
  });
});

describe('decode: VLAN ids', () => {
  it('puts the 802.1Q VLAN id in the record', async () => {
    const { records } = await readFlows(pcap('edge', 'packetlife__ICMP_across_dot1q.cap'));
    const vlans = (await tshark(['-r', pcap('edge', 'packetlife__ICMP_across_dot1q.cap'), '-Y', 'icmp', '-T', 'fields', '-e', 'vlan.id']))
      .split('\n')
      .filter(Boolean);
    expect(new Set(records.map((r) => r.vlan))).toEqual(new Set(vlans.map(Number)));
  });

  it('uses the outer tag of QinQ / 802.1ad frames', async () => {
    for (const name of ['pcapplusplus__VlanPackets.pcap', 'packetlife__802_1ad.pcapng.cap', 'zeek__pppoe-over-qinq.pcap']) {
      const file = pcap('edge', name);
      const { records } = await readFlows(file);
      // tshark names an 802.1ad S-tag ieee8021ad.id and an 802.1Q tag vlan.id: the outer one is the S-tag when present.
      const rows = (await tshark(['-r', file, '-Y', 'ip || ipv6', '-T', 'fields', '-E', 'occurrence=f', '-e', 'ieee8021ad.id', '-e', 'vlan.id']))
        .split('\n')
        .filter(Boolean);
      const outerTags = rows.map((row) => Number(row.split('\t').find((x) => x !== '')));
      expect(records.length, name).toBeGreaterThan(0);
      expect(new Set(records.map((r) => r.vlan)), name).toEqual(new Set(outerTags));
    }
  });
});

describe('decode: timestamps', () => {
  // pcap µs and ns, pcapng with several interfaces and resolutions, sections of both byte orders.
  const files = [
    pcap('mixed', 'zeek__sshguess.pcap'),
    pcap('edge', 'zeek-training__01-basic-set-additions.pcap'),
    pcap('edge', 'pcapplusplus__many_interfaces-1.pcapng'),
    pcap('edge', 'pcapng-testgen__test202.pcapng'),
    pcap('edge', 'zeek__pcapng-multi-interface.pcapng'),
    pcap('netflow', 'scapy__netflowv9.pcap'),
  ];
  for (const file of files) {
    it(`first/last match tshark's packet times: ${basename(file)}`, async () => {
      const { records } = await readFlows(file);
      const times = (await tshark(['-r', file, '-Y', 'ip || ipv6', '-T', 'fields', '-e', 'frame.time_epoch']))
        .split('\n')
        .filter(Boolean)
        .map((t) => Math.floor(Number(t) * 1000));
      expect(records.length).toBeGreaterThan(0);
      expect(Math.min(...records.map((r) => r.first))).toBe(Math.min(...times));
      expect(Math.max(...records.map((r) => r.last))).toBe(Math.max(...times));
    });
  }
});

describe('decode: every capture in ../shared/pcaps is read without an exception', () => {
  it('all files', async () => {
    for (const file of [...pcapsIn('mixed'), ...pcapsIn('edge'), ...pcapsIn('netflow')]) {
      const { stats } = await readFlows(file); // a CaptureFileError is collected, anything else would throw here
      expect(stats.errors.length, basename(file)).toBeLessThanOrEqual(1);
    }
  });
});
