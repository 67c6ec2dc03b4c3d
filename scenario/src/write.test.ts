import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTruth, type ScenarioTruth, type TruthConversation } from './truth.js';
import { writeScenario } from './write.js';
import { aggregateLikeFlowtruth, flowtruth, readPcap, tmpDir, tsharkFields, type RawPacket } from './test-util/oracle.js';

const tmp = tmpDir();
afterAll(() => tmp.cleanup());

const START = Date.UTC(2024, 2, 4); // Monday 2024-03-04
const DAY = 86_400_000;

describe('a small scenario on the wire', () => {
  const pcap = join(tmp.dir, 'small.pcap');
  const truthPath = join(tmp.dir, 'small.json');
  let truth: ScenarioTruth;
  let packets: RawPacket[];

  beforeAll(() => {
    writeScenario(pcap, { start: START, days: 1.25, scale: 0.5, seed: 7, vlans: true, anomaliesFrom: START + 0.75 * DAY, truthPath });
    truth = readTruth(truthPath);
    packets = readPcap(pcap).packets;
  });

  it('matches the independent tshark oracle conversation by conversation (packets and IP bytes)', () => {
    const oracle = flowtruth(pcap);
    const mine = aggregateLikeFlowtruth(truth.conversations);
    expect(Object.keys(oracle).length).toBeGreaterThan(1000);
    expect(oracle).toEqual(mine);
    const sum = (o: Record<string, [number, number]>) => Object.values(o).reduce((s, [p]) => s + p, 0);
    expect(sum(oracle)).toBe(truth.totals.packets);
  });

  it('contains IPv6 conversations and both TCP closes', () => {
    expect(truth.conversations.some((c) => c.src.includes(':'))).toBe(true);
    expect(truth.conversations.some((c) => c.close === 'rst')).toBe(true);
    expect(truth.conversations.some((c) => c.close === 'fin')).toBe(true);
    expect(truth.conversations.some((c) => c.proto === 1)).toBe(true);
  });

  it('has valid checksums everywhere and TCP sequences tshark finds nothing wrong with', () => {
    const rows = tsharkFields(
      pcap,
      ['ip.checksum.status', 'tcp.checksum.status', 'udp.checksum.status', 'icmp.checksum.status', 'tcp.analysis.flags', '_ws.expert.message'],
      ['-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'],
    );
    expect(rows.length).toBe(truth.totals.packets);
    const bad = rows.filter((r) => r.slice(0, 4).some((s) => s !== '' && s !== '1'));
    expect(bad).toEqual([]);
    // The only TCP remark allowed: a port reused by a new session (always > 10 minutes later).
    const remarks = rows.filter((r) => r[4] !== '').map((r) => r[5]!.split(',').filter((m) => !m.startsWith('Connection establish request')));
    for (const r of remarks) for (const m of r) expect(m).toMatch(/same ports as an earlier session/);
  });

  it('tags every frame with the VLAN of the client segment', () => {
    const vlanOfSegment = new Map(truth.segments.map((s) => [s.name, s.vlans[0]]));
    const segmentOf = new Map(truth.hosts.map((h) => [h.ip, h.segment]));
    const byTuple = new Map<string, number | null>();
    for (const c of truth.conversations) {
      const expected = vlanOfSegment.get(segmentOf.get(c.src)!) ?? null;
      expect(c.vlan).toBe(expected);
      byTuple.set(`${c.src}|${c.dst}|${c.sport}|${c.dport}`, expected);
    }
    const canon = (ip: string) => (ip.includes(':') ? ip.replace(/(^|:)0+(?=[0-9a-f])/g, '$1').replace(/(:0)+:/, '::') : ip);
    for (const p of packets) {
      const src = canon(p.src),
        dst = canon(p.dst);
      const v = byTuple.get(`${src}|${dst}|${p.sport}|${p.dport}`) ?? byTuple.get(`${dst}|${src}|${p.dport}|${p.sport}`);
      if (v === undefined && p.proto === 1) continue; // ICMP has no ports in this reader
      expect(p.vlan).toBe(v);
    }
  });

  it('puts each TCP conversation on the wire as handshake, data, and the recorded close, within its start and end', () => {
    const index = new Map<string, RawPacket[]>();
    for (const p of packets) {
      if (p.proto !== 6 || p.family !== 4) continue;
      const k =
        p.sport < p.dport || (p.sport === p.dport && p.src < p.dst) ? `${p.src}|${p.sport}|${p.dst}|${p.dport}` : `${p.dst}|${p.dport}|${p.src}|${p.sport}`;
      const list = index.get(k) ?? [];
      list.push(p);
      index.set(k, list);
    }
    const tcp = truth.conversations.filter((c) => c.proto === 6 && !c.src.includes(':'));
    expect(tcp.length).toBeGreaterThan(500);
    for (const c of tcp) {
      const k = c.sport < c.dport ? `${c.src}|${c.sport}|${c.dst}|${c.dport}` : `${c.dst}|${c.dport}|${c.src}|${c.sport}`;
      const mine = index.get(k)!.filter((p) => p.tsUs >= c.start * 1000 && p.tsUs < (c.end + 1) * 1000);
      check(c, mine);
    }
  });
});

function check(c: TruthConversation, pk: RawPacket[]): void {
  const SYN = 2,
    ACK = 16,
    FIN = 1,
    RST = 4;
  expect(pk.length).toBe(c.packets + c.rpackets);
  expect(Math.floor(pk[0]!.tsUs / 1000)).toBe(c.start);
  expect(Math.floor(pk[pk.length - 1]!.tsUs / 1000)).toBe(c.end);
  expect(pk[0]!.src).toBe(c.src);
  expect(pk[0]!.tcpFlags).toBe(SYN);
  expect(pk[1]!.tcpFlags).toBe(SYN | ACK);
  const fwd = pk.filter((p) => p.src === c.src);
  expect(fwd.length).toBe(c.packets);
  expect(fwd.reduce((s, p) => s + p.ipBytes, 0)).toBe(c.bytes);
  const last = pk[pk.length - 1]!;
  if (c.close === 'rst') {
    expect(last.tcpFlags & RST).toBe(RST);
  } else {
    expect(pk.slice(-3).map((p) => [p.src === c.src, p.tcpFlags])).toEqual([
      [true, FIN | ACK],
      [false, FIN | ACK],
      [true, ACK],
    ]);
  }
}

describe('determinism', () => {
  const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

  it('gives byte-identical captures and truth for the same seed, and different ones for another seed', () => {
    const opts = { days: 0.5, scale: 0.3, seed: 42, vlans: true };
    const a = writeScenario(join(tmp.dir, 'a.pcap'), { ...opts, truthPath: join(tmp.dir, 'a.json') });
    writeScenario(join(tmp.dir, 'b.pcap'), { ...opts, truthPath: join(tmp.dir, 'b.json') });
    const c = writeScenario(join(tmp.dir, 'c.pcap'), { ...opts, seed: 43 });
    expect(a.totals.packets).toBeGreaterThan(1000);
    expect(sha(join(tmp.dir, 'a.pcap'))).toBe(sha(join(tmp.dir, 'b.pcap')));
    expect(sha(join(tmp.dir, 'a.json'))).toBe(sha(join(tmp.dir, 'b.json')));
    expect(sha(join(tmp.dir, 'c.pcap'))).not.toBe(sha(join(tmp.dir, 'a.pcap')));
    expect(c.conversations).not.toEqual(a.conversations);
  });
});
