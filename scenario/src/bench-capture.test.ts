import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeBenchCapture } from './bench-capture.js';
import { flowtruth, readPcap, tmpDir, tsharkFields } from './test-util/oracle.js';

const tmp = tmpDir();
afterAll(() => tmp.cleanup());

describe('bench capture', () => {
  it('writes exactly N packets over exactly M distinct flows, with timestamps that never go back', () => {
    const path = join(tmp.dir, 'bench.pcap');
    const stats = writeBenchCapture(path, { packets: 16_000, flows: 800, seed: 9 });
    expect(stats.packets).toBe(16_000);
    const { packets } = readPcap(path);
    expect(packets).toHaveLength(16_000);
    for (let i = 1; i < packets.length; i++) if (packets[i]!.tsUs < packets[i - 1]!.tsUs) throw new Error(`time goes back at ${i}`);
    const oracle = flowtruth(path);
    expect(Object.keys(oracle)).toHaveLength(800);
    expect(Object.values(oracle).reduce((s, [p]) => s + p, 0)).toBe(16_000);
    const keys = Object.keys(oracle);
    expect(keys.filter((k) => k.includes(':')).length).toBe(stats.ipv6Flows);
    expect(keys.filter((k) => k.split('|')[2] === '17').length).toBe(stats.udpFlows);
    expect(stats.ipv6Flows).toBeGreaterThan(0);
    // IPv4 addresses spread over several /16s
    const nets = new Set(
      keys
        .filter((k) => !k.includes(':'))
        .flatMap((k) => k.split('|').slice(0, 2))
        .map((ip) => ip.split('.').slice(0, 2).join('.')),
    );
    expect(nets.size).toBeGreaterThanOrEqual(4);
  });

  it('is protocol-correct: valid checksums, every TCP flow opens with a handshake and closes with FINs', () => {
    const path = join(tmp.dir, 'tcp.pcap');
    writeBenchCapture(path, { packets: 8_000, flows: 400, seed: 2 });
    const rows = tsharkFields(
      path,
      ['tcp.stream', 'tcp.flags', 'ip.checksum.status', 'tcp.checksum.status', 'udp.checksum.status', 'tcp.analysis.flags'],
      ['-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'],
    );
    expect(rows.filter((r) => r.slice(2, 5).some((x) => x !== '' && x !== '1'))).toEqual([]);
    expect(rows.filter((r) => r[5] !== '')).toEqual([]);
    const streams = new Map<string, string[]>();
    for (const r of rows) if (r[0]) streams.set(r[0], [...(streams.get(r[0]) ?? []), r[1]!]);
    expect(streams.size).toBeGreaterThan(300);
    for (const flags of streams.values()) {
      expect(flags.slice(0, 3)).toEqual(['0x0002', '0x0012', '0x0010']);
      expect(flags.slice(-3)).toEqual(['0x0011', '0x0011', '0x0010']);
    }
  });

  it('concurrent mode opens every flow before any flow sees its second packet', () => {
    const path = join(tmp.dir, 'conc.pcap');
    const stats = writeBenchCapture(path, { concurrent: true, flows: 5_000, seed: 4 });
    expect(stats.packets).toBe(10_000);
    const { packets } = readPcap(path);
    expect(packets).toHaveLength(10_000);
    const key = (p: (typeof packets)[number]) => [[p.src, p.sport].join('/'), [p.dst, p.dport].join('/')].sort().join('|') + p.proto;
    const firstHalf = new Set(packets.slice(0, 5_000).map(key));
    expect(firstHalf.size).toBe(5_000);
    expect(new Set(packets.slice(5_000).map(key))).toEqual(firstHalf);
    expect(
      packets
        .slice(0, 5_000)
        .filter((p) => p.proto === 6)
        .every((p) => p.tcpFlags === 2),
    ).toBe(true);
    expect(
      packets
        .slice(5_000)
        .filter((p) => p.proto === 6)
        .every((p) => p.tcpFlags === 0x12),
    ).toBe(true);
    expect(() => writeBenchCapture(join(tmp.dir, 'x.pcap'), { concurrent: true, flows: 10, packets: 21 })).toThrow(/10\.\.20/);
  });
});
