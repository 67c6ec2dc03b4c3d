import { describe, expect, it } from 'vitest';
import type { Conversation } from './conversation.js';
import { L } from './labels.js';
import { PortAllocator } from './ports.js';
import type { Rng } from './prng.js';
import { buildScenario } from './scenario.js';
import { scenarioTruth } from './truth.js';
import { buildTopology } from './topology.js';
import { conversation } from './plan.js';
import { udp } from './test-util/shapes.js';

describe('ephemeral ports', () => {
  it('never reuses a (client, port, server, port, proto) tuple within 10 minutes of its last packet', () => {
    const truth = scenarioTruth(buildScenario({ days: 7, seed: 5 }));
    const byTuple = new Map<string, Array<{ start: number; end: number }>>();
    const badPort = truth.conversations.filter((c) =>
      c.proto === 17 && c.dport === 67 ? c.sport !== 68 : c.proto === 1 ? c.sport !== 0 : c.sport < 32768 || c.sport > 60999,
    );
    expect(badPort).toEqual([]);
    for (const c of truth.conversations) {
      const k = `${c.src}|${c.sport}|${c.dst}|${c.dport}|${c.proto}`;
      const list = byTuple.get(k) ?? [];
      list.push({ start: c.start, end: c.end });
      byTuple.set(k, list);
    }
    let reused = 0;
    const tooSoon: string[] = [];
    for (const [k, list] of byTuple) {
      list.sort((a, b) => a.start - b.start);
      for (let i = 1; i < list.length; i++) {
        reused++;
        if (list[i]!.start - list[i - 1]!.end < 600_000) tooSoon.push(k);
      }
    }
    expect(tooSoon).toEqual([]);
    expect(reused).toBeGreaterThan(100); // the rule was exercised, not vacuous
  });

  it('draws another port when the drawn one was used less than 10 minutes ago', () => {
    const topo = buildTopology(1);
    const draws = [40000, 40000, 40001];
    const rng = { int: () => draws.shift()! } as unknown as Rng;
    const ports = new PortAllocator(rng);
    const mk = (startUs: number, endUs: number): Conversation => {
      const c = conversation(topo.users[0]!.v4, topo.infra.dns[0]!.v4, 17, 53, startUs, udp(), L.dns);
      c.endUs = endUs;
      return c;
    };
    const a = mk(0, 1_000_000);
    const b = mk(500e6, 501e6); // 499 s after a ended
    ports.assign(a);
    ports.assign(b);
    expect(a.sport).toBe(40000);
    expect(b.sport).toBe(40001);
    const fixed = conversation(topo.users[0]!.v4, topo.infra.dhcp.v4, 17, 67, 600e6, udp(), L.dhcp, 68);
    fixed.endUs = 601e6;
    const again = conversation(topo.users[0]!.v4, topo.infra.dhcp.v4, 17, 67, 700e6, udp(), L.dhcp, 68);
    ports.assign(fixed);
    expect(() => ports.assign(again)).toThrow(/within 10 minutes/);
  });
});
