import type { EdgeKey } from '../catalog/catalog.js';
import type { EdgeModel } from '../matrix/model.js';
import type { QueryEngine } from '../matrix/query.js';
import type { Analyzer } from '../analysis/analyzer.js';
import type { Reviews } from '../review/reviews.js';
import type { Range } from '../matrix/accumulate.js';
import type { RelatedLabel } from '../related/related.js';
import { rangesUsed } from '../related/kinds.js';
import { MAX_JUSTIFICATION, normalizePorts, ruleId, type PortSpec, type Rule, type Selector } from './model.js';
import { isManagerService, orient, serviceKey, type ServiceOrientation } from './orientation.js';
import { groupComment } from './draft-comment.js';

export interface DraftOptions {
  range: Range;
  include: 'observed' | 'expected';
  granularity: 'segment' | 'host';
  /** Shared infrastructure as one layer, each service oriented by its graph (orientation.ts). */
  infrastructureLayer: boolean;
}

/** What a draft reads of the related-connection labels (related/). */
export interface RelatedLookup {
  label(edge: number): RelatedLabel | null;
}

export interface Candidate {
  id: number;
  key: EdgeKey;
  flows: number;
  infrastructure: boolean;
  kept?: Rule['keptPeriodic'];
  /** A data edge whose control edge is drafted too. */
  related?: RelatedLabel;
  controlId?: number;
}

interface Placement {
  src: Selector;
  dst: Selector;
  layer: Rule['layer'];
  shared?: ServiceOrientation;
}

export interface Group extends Placement {
  proto: number;
  members: Candidate[];
  /** Shared services in the group, by service key, with their orientation. */
  why: Map<string, ServiceOrientation>;
}

const PERIODIC = new Set(['hourly', 'daily', 'weekly', 'monthly']);

/**
 * Allow rules from the edges of a window (default deny for everything else). "observed": every
 * edge seen; "expected": only edges reviewed as expected; rejected edges never. Periodic edges the
 * window missed keep their rules, marked as such. Host granularity gives a rule per host pair and
 * protocol; segment granularity per segment pair and protocol. With the infrastructure layer,
 * each shared service is oriented by its graph: fan-in gives any → the server, fan-out the
 * manager → the devices' segments (or hosts). The data edges of a related connection whose
 * control edge is drafted become one rule with the kind's documented range, for the pairs that
 * used the control port (the control rule's selectors, with "any" narrowed to the pair's side).
 */
export function draftRules(model: EdgeModel, query: QueryEngine, analyzer: Analyzer, reviews: Reviews, o: DraftOptions, related?: RelatedLookup): Rule[] {
  analyzer.refresh(true);
  const picked = pick(model, query, analyzer, reviews, o);
  const cat = model.catalog;
  if (related) {
    for (const c of picked.values()) {
      const l = related.label(c.id);
      const cid = l ? cat.find(l.control) : -1;
      if (l && cid >= 0 && picked.has(cid)) Object.assign(c, { related: l, controlId: cid });
    }
  }
  const shared = (c: Candidate) => o.infrastructureLayer && !c.related && (c.infrastructure || isManagerService(c.key.proto, c.key.port));
  const orientation = orient([...picked.values()].filter(shared).map((c) => c.key));
  const granular = (ip: string): Selector => (o.granularity === 'host' ? { host: ip } : { segment: model.segmentOf(ip) });
  const place = (c: Candidate): Placement => {
    if (!shared(c)) return { src: granular(c.key.src), dst: granular(c.key.dst), layer: 'application' };
    const so = orientation.get(serviceKey(c.key.proto, c.key.port))!;
    return so.orientation === 'in'
      ? { src: { any: true }, dst: { host: c.key.dst }, layer: 'infrastructure', shared: so }
      : { src: { host: c.key.src }, dst: granular(c.key.dst), layer: 'infrastructure', shared: so };
  };

  const groups = new Map<string, Group>();
  for (const c of picked.values()) {
    let p: Placement;
    if (c.related) {
      // Exactly the pairs that used the control port: its rule's selectors, "any" narrowed.
      const cp = place(picked.get(c.controlId!)!);
      const ctl = c.related.control;
      const a = 'any' in cp.src ? granular(ctl.src) : cp.src;
      const b = 'any' in cp.dst ? granular(ctl.dst) : cp.dst;
      p = c.related.kind.data.reverse ? { src: b, dst: a, layer: cp.layer } : { src: a, dst: b, layer: cp.layer };
    } else p = place(c);
    // Kept periodic edges get rules of their own, so they stay visible (and marked) to reviewers.
    const tag = c.related ? `r:${c.related.kind.service}` : `${p.shared ? `s:${p.shared.orientation}` : ''}${c.kept ? `k:${c.kept.period}` : ''}`;
    const gk = `${JSON.stringify(p.src)}|${JSON.stringify(p.dst)}|${c.key.proto}|${p.layer}|${tag}`;
    let g = groups.get(gk);
    if (!g) groups.set(gk, (g = { ...p, proto: c.key.proto, members: [], why: new Map() }));
    g.members.push(c);
    if (p.shared) g.why.set(serviceKey(c.key.proto, c.key.port), p.shared);
  }

  const rules = [...groups.values()].map((g) => toRule(g, o));
  return rules.sort((a, b) => (a.layer === b.layer ? a.comment.localeCompare(b.comment) : a.layer === 'infrastructure' ? -1 : 1));
}

