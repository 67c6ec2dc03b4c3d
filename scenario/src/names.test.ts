import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOUR_MS } from './calendar.js';
import { buildScenario } from './scenario.js';
import { scenarioTruth, truthToJson } from './truth.js';
import { writeScenario } from './write.js';

const dir = mkdtempSync(join(tmpdir(), 'spanmap-names-unit-'));
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('the names option', () => {
  it('changes nothing when off: no names in the truth, no hosts added', () => {
    const t = scenarioTruth(buildScenario({ days: 1, seed: 5 }));
    expect(t.names).toBeUndefined();
    expect('names' in t.generator).toBe(false);
    expect(t.hosts.some((h) => h.name === 'gw-users')).toBe(false);
  });

  it('is deterministic: the same options give the same capture and truth', () => {
    const a = writeScenario(join(dir, 'a.pcap'), { days: 1, seed: 5, names: true });
    const b = writeScenario(join(dir, 'b.pcap'), { days: 1, seed: 5, names: true });
    expect(sha(join(dir, 'a.pcap'))).toBe(sha(join(dir, 'b.pcap')));
    expect(truthToJson(a)).toBe(truthToJson(b));
    expect(a.generator.names).toBe(true);
  });

  it('keeps the labels of the edges it joins true: continuous edges have a conversation in every hour', () => {
    const t = scenarioTruth(buildScenario({ days: 3, seed: 11, names: true, scale: 0.5 }));
    const hours = new Map<string, Set<number>>();
    for (const c of t.conversations) {
      const k = `${c.src}|${c.dst}|${c.proto}|${c.dport}`;
      if (!hours.has(k)) hours.set(k, new Set());
      hours.get(k)!.add(Math.floor(c.start / HOUR_MS));
    }
    const wanted = Math.round((t.generator.end - t.generator.start) / HOUR_MS);
    const namesHosts = new Set(t.names!.addresses.filter((a) => ['lease-10.20.3.50', 'kiosk-07', 'lobby-pc'].includes(a.host)).map((a) => a.ip));
    const checked = t.edges.filter((e) => e.period === 'continuous' && e.tag === 'continuous' && namesHosts.has(e.src));
    expect(checked.map((e) => e.port).sort()).toEqual([53, 53, 53, 67]);
    for (const e of checked) expect(hours.get(`${e.src}|${e.dst}|${e.proto}|${e.port}`)!.size, `${e.srcName} → ${e.dstName}:${e.port}`).toBe(wanted);
  });

  it('fits a short window and a large site: the lease still moves, every user gets a name', () => {
    for (const o of [
      { days: 2.5 / 24, seed: 2 },
      { days: 2, seed: 3, scale: 20 },
    ]) {
      const t = scenarioTruth(buildScenario({ ...o, names: true }));
      const lease = t.names!.addresses.find((a) => a.ip === '10.20.3.50')!;
      expect(lease.names.map((n) => n.name)).toEqual(['ws-0142.corp.example', 'ws-0177.corp.example']);
      const users = t.names!.addresses.filter((a) => /^user\d+$/.test(a.host) && !a.ip.includes(':'));
      expect(users.length).toBe(t.hosts.filter((h) => h.role === 'user' && !h.ip.includes(':')).length);
      for (const u of users) expect(u.names.map((n) => n.name)).toEqual([`${u.host}.corp.example`]);
    }
  });

  it('puts every new host in the segment the console will give it', () => {
    const t = scenarioTruth(buildScenario({ days: 1, names: true }));
    const seg = (name: string) => t.hosts.find((h) => h.name === name)!.segment;
    expect(['gw-users', 'lease-10.20.3.50', 'kiosk-07', 'printer-3f', 'bcast-users'].map(seg)).toEqual(['users', 'users', 'users', 'users', 'users']);
    expect([seg('saas'), seg('mdns-group')]).toEqual(['external', 'unassigned']);
  });
});
