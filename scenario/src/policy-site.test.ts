import { describe, it, expect, beforeAll } from 'vitest';
import { buildPolicySite, type PolicySiteFacts } from './policy-site.js';
import { edgeKey, type Scenario } from './scenario.js';
import type { Conversation } from './conversation.js';
import { DAY_MS } from './calendar.js';

let s: Scenario;
let facts: PolicySiteFacts;
const key = (c: Conversation) => `${c.client.ip}|${c.server.ip}|${c.proto}|${c.dport}`;

beforeAll(() => {
  ({ scenario: s, facts } = buildPolicySite({ seed: 5 }));
}, 120_000);

describe('the policy site: ground truth of related connections, new addresses and anomalies', () => {
  it('opens every dynamic RPC port 50-800 ms after an endpoint-mapper call between the same hosts', () => {
    const epm = new Map<string, number[]>();
    for (const c of s.conversations)
      if (c.proto === 6 && c.dport === 135) epm.set(`${c.client.ip}|${c.server.ip}`, [...(epm.get(`${c.client.ip}|${c.server.ip}`) ?? []), c.startUs]);
    const rpc = s.conversations.filter((c) => c.label.tag === 'msrpc-dynamic');
    expect(rpc.length).toBeGreaterThan(1000);
    for (const c of rpc) {
      const starts = epm.get(`${c.client.ip}|${c.server.ip}`) ?? [];
      expect(
        starts.some((t) => c.startUs - t >= 50_000 && c.startUs - t <= 800_000),
        key(c),
      ).toBe(true);
    }
    const old = rpc.filter((c) => c.dport <= 5000);
    expect(old.length).toBeGreaterThan(0);
    expect(old.every((c) => c.server.host.name === 'erp-legacy' && c.dport >= 1025)).toBe(true);
  });

  it('opens every passive FTP data connection inside its control session', () => {
    const data = s.conversations.filter((c) => facts.related[key(c)] === 'ftp-data');
    expect(new Set(data.map((c) => c.dport)).size).toBeGreaterThan(50);
    const controls = s.conversations.filter((c) => c.proto === 6 && c.dport === 21);
    for (const c of data)
      expect(
        controls.some((x) => x.client === c.client && x.server === c.server && x.startUs < c.startUs && x.endUs > c.startUs),
        key(c),
      ).toBe(true);
  });

  it('in the monitored week, the only new edges are the anomalies, new ports of related connections, new addresses and the new server', () => {
    const from = facts.monitorFrom * 1000;
    const before = new Set(s.conversations.filter((c) => c.startUs < from).map(edgeKey));
    const fresh = new Map<number, Conversation>();
    for (const c of s.conversations) if (c.startUs >= from && !before.has(edgeKey(c))) fresh.set(edgeKey(c), c);
    const newAddr = new Set([...facts.moved.map((m) => m.to), ...facts.added.map((a) => a.ip)]);
    const why = (c: Conversation) =>
      c.label.anomaly
        ? `anomaly:${c.label.anomaly}`
        : facts.related[key(c)]
          ? facts.related[key(c)]!
          : newAddr.has(c.client.ip) || newAddr.has(c.server.ip)
            ? 'new address'
            : 'other';
    const kinds = new Map<string, number>();
    for (const c of fresh.values()) kinds.set(why(c), (kinds.get(why(c)) ?? 0) + 1);
    expect([...kinds.keys()].sort()).toEqual([
      'anomaly:external',
      'anomaly:high-port-without-control',
      'anomaly:snmp-from-workstation',
      'anomaly:ssh-user-to-app',
      'ftp-data',
      'msrpc-dynamic',
      'new address',
    ]);
  });

  it('moves users to new DHCP addresses and adds a server, at the stated times', () => {
    for (const m of facts.moved) {
      const at = m.at * 1000;
      expect(s.conversations.some((c) => (c.client.ip === m.from || c.server.ip === m.from) && c.startUs >= at)).toBe(false);
      expect(s.conversations.some((c) => (c.client.ip === m.to || c.server.ip === m.to) && c.startUs < at)).toBe(false);
      expect(s.conversations.filter((c) => c.client.ip === m.to && c.dport === 67).length).toBeGreaterThan(10);
    }
    const app3 = facts.added[0]!;
    expect(app3.at).toBe(facts.monitorFrom + DAY_MS);
    const served = s.conversations.filter((c) => c.server.ip === app3.ip);
    expect(new Set(served.map((c) => `${c.client.host.name}:${c.dport}`)).has('snmp1:161')).toBe(true);
    expect(served.some((c) => c.client.host.segment === 'web' && c.dport === 8080)).toBe(true);
    expect(Math.min(...served.map((c) => c.startUs))).toBeGreaterThanOrEqual(app3.at * 1000);
  });

  it('is deterministic', () => {
    const again = buildPolicySite({ seed: 5 }).scenario;
    expect(again.conversations.length).toBe(s.conversations.length);
    expect(again.conversations.slice(0, 50).map(key)).toEqual(s.conversations.slice(0, 50).map(key));
  });
});
