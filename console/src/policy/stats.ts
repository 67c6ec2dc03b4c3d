import type { Range } from '../matrix/accumulate.js';
import type { QueryEngine } from '../matrix/query.js';
import type { EdgeModel } from '../matrix/model.js';
import type { Evaluator } from './evaluate.js';
import type { Policy, PolicyVersion, Rule } from './model.js';
import type { RuleHits } from './monitor.js';
import { HostClasses, portCount, portsCover } from './surface.js';

const DAY = 86_400_000;
/** A rule allowing more than this many times what was seen of it is "broad". */
export const BROAD_RATIO = 10;
/** Above this many rules, shadowing (pairwise) is not analysed. */
const MAX_SHADOW_RULES = 5000;

/** A policy version's allowed surface among the known hosts, beside what was observed. */
export interface Surface {
  hosts: number;
  /** Host pairs × (protocol, port) allowed, each counted once. */
  allowed: number;
  allowedPairs: number;
  /** The per-rule sum was given instead of the exact union (too many classes). */
  approximate: boolean;
  /** Edges (host pair, protocol, port) active in the window, and how many the rules allow (null: not computed). */
  observed: number;
  observedAllowed: number | null;
}

export interface RuleStats {
  id: string;
  /** Flows this rule allowed (first match) over the window, over how many edges, and the last. */
  window: { flows: number; edges: number; lastHit: number | null };
  /** Since monitor mode started; null when the policy is not monitored. */
  monitor: { flows: number; lastHit: number | null } | null;
  /** No hit in the `idleDays` before the reference time (the window's or the data's end). */
  noTraffic: boolean;
  /** An earlier rule, or a broader one, already allows everything this one allows. */
  shadowedBy: string | null;
  broad: { pairs: number; ports: number; allowed: number; seenPairs: number; seenPorts: number; seen: number; ratio: number | null; broad: boolean };
}

export interface PolicyStats {
  policy: string;
  version: number;
  window: Range;
  idleDays: number;
  reference: number;
  surface: Surface;
  rules: RuleStats[];
}

/**
 * Surface of a set of rules among known hosts, beside the observed edges (`ids`, from one
 * accumulator run over the window); how many of those the rules allow only when an evaluator is
 * given (one match per edge: the list shows it for current versions only).
 */
export function surfaceOf(model: EdgeModel, rules: Rule[], ev: Evaluator | null, observed: { ids: Uint32Array; n: number }): Surface {
  const classes = new HostClasses(
    model,
    rules.flatMap((r) => [r.src, r.dst]),
  );
  const s = classes.surface(rules);
  let allowed: number | null = null;
  if (ev) {
    allowed = 0;
    for (let i = 0; i < observed.n; i++) if (ev.match(model.catalog.key(observed.ids[i]!))) allowed++;
  }
  return { hosts: classes.hosts, allowed: s.allowed, allowedPairs: s.allowedPairs, approximate: s.approximate, observed: observed.n, observedAllowed: allowed };
}

/**
 * Rule statistics (Cisco Secure Workload's no-traffic, overshadowed and broad rules): flows and
 * last hit per rule over the window (each edge credited to the first rule that allows it, as the
 * evaluator decides) and in monitor mode; shadowing; and breadth — host pairs × ports allowed
 * among the known hosts against distinct pairs and ports seen.
 */
