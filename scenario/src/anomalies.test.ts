import { beforeAll, describe, expect, it } from 'vitest';
import { buildScenario } from './scenario.js';
import { scenarioTruth, type ScenarioTruth } from './truth.js';

const START = Date.UTC(2024, 5, 3); // Monday
const FROM = START + 4.5 * 86_400_000; // Friday noon: Sunday's patching is a first-time edge after it
const DAYS = 8;
const END = START + DAYS * 86_400_000;

let withA: ScenarioTruth;
let without: ScenarioTruth;

beforeAll(() => {
  withA = scenarioTruth(buildScenario({ start: START, days: DAYS, scale: 0.3, seed: 11, anomaliesFrom: FROM }));
  without = scenarioTruth(buildScenario({ start: START, days: DAYS, scale: 0.3, seed: 11 }));
});

const edgeKey = (c: { src: string; dst: string; proto: number; dport?: number; port?: number }) => `${c.src}|${c.dst}|${c.proto}|${c.dport ?? c.port}`;

describe('anomalies', () => {
  it('injects the four violations, each a few conversations on one edge, strictly after anomaliesFrom', () => {
    const anomalous = withA.edges.filter((e) => e.anomaly !== null);
    expect(anomalous.map((e) => e.anomaly).sort()).toEqual(['external', 'smb-user-to-dc', 'ssh-user-to-app', 'web-to-db']);
    const dc = withA.hosts.find((h) => h.role === 'domain-controller')!.ip;
    const shape = Object.fromEntries(anomalous.map((e) => [e.anomaly, [e.srcSegment, e.dstSegment, e.proto, e.port]]));
    expect(shape).toEqual({
      'web-to-db': ['web', 'db', 6, 5432],
      'ssh-user-to-app': ['users', 'app', 6, 22],
      external: ['app', 'external', 6, 443],
      'smb-user-to-dc': ['users', 'infra', 6, 445],
    });
    expect(anomalous.find((e) => e.anomaly === 'external')!.dst).toBe('198.51.100.7');
    expect(anomalous.find((e) => e.anomaly === 'smb-user-to-dc')!.dst).toBe(dc);
    for (const e of anomalous) {
      expect(e.flows).toBeGreaterThanOrEqual(2);
      expect(e.flows).toBeLessThanOrEqual(5);
      expect([e.period, e.tag, e.infrastructure]).toEqual([null, 'anomaly', false]);
      const cs = withA.conversations.filter((c) => edgeKey(c) === edgeKey(e));
      expect(cs).toHaveLength(e.flows);
      for (const c of cs) {
        expect(c.start).toBeGreaterThan(FROM);
        expect(c.end).toBeLessThan(END);
      }
    }
    expect(without.edges.filter((e) => e.anomaly !== null)).toEqual([]);
  });

  it('lets no normal edge appear for the first time after anomaliesFrom', () => {
    const anomalyEdges = new Set(withA.edges.filter((e) => e.anomaly !== null).map(edgeKey));
    const before = new Set(withA.conversations.filter((c) => c.start < FROM).map(edgeKey));
    const late = withA.conversations.filter((c) => c.start >= FROM && !before.has(edgeKey(c)) && !anomalyEdges.has(edgeKey(c)));
    expect(late).toEqual([]);
    // The rule did bite: the Sunday patch run (a first-time edge after Friday noon) is gone.
    expect(without.edges.filter((e) => e.tag === 'weekly').length).toBeGreaterThan(0);
    expect(withA.edges.filter((e) => e.tag === 'weekly')).toEqual([]);
    expect(withA.totals.droppedNewEdges).toBeGreaterThan(0);
  });

  it('leaves everything before anomaliesFrom exactly as in the scenario without anomalies', () => {
    const early = (t: ScenarioTruth) => t.conversations.filter((c) => c.start < FROM);
    expect(early(withA)).toEqual(early(without));
    // and after it, normal traffic on known edges continues unchanged
    const known = new Set(early(without).map(edgeKey));
    const lateNormal = (t: ScenarioTruth) => t.conversations.filter((c) => c.start >= FROM && known.has(edgeKey(c)));
    expect(lateNormal(withA).length).toBe(lateNormal(without).length);
  });

  it('rejects an anomaliesFrom outside the window', () => {
    expect(() => buildScenario({ start: START, days: 2, anomaliesFrom: START - 1 })).toThrow(/anomaliesFrom/);
    expect(() => buildScenario({ start: START, days: 2, anomaliesFrom: START + 2 * 86_400_000 - 60_000 })).toThrow(/anomaliesFrom/);
  });
});
