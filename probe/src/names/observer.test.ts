import { describe, expect, it } from 'vitest';
import type { NameObservation } from '@spanmap/shared';
import { PacketInfo } from '../decode/packet-info.js';
import { createNameObserver } from './observer.js';
import { RepeatFilter } from './repeats.js';
import { clientHello, dnsMessage, ipv4, question, record, ptr, u16, wireName } from './test-util/wire.js';

/** A transport header + payload at offset 0 of the "frame", described by a PacketInfo. */
function packet(proto: 6 | 17, sport: number, dport: number, payload: Uint8Array, over: Partial<PacketInfo> = {}) {
  const head =
    proto === 17
      ? [...u16(sport), ...u16(dport), ...u16(payload.length + 8), 0, 0]
      : [...u16(sport), ...u16(dport), 0, 0, 0, 1, 0, 0, 0, 1, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0];
  const frame = Uint8Array.from([...head, ...payload]);
  const p = new PacketInfo();
  Object.assign(p, { family: 4, s0: 0x0a0a000a, d0: 0x0a14010b, proto, sport, dport, l4Off: 0, l4Len: frame.length, ts: 1717400000999.9 }, over);
  return { frame, p };
}

const answer = (name: string, ip: string) => dnsMessage({ an: 1, qd: 1 }, question(wireName(name)), record(ptr(12), 1, ipv4(ip)));

describe('createNameObserver', () => {
  it('wants name-carrying ports and TLS handshakes, nothing else', () => {
    const obs = createNameObserver(() => {});
    const hello = packet(6, 51000, 8443, clientHello('x.example'));
    expect(obs.wants(hello.p, hello.frame)).toBe(true);
    const data = packet(6, 51000, 8443, Uint8Array.from([0x17, 3, 3, 0, 1, 0]));
    expect(obs.wants(data.p, data.frame)).toBe(false);
    expect(obs.wants(data.p)).toBe(true); // without the frame: any TCP payload may be a handshake
    const bare = packet(6, 51000, 443, new Uint8Array(0));
    expect(obs.wants(bare.p, bare.frame)).toBe(false);
    for (const port of [53, 5353, 5355, 67, 68, 137, 546, 547]) expect(obs.wants(packet(17, port, 40000, new Uint8Array(0)).p)).toBe(true);
    for (const port of [123, 514, 161, 5354]) expect(obs.wants(packet(17, port, 53, new Uint8Array(0)).p)).toBe(false);
    expect(obs.wants(packet(17, 53, 40000, new Uint8Array(0), { frag: 2 }).p)).toBe(false);
    expect(obs.wants(packet(17, 53, 40000, new Uint8Array(0), { proto: 1 } as Partial<PacketInfo>).p)).toBe(false);
  });

  it('emits normalized names with packet time, once per interval per (ip, name, source)', () => {
    const seen: NameObservation[] = [];
    const obs = createNameObserver((o) => seen.push(o), { repeatMs: 60_000 });
    const a = packet(17, 53, 40000, answer('Web1.Corp.Example.', '10.10.1.11'));
    obs.observe(a.frame, a.p);
    a.p.ts += 59_000;
    obs.observe(a.frame, a.p);
    a.p.ts += 2_000;
    obs.observe(a.frame, a.p);
    expect(seen).toEqual([
      { ip: '10.10.1.11', name: 'web1.corp.example', source: 'dns', time: 1717400000999 },
      { ip: '10.10.1.11', name: 'web1.corp.example', source: 'dns', time: 1717400061999 },
    ]);
    expect(obs.counters.repeats).toBe(1);
    expect(obs.counters.names.dns).toBe(2);
    expect(obs.counters.outcomes).toEqual({ named: 3, nameless: 0, malformed: 0 });
  });

  it('refuses names DNS cannot hold or that are addresses, counting each; markup is only text', () => {
    const seen: NameObservation[] = [];
    const refused: string[] = [];
    const obs = createNameObserver((o) => seen.push(o), { onRefused: (_ip, n) => refused.push(n) });
    for (const sni of [
      'a'.repeat(64) + '.example',
      Array.from({ length: 4 }, () => 'b'.repeat(63)).join('.') + '.cc',
      'bad name.example',
      '<b>x</b>.example',
      '10.1.2.3',
      '::1',
      'fine.example',
    ]) {
      const h = packet(6, 50000, 443, clientHello(sni));
      obs.observe(h.frame, h.p);
    }
    // printable ASCII is a valid name (DNS labels may hold any byte): it travels as data, and the
    // console shows it as text, never as markup
    expect(seen.map((o) => o.name)).toEqual(['<b>x</b>.example', 'fine.example']);
    expect(obs.counters.errors['bad-name']).toBe(5);
    expect(refused).toHaveLength(5);
    expect(obs.counters.outcomes).toEqual({ named: 2, nameless: 5, malformed: 0 });
    expect(seen[0]).toMatchObject({ ip: '10.20.1.11', source: 'tls' });
  });

  it('counts every packet it is handed: by protocol, outcome and reason', () => {
    const obs = createNameObserver(() => {});
    const cut = answer('a.example', '192.0.2.1');
    const cases = [
      packet(17, 53, 40000, cut.subarray(0, cut.length - 3)), // UDP length says more than the packet has
      packet(17, 53, 40000, cut.subarray(0, 20), { frag: 1 }),
      packet(17, 137, 137, Uint8Array.from([0, 1, 0x29, 0x10])),
      packet(6, 53, 40000, Uint8Array.from([...u16(cut.length), ...cut])),
      packet(6, 50000, 443, Uint8Array.from([0x16, 3, 1, 0x10, 0, 1, 0, 0x0f, 0])),
      packet(6, 50000, 80, Uint8Array.from([0x47, 0x45, 0x54])),
    ];
    cases[0]!.frame[5] += 3; // claim the full message length
    cases[1]!.frame[5] = 200;
    for (const { frame, p } of cases) obs.observe(frame, p);
    expect(obs.counters.errors).toMatchObject({ truncated: 2, fragment: 1, 'tls-split': 1 });
    expect(obs.counters.parsed).toMatchObject({ dns: 3, netbios: 1, tls: 1 });
    expect(obs.counters.passed).toBe(1);
    const o = obs.counters.outcomes;
    expect(o.named + o.nameless + o.malformed).toBe(5);
    expect(o.named).toBe(1);
  });

  it('IPv6 addresses are written as in flow records', () => {
    const seen: NameObservation[] = [];
    const obs = createNameObserver((o) => seen.push(o));
    const h = packet(6, 50000, 443, clientHello('web1.corp.example'), { family: 6, d0: 0xfd000010, d1: 0x00010000, d2: 0, d3: 0x11 } as Partial<PacketInfo>);
    obs.observe(h.frame, h.p);
    expect(seen[0]!.ip).toBe('fd00:10:1::11');
  });
});

describe('RepeatFilter', () => {
  it('admits a key again after the interval, either way in time, and forgets the least recent past its bound', () => {
    const f = new RepeatFilter(1000, 3);
    expect([f.admit('a', 0), f.admit('a', 999), f.admit('a', 1000), f.admit('a', -1)]).toEqual([true, false, true, true]);
    f.admit('b', 0);
    f.admit('c', 0);
    f.admit('d', 0); // forgets "a", the least recently emitted
    expect(f.size).toBe(3);
    expect(f.admit('a', 0)).toBe(true);
    expect(f.admit('d', 10)).toBe(false);
  });
});
