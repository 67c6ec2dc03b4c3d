import { describe, it, expect } from 'vitest';
import { encodeBatch, decodeBatch, parseAck } from './codec.js';
import { WireFormatError } from './varint.js';
import type { SummaryBatch, SummaryEntry } from './batch.js';
import type { FlowRecord } from '../flow-record.js';
import type { NameObservation } from '../names.js';
import { formatIPv6 } from '../ip.js';

/** Small deterministic PRNG so failures reproduce. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBatch(r: () => number, n: number): SummaryBatch {
  const int = (max: number) => Math.floor(r() * max);
  const addr = () => (r() < 0.8 ? `10.${int(4)}.${int(256)}.${int(256)}` : formatIPv6((0xfd000000 | int(65536)) >>> 0, 0, int(2), int(2 ** 32)));
  const from = 1_717_000_000_000 + int(1e9);
  const entries: SummaryEntry[] = [];
  for (let i = 0; i < n; i++) {
    const records = 1 + int(50);
    const syn = int(records + 1);
    const port = int(records - syn + 1);
    const first = from + int(3_600_000) - 1000;
    entries.push({
      src: addr(),
      dst: addr(),
      proto: [6, 17, 1, 58, 132][int(5)]!,
      port: int(65536),
      vlan: r() < 0.5 ? null : int(4096),
      iface: r() < 0.5 ? null : ['eth0', 'eth1', 'mirror-ü'][int(3)]!,
      flows: int(records + 1),
      records,
      packets: int(2 ** 40),
      bytes: Math.floor(r() * 2 ** 53),
      rpackets: int(1e6),
      rbytes: int(1e9),
      first,
      last: first + int(1_800_000),
      tcpFlags: int(256),
      rtcpFlags: int(256),
      init: { syn, port, first: records - syn - port },
    });
  }
  return {
    v: 1,
    probe: `probe-${int(100)}`,
    epoch: Array.from({ length: 32 }, () => '0123456789abcdef'[int(16)]).join(''),
    seq: 1 + int(1e9),
    from,
    to: from + 3_600_000 + 1_800_000,
    records: [],
    names: [],
    entries,
  };
}

/** A version 2 batch: flow records (every optional field exercised) and learned names. */
function randomRecordBatch(r: () => number, n: number, nNames = Math.floor(r() * 20)): SummaryBatch {
  const int = (max: number) => Math.floor(r() * max);
  const addr = () => (r() < 0.8 ? `10.${int(4)}.${int(256)}.${int(256)}` : formatIPv6((0xfd000000 | int(65536)) >>> 0, 0, int(2), int(2 ** 32)));
  const from = 1_717_000_000_000 + int(1e9);
  const records: FlowRecord[] = [];
  for (let i = 0; i < n; i++) {
    const first = from + int(3_600_000) - 1000;
    const rec: FlowRecord = {
      src: addr(),
      dst: addr(),
      proto: [6, 17, 1, 58, 132][int(5)]!,
      sport: int(65536),
      dport: int(65536),
      packets: 1 + int(2 ** 40),
      bytes: Math.floor(r() * 2 ** 53),
      rpackets: int(1e6),
      rbytes: int(1e9),
      first,
      last: first + int(1_800_000),
      tcpFlags: int(256),
      rtcpFlags: int(256),
      vlan: r() < 0.5 ? null : int(4096),
      end: (['idle', 'active', 'fin', 'rst', 'eof', 'forced'] as const)[int(6)]!,
      initiator: (['syn', 'port', 'first'] as const)[int(3)]!,
    };
    if (r() < 0.3) rec.cont = true;
    if (r() < 0.5) rec.iface = ['eth0', 'eth1', 'mirror-ü'][int(3)]!;
    if (r() < 0.2) rec.sampling = 1 + int(1000);
    records.push(rec);
  }
  const names: NameObservation[] = [];
  for (let i = 0; i < nNames; i++)
    names.push({
      ip: addr(),
      name: `host-${int(1000)}.example.org`,
      source: (['dns', 'dhcp', 'netbios', 'mdns', 'tls'] as const)[int(5)]!,
      time: from + int(3_600_000) - 5,
    });
  return {
    v: 2,
    probe: `probe-${int(100)}`,
    epoch: Array.from({ length: 32 }, () => '0123456789abcdef'[int(16)]).join(''),
    seq: 1 + int(1e9),
    from,
    to: from + 3_600_000 + 1_800_000,
    records,
    names,
    entries: [],
  };
}