/** The edges a draft starts from: active in the window and admitted, plus periodic ones it missed. */
function pick(model: EdgeModel, query: QueryEngine, analyzer: Analyzer, reviews: Reviews, o: DraftOptions): Map<number, Candidate> {
  const cat = model.catalog;
  const picked = new Map<number, Candidate>();
  const admit = (e: number) => {
    const r = reviews.get(cat.key(e));
    if (r?.status === 'rejected') return false;
    return o.include === 'observed' || r?.status === 'expected';
  };
  const { acc, ids, n } = query.active(o.range);
  for (let i = 0; i < n; i++) {
    const e = ids[i]!;
    if (!admit(e)) continue;
    picked.set(e, { id: e, key: cat.key(e), flows: acc.flows[e]!, infrastructure: analyzer.get(e)?.infrastructure ?? false });
  }
  // Periodic edges seen before the window but not in it: their next run must not break.
  const totals = model.rollup.totals;
  const live = totals.activeIds(cat.maxId);
  for (let i = 0; i < live.n; i++) {
    const e = live.ids[i]!;
    if (picked.has(e) || totals.last[e]! >= o.range.from || !admit(e)) continue;
    const a = analyzer.get(e);
    if (!a?.period || !PERIODIC.has(a.period)) continue;
    picked.set(e, {
      id: e,
      key: cat.key(e),
      flows: 0,
      infrastructure: a.infrastructure ?? false,
      kept: { period: a.period, lastSeen: totals.last[e]!, nextExpected: a.nextExpected },
    });
  }
  return picked;
}

/**
 * A related group's data ports are fixed rather than dynamic when at least three connections
 * used at most a third as many distinct ports (an FTP server with one configured passive port,
 * an RPC service pinned to a port): then those ports, not the range.
 */
export function fixedPorts(g: Pick<Group, 'members'>): number[] | null {
  const sessions = g.members.reduce((s, m) => s + m.flows, 0);
  const ports = [...new Set(g.members.map((m) => m.key.port))];
  return sessions >= 3 && ports.length * 3 <= sessions ? ports : null;
}

function toRule(g: Group, o: DraftOptions): Rule {
  const rel = g.members[0]!.related;
  const fixed = rel ? fixedPorts(g) : null;
  const ports: PortSpec[] =
    rel && !fixed
      ? rangesUsed(
          rel.kind,
          g.members.map((m) => m.key.port),
        )
      : normalizePorts(fixed ?? [...new Set(g.members.map((m) => m.key.port))]);
  const kept = !rel && g.members.every((m) => m.kept) ? g.members[0]!.kept : undefined;
  return {
    id: ruleId({ src: g.src, dst: g.dst, proto: g.proto, ports }),
    src: g.src,
    dst: g.dst,
    proto: g.proto,
    ports,
    comment: groupComment(g, ports, o.granularity, kept, fixed !== null),
    justifiedBy: g.members.slice(0, MAX_JUSTIFICATION).map((m) => m.key),
    edges: g.members.length,
    layer: g.layer,
    ...(g.shared ? { orientation: g.shared.orientation } : {}),
    ...(rel ? { related: { service: rel.kind.service, control: { proto: rel.control.proto, port: rel.control.port } } } : {}),
    ...(kept ? { keptPeriodic: kept } : {}),
  };
}