export function ruleStats(
  model: EdgeModel,
  query: QueryEngine,
  rules: Rule[],
  ev: Evaluator,
  o: { range: Range; idleDays: number; monitor: Map<string, RuleHits> | null },
): { rules: RuleStats[]; surface: Surface; reference: number } {
  const classes = new HostClasses(
    model,
    rules.flatMap((r) => [r.src, r.dst]),
  );
  const cat = model.catalog;
  const seen = new Map<string, { flows: number; edges: number; last: number; pairs: Set<number>; ports: Set<number> }>();
  const { acc, ids, n } = query.active(o.range);
  let observedAllowed = 0;
  let dataEnd = -Infinity;
  const H = cat.hosts.length;
  for (let i = 0; i < n; i++) {
    const e = ids[i]!;
    if (acc.last[e]! > dataEnd) dataEnd = acc.last[e]!;
    const r = ev.match(cat.key(e));
    if (!r) continue;
    observedAllowed++;
    let s = seen.get(r.id);
    if (!s) seen.set(r.id, (s = { flows: 0, edges: 0, last: -Infinity, pairs: new Set(), ports: new Set() }));
    s.flows += acc.flows[e]!;
    s.edges++;
    if (acc.last[e]! > s.last) s.last = acc.last[e]!;
    s.pairs.add(cat.src[e]! * H + cat.dst[e]!);
    s.ports.add(cat.proto[e]! * 65536 + cat.port[e]!);
  }
  const reference = Math.min(o.range.to, Number.isFinite(dataEnd) ? dataEnd : o.range.to);
  const idleSince = reference - o.idleDays * DAY;
  const shadows = rules.length <= MAX_SHADOW_RULES ? shadowing(rules, classes) : new Map<string, string>();
  const out = rules.map((r): RuleStats => {
    const s = seen.get(r.id);
    const m = o.monitor ? (o.monitor.get(r.id) ?? { flows: 0, lastHit: 0 }) : null;
    const lastHit = Math.max(s?.last ?? -Infinity, m && m.flows > 0 ? m.lastHit : -Infinity);
    const pairs = classes.rulePairs(r);
    const ports = portCount(r);
    const seenN = s ? s.edges : 0;
    const ratio = seenN > 0 ? Math.round(((pairs * ports) / seenN) * 10) / 10 : null;
    return {
      id: r.id,
      window: { flows: s?.flows ?? 0, edges: seenN, lastHit: s ? s.last : null },
      monitor: m ? { flows: m.flows, lastHit: m.flows > 0 ? m.lastHit : null } : null,
      noTraffic: !(lastHit >= idleSince),
      shadowedBy: shadows.get(r.id) ?? null,
      broad: {
        pairs,
        ports,
        allowed: pairs * ports,
        seenPairs: s?.pairs.size ?? 0,
        seenPorts: s?.ports.size ?? 0,
        seen: seenN,
        ratio,
        broad: pairs * ports > BROAD_RATIO * Math.max(1, seenN),
      },
    };
  });
  const sf = classes.surface(rules);
  return {
    rules: out,
    reference,
    surface: { hosts: classes.hosts, allowed: sf.allowed, allowedPairs: sf.allowedPairs, approximate: sf.approximate, observed: n, observedAllowed },
  };
}

/** For each shadowed rule, the rule that shadows it: one that covers it and comes earlier, or is strictly broader. */
export function shadowing(rules: Rule[], classes: HostClasses): Map<string, string> {
  const covers = (a: Rule, b: Rule) =>
    (a.proto === null || a.proto === b.proto) && portsCover(a.ports, b.ports) && classes.covers(a.src, b.src) && classes.covers(a.dst, b.dst);
  const out = new Map<string, string>();
  rules.forEach((r, i) => {
    for (let j = 0; j < rules.length; j++) {
      const q = rules[j]!;
      if (j === i || !covers(q, r)) continue;
      if (j < i || !covers(r, q)) {
        out.set(r.id, q.id);
        return;
      }
    }
  });
  return out;
}

/**
 * The allowed surface of policy versions, cached until the data or the segments change. One
 * accumulator run over the policy's window serves all of a policy's versions; how many of the
 * window's edges a version allows (one evaluation per edge) is counted for the current version
 * only, which is what the policy list shows.
 */
export class SurfaceCache {
  private readonly cache = new Map<string, { key: string; surface: Surface }>();

  constructor(
    private readonly model: EdgeModel,
    private readonly query: QueryEngine,
  ) {}

  get(p: Policy, versions: PolicyVersion[], evaluator: (v: PolicyVersion) => Evaluator): Map<number, Surface> {
    const key = `${this.model.version}|${this.model.segmentsVersion}`;
    const current = p.versions.length;
    const out = new Map<number, Surface>();
    let observed: { ids: Uint32Array; n: number } | null = null;
    for (const v of versions) {
      const ck = `${p.id}|${v.version}|${v.version === current}`;
      const cached = this.cache.get(ck);
      if (cached?.key === key) {
        out.set(v.version, cached.surface);
        continue;
      }
      if (!observed) {
        const a = this.query.active(p.window);
        observed = { ids: a.ids.slice(0, a.n), n: a.n };
      }
      const surface = surfaceOf(this.model, v.rules, v.version === current ? evaluator(v) : null, observed);
      this.cache.set(ck, { key, surface });
      out.set(v.version, surface);
    }
    return out;
  }
}