/** Records in a canonical order (the encoder sorts rows for compression). */
function sorted(b: SummaryBatch): SummaryBatch {
  const key = (x: FlowRecord) => JSON.stringify(x);
  return { ...b, records: [...b.records].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0)) };
}

describe('summary batch codec', () => {
  it('round-trips random version 1 batches exactly (IPv4, IPv6, null VLAN/interface, 53-bit counters)', () => {
    const r = rng(42);
    for (let i = 0; i < 200; i++) {
      const b = randomBatch(r, Math.floor(r() * 300));
      const p = encodeBatch(b);
      expect(p[2]).toBe(1);
      expect(decodeBatch(p)).toEqual(b);
    }
  });

  it('round-trips random version 2 batches: every record field, cont, iface, sampling, and names', () => {
    const r = rng(43);
    for (let i = 0; i < 200; i++) {
      const b = randomRecordBatch(r, Math.floor(r() * 300));
      const p = encodeBatch(b);
      expect(p[2]).toBe(2);
      expect(sorted(decodeBatch(p))).toEqual(sorted(b));
    }
  });

  it('refuses bad names and records without packets in version 2', () => {
    const b = randomRecordBatch(rng(9), 3, 1);
    b.names[0]!.name = 'a'.repeat(64) + '.example';
    expect(() => decodeBatch(encodeBatch(b))).toThrow(/longer than 63/);
    const c = randomRecordBatch(rng(9), 3, 0);
    c.records[1]!.packets = 0;
    c.records[1]!.rpackets = 0;
    expect(() => decodeBatch(encodeBatch(c))).toThrow(/without packets/);
  });

  it('canonicalises IPv6 spellings', () => {
    const b = randomBatch(rng(1), 1);
    b.entries[0]!.src = 'FD00:0:0:0::0001';
    expect(decodeBatch(encodeBatch(b)).entries[0]!.src).toBe('fd00::1');
  });

  it.each([1, 2])('rejects garbage, truncations and bit flips of version %i with a reason, never anything else', (v) => {
    const r = rng(7);
    const good = encodeBatch(v === 1 ? randomBatch(r, 50) : randomRecordBatch(r, 50));
    const reasons = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      let p: Uint8Array;
      const mode = i % 4;
      if (mode === 0) p = Uint8Array.from({ length: Math.floor(r() * 300) }, () => Math.floor(r() * 256));
      else if (mode === 1) p = good.subarray(0, Math.floor(r() * good.length));
      else {
        p = Uint8Array.from(good);
        for (let k = 0; k < 1 + Math.floor(r() * 4); k++) p[Math.floor(r() * p.length)] ^= 1 << Math.floor(r() * 8);
        if (mode === 3) p[3] = 0; // claim "not deflated" so the raw body parser sees the corruption
      }
      try {
        decodeBatch(p);
      } catch (e) {
        expect(e).toBeInstanceOf(WireFormatError);
        const reason = (e as WireFormatError).reason;
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
    }
    expect(reasons.get('bad-magic')).toBeGreaterThan(0);
    expect(reasons.get('bad-compression')).toBeGreaterThan(0);
    expect([...reasons.keys()].length).toBeGreaterThan(4);
  });

  it('refuses unknown wire versions and oversized payloads', () => {
    const p = encodeBatch(randomBatch(rng(3), 3));
    p[2] = 99;
    expect(() => decodeBatch(p)).toThrow(/unknown wire version 99/);
    expect(() => decodeBatch(new Uint8Array(5 << 20))).toThrow(/exceeds/);
  });

  it('validates entries: counts must add up', () => {
    const b = randomBatch(rng(5), 1);
    b.entries[0]!.init.syn += 1; // one more than records
    expect(() => decodeBatch(encodeBatch(b))).toThrow(/initiator counts/);
  });

  it('parses acks and rejects malformed ones', () => {
    const epoch = 'ab'.repeat(16);
    expect(parseAck(JSON.stringify({ epoch, seqs: [1, 2, 3] }))).toEqual({ epoch, seqs: [1, 2, 3] });
    for (const bad of ['', 'null', '{"epoch":"x","seqs":[1]}', JSON.stringify({ epoch, seqs: [0] }), JSON.stringify({ epoch, seqs: '1' }), '\u0000\u00ff'])
      expect(parseAck(bad)).toBeNull();
  });
});
