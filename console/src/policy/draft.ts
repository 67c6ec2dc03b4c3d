import type { EdgeKey } from '../catalog/catalog.js';
import type { EdgeModel } from '../matrix/model.js';
import type { QueryEngine } from '../matrix/query.js';
import type { Analyzer } from '../analysis/analyzer.js';
import type { Reviews } from '../review/reviews.js';
import type { Range } from '../matrix/accumulate.js';
import { serviceName } from '../analysis/service.js';
import { MAX_JUSTIFICATION, normalizePorts, ruleId, type Rule, type Selector } from './model.js';

export interface DraftOptions {
  range: Range;
  include: 'observed' | 'expected';
  granularity: 'segment' | 'host';
  /** Infrastructure dependencies as one shared layer: any source to each infrastructure server and port. */
  infrastructureLayer: boolean;
}

interface Candidate {
  key: EdgeKey;
  flows: number;
  infrastructure: boolean;
  kept?: Rule['keptPeriodic'];
}

const PERIODIC = new Set(['hourly', 'daily', 'weekly', 'monthly']);

/**
 * Allow rules from the edges of a window (default deny for everything else). "observed": every
 * edge seen; "expected": only edges reviewed as expected; rejected edges never. Periodic edges the
 * window missed (their last run was before it) keep their rules, marked as such. Host granularity
 * gives a rule per host pair and protocol; segment granularity per segment pair and protocol.
 */
export function draftRules(model: EdgeModel, query: QueryEngine, analyzer: Analyzer, reviews: Reviews, o: DraftOptions): Rule[] {
  analyzer.refresh(true);
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
    picked.set(e, { key: cat.key(e), flows: acc.flows[e]!, infrastructure: analyzer.get(e)?.infrastructure ?? false });
  }
  // Periodic edges seen before the window but not in it: their next run must not break.
  const totals = model.rollup.totals;
  const live = totals.activeIds(model.catalog.maxId);
  for (let i = 0; i < live.n; i++) {
    const e = live.ids[i]!;
    if (picked.has(e) || totals.last[e]! >= o.range.from || !admit(e)) continue;
    const a = analyzer.get(e);
    if (!a?.period || !PERIODIC.has(a.period)) continue;
    picked.set(e, {
      key: cat.key(e),
      flows: 0,
      infrastructure: a.infrastructure ?? false,
      kept: { period: a.period, lastSeen: totals.last[e]!, nextExpected: a.nextExpected },
    });
  }

  const groups = new Map<string, { src: Selector; dst: Selector; proto: number; layer: Rule['layer']; members: Candidate[] }>();
  for (const c of picked.values()) {
    const shared = o.infrastructureLayer && c.infrastructure;
    let src: Selector;
    let dst: Selector;
    if (shared) {
      src = { any: true };
      dst = { host: c.key.dst };
    } else if (o.granularity === 'host') {
      src = { host: c.key.src };
      dst = { host: c.key.dst };
    } else {
      src = { segment: model.segmentOf(c.key.src) };
      dst = { segment: model.segmentOf(c.key.dst) };
    }
    // Kept periodic edges get rules of their own, so they stay visible (and marked) to reviewers.
    const gk = `${JSON.stringify(src)}|${JSON.stringify(dst)}|${c.key.proto}|${shared ? 'i' : 'a'}|${c.kept ? `k:${c.kept.period}` : ''}`;
    let g = groups.get(gk);
    if (!g) groups.set(gk, (g = { src, dst, proto: c.key.proto, layer: shared ? 'infrastructure' : 'application', members: [] }));
    g.members.push(c);
  }

  const rules: Rule[] = [];
  for (const g of groups.values()) {
    const ports = normalizePorts([...new Set(g.members.map((m) => m.key.port))]);
    const kept = g.members.every((m) => m.kept) ? g.members[0]!.kept : undefined;
    const flows = g.members.reduce((s, m) => s + m.flows, 0);
    const services = [...new Set(g.members.map((m) => serviceName(m.key.proto, m.key.port) ?? `${m.key.proto}/${m.key.port}`))].slice(0, 5).join(', ');
    const comment = kept
      ? `${kept.period} job last seen ${new Date(kept.lastSeen).toISOString().slice(0, 10)}, kept though the window missed its run (${services})`
      : `${g.layer === 'infrastructure' ? 'infrastructure: ' : ''}${services}; ${g.members.length} edge${g.members.length === 1 ? '' : 's'}, ${flows} flows in the window`;
    const rule: Rule = {
      id: ruleId({ src: g.src, dst: g.dst, proto: g.proto, ports }),
      src: g.src,
      dst: g.dst,
      proto: g.proto,
      ports,
      comment,
      justifiedBy: g.members.slice(0, MAX_JUSTIFICATION).map((m) => m.key),
      edges: g.members.length,
      layer: g.layer,
      ...(kept ? { keptPeriodic: kept } : {}),
    };
    rules.push(rule);
  }
  return rules.sort((a, b) => (a.layer === b.layer ? a.comment.localeCompare(b.comment) : a.layer === 'infrastructure' ? -1 : 1));
}
