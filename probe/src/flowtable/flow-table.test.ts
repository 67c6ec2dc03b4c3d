import { describe, it, expect } from 'vitest';
import type { FlowRecord } from '@spanmap/shared';
import { FlowTable, type FlowTableOptions } from './flow-table.js';
import { PacketInfo } from '../decode/packet-info.js';

const SYN = 2,
  ACK = 16,
  FIN = 1,
  RST = 4,
  PSH = 8;

function v4(s: string): number {
  return s.split('.').reduce((a, x) => a * 256 + Number(x), 0);
}

function pkt(src: string, sport: number, dst: string, dport: number, o: { proto?: number; flags?: number; bytes?: number; vlan?: number } = {}): PacketInfo {
  const p = new PacketInfo();
  p.family = 4;
  p.s0 = v4(src);
  p.d0 = v4(dst);
  p.proto = o.proto ?? 6;
  p.sport = sport;
  p.dport = dport;
  p.tcpFlags = o.flags ?? 0;
  p.ipBytes = o.bytes ?? 60;
  p.vlan = o.vlan ?? -1;
  return p;
}

/** Adds packet p to table t as seen at time ts (ms). */
function at(t: FlowTable, p: PacketInfo, ts: number): void {
  p.ts = ts;
  t.add(p);
}

function table(opts: Partial<FlowTableOptions> = {}) {
  const out: FlowRecord[] = [];
  const t = new FlowTable({ idleMs: 60_000, activeMs: 600_000, graceMs: 2_000, maxFlows: 1000, initialCapacity: 4, ...opts }, (r) => out.push(r));
  return { t, out };
}

/** A full TCP connection client → server, starting at t0 (ms). */
function connection(t: FlowTable, t0: number, c: string, cp: number, s: string, sp: number) {
  at(t, pkt(c, cp, s, sp, { flags: SYN }), t0);
  at(t, pkt(s, sp, c, cp, { flags: SYN | ACK }), t0 + 1);
  at(t, pkt(c, cp, s, sp, { flags: ACK }), t0 + 2);
  at(t, pkt(c, cp, s, sp, { flags: ACK | PSH, bytes: 500 }), t0 + 3);
  at(t, pkt(s, sp, c, cp, { flags: ACK | PSH, bytes: 1500 }), t0 + 4);
  at(t, pkt(c, cp, s, sp, { flags: FIN | ACK }), t0 + 5);
  at(t, pkt(s, sp, c, cp, { flags: FIN | ACK }), t0 + 6);
  at(t, pkt(c, cp, s, sp, { flags: ACK }), t0 + 7);
}

