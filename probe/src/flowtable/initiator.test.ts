import { describe, it, expect } from 'vitest';
import type { FlowRecord } from '@spanmap/shared';
import { FlowTable } from './flow-table.js';
import { PacketInfo } from '../decode/packet-info.js';
import { portRank } from './initiator.js';

// Flows without a handshake (UDP, or TCP whose SYN was missed): who initiated? (issue 14)

function v4(s: string): number {
  return s.split('.').reduce((a, x) => a * 256 + Number(x), 0);
}

function table() {
  const out: FlowRecord[] = [];
  const t = new FlowTable({ idleMs: 60_000, activeMs: 600_000, graceMs: 2_000, maxFlows: 100_000 }, (r) => out.push(r));
  let ts = 0;
  /** One flow: `first` sends first, then the other side answers; the flow ends (idle) before the next. */
  const flow = (first: [string, number], other: [string, number], proto = 17) => {
    for (const [s, d] of [
      [first, other],
      [other, first],
    ] as const) {
      const p = new PacketInfo();
      Object.assign(p, { family: 4, s0: v4(s[0]), d0: v4(d[0]), sport: s[1], dport: d[1], proto, ipBytes: 100, ts: ts++, tcpFlags: proto === 6 ? 16 : 0 });
      t.add(p);
    }
    ts += 120_000;
    t.expire(ts);
    return out.at(-1)!;
  };
  return { flow, out };
}

const C = '10.1.0.5';
const S = '10.2.0.9';

describe('initiator of flows without a handshake', () => {
  it('ranks ports: known services, privileged, 5001-32767, a known service in the ephemeral ranges, 1024-5000, the rest', () => {
    expect([53, 123, 514].map((p) => portRank(17, p))).toEqual([5, 5, 5]);
    expect([443, 5432, 8080].map((p) => portRank(6, p))).toEqual([5, 5, 5]);
    expect([999, 9999, 47808, 44818, 1130, 40000, 0].map((p) => portRank(17, p))).toEqual([4, 3, 2, 2, 1, 0, 0]);
  });

  it('a client whose random source port is 44818 or 47808 is still the initiator against a service below the ephemeral ranges', () => {
    const { flow } = table();
    for (const client of [44818, 47808]) {
      for (const server of [53, 999, 9999]) {
        // whoever speaks first
        expect(flow([C, client], [S, server])).toMatchObject({ src: C, sport: client, dport: server, initiator: 'port' });
        expect(flow([S, server], [C, client])).toMatchObject({ src: C, sport: client, dport: server, initiator: 'port' });
      }
    }
  });

  it('against a high port, the server is known by the flows it answered before', () => {
    const { flow } = table();
    // A service on 40000 answers two clients; then a client whose source port happens to be 47808.
    expect(flow(['10.1.0.1', 50001], [S, 40000])).toMatchObject({ src: '10.1.0.1', initiator: 'first' });
    expect(flow(['10.1.0.2', 50002], [S, 40000])).toMatchObject({ src: '10.1.0.2', initiator: 'first' });
    expect(flow([C, 47808], [S, 40000])).toMatchObject({ src: C, sport: 47808, dport: 40000, initiator: 'port' });
    // ... even when its answer is the first packet seen
    expect(flow([S, 40000], [C, 44818])).toMatchObject({ src: C, sport: 44818, dport: 40000, initiator: 'port' });
  });

  it('a real EtherNet/IP or BACnet service in the ephemeral ranges still wins over a client port, also an old Windows one (1024-5000)', () => {
    const { flow } = table();
    expect(flow(['10.1.0.1', 1130], [S, 44818], 6)).toMatchObject({ src: '10.1.0.1', dport: 44818, initiator: 'port' });
    expect(flow([S, 44818], ['10.1.0.1', 1131], 6)).toMatchObject({ src: '10.1.0.1', dport: 44818, initiator: 'port' });
    expect(flow([S, 47808], ['10.1.0.2', 51234])).toMatchObject({ src: '10.1.0.2', dport: 47808, initiator: 'port' });
  });

  it('one million generated flows with random client ports give exactly one edge per service (the issue 14 report)', () => {
    // (A flow to a high-port service that never answered anyone before would still be taken the
    // other way round: the history needs that service to have answered a flow first.)
    const out: FlowRecord[] = [];
    const t = new FlowTable({ idleMs: 1_000, activeMs: 600_000, graceMs: 2_000, maxFlows: 1_000_000 }, (r) => out.push(r));
    const services = [53, 123, 161, 514, 999, 5000, 9999, 20000, 40000, 47808];
    const p = new PacketInfo();
    let seed = 12345;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const edges = new Set<string>();
    for (let i = 0; i < 1_000_000; i++) {
      const client = 0x0a010000 + (i % 5000);
      const server = 0x0a020000 + (i % 7);
      // Random ephemeral ports, and every 97th flow (after the first thousand) one of the two listed ones.
      const sport = i >= 1000 && i % 97 === 0 ? [44818, 47808][i % 2]! : 32768 + Math.floor(rand() * (60999 - 32768 + 1));
      const dport = services[(i * 7919) % services.length]!;
      const ts = 10 * i;
      for (const [s, d, sp, dp] of [
        [client, server, sport, dport],
        [server, client, dport, sport],
      ] as const) {
        Object.assign(p, { family: 4, s0: s, d0: d, sport: sp, dport: dp, proto: 17, ipBytes: 80, ts });
        t.add(p);
      }
      if (i % 1000 === 999) t.expire(ts);
    }
    t.flush();
    for (const r of out) edges.add(`${r.src}>${r.dst}:${r.dport}`);
    // 5000 clients x 7 servers, each (client, server) pair only ever meets one service port
    const expected = new Set<string>();
    for (let i = 0; i < 35_000; i++) {
      const c = `10.1.${((i % 5000) >> 8) & 255}.${(i % 5000) & 255}`;
      const s = `10.2.0.${i % 7}`;
      expected.add(`${c}>${s}:${services[(i * 7919) % services.length]}`);
    }
    expect(out.length).toBeGreaterThanOrEqual(1_000_000);
    expect([...edges].filter((e) => !expected.has(e))).toEqual([]);
  }, 60_000);
});