describe('FlowTable', () => {
  it('builds one bidirectional record oriented by the SYN, ended by FIN after the grace period', () => {
    const { t, out } = table();
    connection(t, 1_000_000, '10.0.0.9', 40000, '10.0.0.1', 8443);
    t.expire(1_000_007 + 1_999);
    expect(out).toHaveLength(0); // still within the grace period for trailing packets
    t.expire(1_000_007 + 2_000);
    expect(out).toEqual([
      {
        src: '10.0.0.9',
        dst: '10.0.0.1',
        proto: 6,
        sport: 40000,
        dport: 8443,
        packets: 5,
        bytes: 4 * 60 + 500,
        rpackets: 3,
        rbytes: 2 * 60 + 1500,
        first: 1_000_000,
        last: 1_000_007,
        tcpFlags: SYN | ACK | PSH | FIN,
        rtcpFlags: SYN | ACK | PSH | FIN,
        vlan: null,
        end: 'fin',
        initiator: 'syn',
      },
    ]);
  });

  it('takes the initiator from a SYN+ACK when the SYN was missed', () => {
    const { t, out } = table();
    at(t, pkt('10.0.0.1', 9999, '10.0.0.9', 50000, { flags: SYN | ACK }), 0);
    at(t, pkt('10.0.0.9', 50000, '10.0.0.1', 9999, { flags: ACK }), 1);
    t.flush();
    expect(out[0]).toMatchObject({ src: '10.0.0.9', sport: 50000, dst: '10.0.0.1', dport: 9999, packets: 1, rpackets: 1, initiator: 'syn', end: 'eof' });
  });

  it('falls back to the service port, then to the first packet', () => {
    const { t, out } = table();
    // Mid-stream TCP: the server speaks first, but 5432 is the service.
    at(t, pkt('10.0.0.5', 5432, '10.0.0.7', 41000, { flags: ACK }), 0);
    at(t, pkt('10.0.0.7', 41000, '10.0.0.5', 5432, { flags: ACK }), 1);
    // Two unknown high ports: the first sender is the initiator.
    at(t, pkt('10.0.0.8', 50001, '10.0.0.3', 50002, { proto: 17 }), 2);
    // An unknown port below the ephemeral ranges against an ephemeral-looking one: the lower serves.
    at(t, pkt('10.0.0.4', 7777, '10.0.0.9', 45000, { proto: 17 }), 3);
    t.flush();
    expect(out.find((r) => r.proto === 6)).toMatchObject({ src: '10.0.0.7', sport: 41000, dport: 5432, initiator: 'port', packets: 1, rpackets: 1 });
    expect(out.find((r) => r.proto === 17 && r.sport === 50001)).toMatchObject({ src: '10.0.0.8', dport: 50002, initiator: 'first' });
    expect(out.find((r) => r.proto === 17 && r.dport === 7777)).toMatchObject({ src: '10.0.0.9', sport: 45000, initiator: 'port' });
  });

  it('remembers the SYN across active-timeout splits and marks continuations', () => {
    const { t, out } = table({ activeMs: 10_000, idleMs: 60_000 });
    at(t, pkt('10.1.1.1', 33000, '10.2.2.2', 22, { flags: SYN }), 0);
    at(t, pkt('10.2.2.2', 22, '10.1.1.1', 33000, { flags: SYN | ACK }), 1);
    for (let s = 1; s <= 25; s++) at(t, pkt('10.2.2.2', 22, '10.1.1.1', 33000, { flags: ACK, bytes: 100 }), s * 1000);
    t.flush();
    expect(out.map((r) => [r.end, r.cont ?? false, r.first, r.packets + r.rpackets])).toEqual([
      ['active', false, 0, 11],
      ['active', true, 10_000, 10],
      ['eof', true, 20_000, 6],
    ]);
    expect(out.every((r) => r.src === '10.1.1.1' && r.initiator === 'syn')).toBe(true);
    expect(out.reduce((s, r) => s + r.packets + r.rpackets, 0)).toBe(27);
  });

  it('expires idle flows and starts a new flow after the gap', () => {
    const { t, out } = table({ idleMs: 30_000 });
    at(t, pkt('10.0.0.1', 5000, '10.0.0.2', 53, { proto: 17 }), 0);
    t.expire(29_999);
    expect(out).toHaveLength(0);
    t.expire(30_000);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ end: 'idle', src: '10.0.0.1', dport: 53 });
    at(t, pkt('10.0.0.2', 53, '10.0.0.1', 5000, { proto: 17 }), 40_000);
    t.flush();
    expect(out[1]).toMatchObject({ end: 'eof', src: '10.0.0.1', dport: 53, packets: 0, rpackets: 1, initiator: 'port' });
  });

  it('ends a flow on RST and starts a new one when the 5-tuple is reused by a new SYN', () => {
    const { t, out } = table();
    at(t, pkt('10.0.0.1', 40000, '10.0.0.2', 80, { flags: SYN }), 0);
    at(t, pkt('10.0.0.2', 80, '10.0.0.1', 40000, { flags: RST | ACK }), 1);
    at(t, pkt('10.0.0.1', 40000, '10.0.0.2', 80, { flags: SYN }), 500); // within the grace period: a new connection
    t.flush();
    expect(out.map((r) => [r.end, r.packets, r.rpackets, r.first])).toEqual([
      ['rst', 1, 1, 0],
      ['eof', 1, 0, 500],
    ]);
  });

  it('pairs ICMP echo request and reply in one flow keyed on the request type', () => {
    const { t, out } = table();
    at(t, pkt('10.0.0.2', 0, '10.0.0.1', 0 << 8, { proto: 1 }), 0); // a reply seen first
    at(t, pkt('10.0.0.1', 0, '10.0.0.2', 8 << 8, { proto: 1 }), 1000);
    at(t, pkt('10.0.0.2', 0, '10.0.0.1', 0 << 8, { proto: 1 }), 1001);
    at(t, pkt('10.0.0.3', 0, '10.0.0.1', (3 << 8) | 3, { proto: 1 }), 1002); // port unreachable: its own flow
    t.flush();
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({ src: '10.0.0.1', dst: '10.0.0.2', sport: 0, dport: 8 << 8, packets: 1, rpackets: 2, initiator: 'port' });
    expect(out[1]).toMatchObject({ src: '10.0.0.3', dst: '10.0.0.1', dport: (3 << 8) | 3, initiator: 'first' });
  });

  it('keeps VLANs apart and reports the VLAN', () => {
    const { t, out } = table();
    at(t, pkt('10.0.0.1', 1000, '10.0.0.2', 53, { proto: 17, vlan: 10 }), 0);
    at(t, pkt('10.0.0.1', 1000, '10.0.0.2', 53, { proto: 17, vlan: 20 }), 1);
    at(t, pkt('10.0.0.1', 1000, '10.0.0.2', 53, { proto: 17 }), 2);
    t.flush();
    expect(out.map((r) => r.vlan).sort()).toEqual([10, 20, null]);
  });

  it('force-expires the least recently active flow when full, and counts it', () => {
    const { t, out } = table({ maxFlows: 3, initialCapacity: 2 });
    for (let i = 0; i < 5; i++) at(t, pkt('10.0.0.1', 1000 + i, '10.0.0.2', 53, { proto: 17 }), i);
    at(t, pkt('10.0.0.1', 1003, '10.0.0.2', 53, { proto: 17 }), 10); // touch: no longer the oldest
    at(t, pkt('10.0.0.1', 2000, '10.0.0.2', 53, { proto: 17 }), 11);
    expect(t.size).toBe(3);
    expect(out.map((r) => [r.sport, r.end])).toEqual([
      [1000, 'forced'],
      [1001, 'forced'],
      [1002, 'forced'],
    ]);
    expect(t.counters.flowsEmitted.forced).toBe(3);
    t.flush();
    expect(out.map((r) => r.sport).sort()).toEqual([1000, 1001, 1002, 1003, 1004, 2000]);
  });

  it('keeps every flow intact while growing and after many removals (hash index consistency)', () => {
    const { t, out } = table({ maxFlows: 100_000, initialCapacity: 16, idleMs: 1000 });
    let ts = 0;
    // Waves of flows: each wave expires the previous one, exercising backward-shift deletion.
    for (let wave = 0; wave < 5; wave++) {
      for (let i = 0; i < 5000; i++) {
        const src = `10.${wave}.${i >> 8}.${i & 255}`;
        at(t, pkt(src, 40000 + wave, '192.168.1.1', 443, { flags: SYN }), ts);
        at(t, pkt('192.168.1.1', 443, src, 40000 + wave, { flags: SYN | ACK }), ts);
      }
      ts += 5000;
      t.expire(ts);
    }
    t.flush();
    expect(out).toHaveLength(25_000);
    expect(out.every((r) => r.packets === 1 && r.rpackets === 1 && r.initiator === 'syn' && r.dport === 443)).toBe(true);
    expect(new Set(out.map((r) => `${r.src}:${r.sport}`)).size).toBe(25_000);
  });

  it('handles IPv6 keys', () => {
    const { t, out } = table();
    const a = new PacketInfo();
    Object.assign(a, {
      family: 6,
      s0: 0x20010db8,
      s1: 0,
      s2: 0,
      s3: 1,
      d0: 0x20010db8,
      d1: 0,
      d2: 0,
      d3: 2,
      proto: 6,
      sport: 50000,
      dport: 443,
      tcpFlags: SYN,
      ipBytes: 80,
    });
    const b = new PacketInfo();
    Object.assign(b, {
      family: 6,
      s0: 0x20010db8,
      s1: 0,
      s2: 0,
      s3: 2,
      d0: 0x20010db8,
      d1: 0,
      d2: 0,
      d3: 1,
      proto: 6,
      sport: 443,
      dport: 50000,
      tcpFlags: SYN | ACK,
      ipBytes: 80,
    });
    at(t, a, 0);
    at(t, b, 1);
    t.flush();
    expect(out).toEqual([
      expect.objectContaining({ src: '2001:db8::1', dst: '2001:db8::2', sport: 50000, dport: 443, packets: 1, rpackets: 1, bytes: 80, rbytes: 80 }),
    ]);
  });

  it('copes with time jumping by years in both directions (spliced captures) and keeps expiring', () => {
    const { t, out } = table({ idleMs: 60_000 });
    const year = 365 * 86_400_000;
    const times = [0, 10, 3 * year, 3 * year + 5, 1000, 7 * year, 7 * year + 120_000, 2 * year];
    times.forEach((ts, i) => at(t, pkt('10.0.0.1', 1000 + i, '10.0.0.2', 53, { proto: 17 }), ts));
    t.expire(7 * year + 120_000);
    t.expire(8 * year);
    expect(out).toHaveLength(times.length);
    expect(out.reduce((s, r) => s + r.packets, 0)).toBe(times.length);
  });

  it('a long-running table keeps emitting on time across many re-bases of its clock', () => {
    const { t, out } = table({ idleMs: 300_000 });
    const day = 86_400_000;
    for (let d = 0; d < 200; d++) {
      at(t, pkt('10.0.0.1', 2000, '10.0.0.2', 443, { flags: ACK }), d * day);
      t.expire(d * day + 299_999);
      expect(out).toHaveLength(d);
      t.expire(d * day + 300_000);
      expect(out).toHaveLength(d + 1);
    }
  });
});
