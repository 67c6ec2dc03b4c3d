import { randomBytes } from 'node:crypto';
import type { Database } from 'lmdb';
import { SpanmapError } from '@spanmap/shared';
import type { ConsoleStore } from '../store/console-store.js';
import type { EdgeKey } from '../catalog/catalog.js';
import type { IngestResult, TransactionHook } from '../ingest/batch-writer.js';
import type { Range } from '../matrix/accumulate.js';
import type { EdgeModel } from '../matrix/model.js';
import type { QueryEngine } from '../matrix/query.js';
import type { Analyzer } from '../analysis/analyzer.js';
import type { Reviews } from '../review/reviews.js';
import type { RelatedLabel } from '../related/related.js';
import { Evaluator } from './evaluate.js';
import { draftRules, type DraftOptions } from './draft.js';
import { normalizePorts, ruleId, type Policy, type PolicyVersion, type Rule } from './model.js';
import { MonitorLog, type Violation, type ViolationAction } from './monitor.js';
import { narrowest, proposalRule, type Proposal } from './narrowest.js';
import { ruleStats, SurfaceCache, type PolicyStats, type Surface } from './stats.js';
import { simulate, type SimulateResult } from './simulate.js';

export type { Violation, ViolationAction } from './monitor.js';

export type { SimulateResult } from './simulate.js';

/** What policies need from the rest of the console. */
export interface PolicyDeps {
  model: EdgeModel;
  query: QueryEngine;
  analyzer: Analyzer;
  reviews: Reviews;
  /** Related-connection labels of edges (related/). */
  related?: { label(edge: number): RelatedLabel | null };
  /** Alerts of reviewed violations count as reviewed (set once alerts exist: they read the policies). */
  alerts?: {
    markReviewed(edges: EdgeKey[], review?: { action: 'allow' | 'reject' | 'investigate'; note: string; by: string; at: number }): void;
    openCount(): number;
  };
}

/**
 * Policies: drafted from a window of history, versioned on every change (author, time, reason),
 * simulated against stored history, and in monitor mode evaluated against every ingested flow —
 * would-be-blocked edges are logged with counts and a review state, and each new edge outside an
 * active policy raises an alert that stays until reviewed. Monitor mode runs inside the ingest
 * transaction: what it records is committed with the batch, or the batch is not acknowledged.
 */
export class Policies implements TransactionHook {
  private readonly evaluators = new Map<string, { key: string; ev: Evaluator }>();
  private readonly surfaceCache: SurfaceCache;
  private readonly log: MonitorLog;

  constructor(
    private readonly store: ConsoleStore,
    private readonly core: PolicyDeps,
  ) {
    // Policies (definitions, versions, modes) are shared between consoles sharing a store; the
    // violations each console records from the batches it applies are its own (the same batches
    // and policies give the same violations on every console).
    store.shared.names.add('policies');
    this.log = new MonitorLog(store, core.model);
    this.surfaceCache = new SurfaceCache(core.model, core.query);
  }

  private get db(): Database<Policy, string> {
    return this.store.db<Policy, string>('policies');
  }

  list(): Policy[] {
    return [...this.db.getRange({})].map((x) => x.value);
  }

  get(id: string): Policy {
    const p = this.db.get(id);
    if (!p) throw new SpanmapError('not_found', `no policy "${id}"`);
    return p;
  }

  version(p: Policy, v?: number): PolicyVersion {
    if (v === undefined) return p.versions.at(-1)!;
    const found = p.versions.find((x) => x.version === v);
    if (!found) throw new SpanmapError('not_found', `policy "${p.id}" has no version ${v} (versions 1-${p.versions.length})`);
    return found;
  }

  async create(name: string, o: DraftOptions, by: string, now: number): Promise<Policy> {
    const c = this.core;
    const rules = draftRules(c.model, c.query, c.analyzer, c.reviews, o, c.related);
    const p: Policy = {
      id: randomBytes(4).toString('hex'),
      name,
      createdAt: now,
      createdBy: by,
      granularity: o.granularity,
      include: o.include,
      window: { from: o.range.from, to: o.range.to },
      mode: 'off',
      monitorSince: null,
      defaultAction: 'deny',
      versions: [
        {
          version: 1,
          at: now,
          by,
          reason: `drafted from ${o.include} edges, ${new Date(o.range.from).toISOString()} to ${new Date(o.range.to).toISOString()}, ${o.granularity} granularity`,
          rules,
        },
      ],
    };
    await this.save(p, by, now, 'policy-create', { name, rules: rules.length });
    return p;
  }

  private async save(p: Policy, by: string, now: number, action: string, detail: unknown): Promise<void> {
    await this.db.put(p.id, p);
    await this.core.reviews.record({ at: now, by, action, target: p.id, detail });
  }

  /** A change: a new version with the given rules, author, time and reason. */
  async change(id: string, rules: Rule[], reason: string, by: string, now: number): Promise<Policy> {
    const p = this.get(id);
    const v: PolicyVersion = { version: p.versions.length + 1, at: now, by, reason, rules };
    p.versions.push(v);
    await this.save(p, by, now, 'policy-change', { version: v.version, reason });
    return p;
  }

  async addRule(
    id: string,
    input: Omit<Rule, 'id' | 'justifiedBy' | 'edges'> & { justifiedBy?: EdgeKey[] },
    reason: string,
    by: string,
    now: number,
  ): Promise<Policy> {
    const current = this.version(this.get(id));
    const ports = normalizePorts(input.ports);
    const rule: Rule = { ...input, ports, id: ruleId({ ...input, ports }), justifiedBy: input.justifiedBy ?? [], edges: input.justifiedBy?.length ?? 0 };
    if (current.rules.some((r) => r.id === rule.id)) throw new SpanmapError('conflict', `the policy already has this rule (${rule.id})`);
    return this.change(id, [...current.rules, rule], reason, by, now);
  }

  async removeRule(id: string, rid: string, reason: string, by: string, now: number): Promise<Policy> {
    const current = this.version(this.get(id));
    if (!current.rules.some((r) => r.id === rid)) throw new SpanmapError('not_found', `no rule "${rid}" in the current version`);
    return this.change(
      id,
      current.rules.filter((r) => r.id !== rid),
      reason,
      by,
      now,
    );
  }

  async rollback(id: string, to: number, reason: string, by: string, now: number): Promise<Policy> {
    const target = this.version(this.get(id), to);
    return this.change(id, target.rules, reason || `rolled back to version ${to}`, by, now);
  }

  diff(id: string, from: number, to: number): { from: number; to: number; added: Rule[]; removed: Rule[] } {
    const p = this.get(id);
    const a = this.version(p, from).rules;
    const b = this.version(p, to).rules;
    const ids = (rs: Rule[]) => new Set(rs.map((r) => r.id));
    const ia = ids(a);
    const ib = ids(b);
    return { from, to, added: b.filter((r) => !ia.has(r.id)), removed: a.filter((r) => !ib.has(r.id)) };
  }

  private evaluator(p: Policy, v: PolicyVersion): Evaluator {
    const key = `${v.version}|${this.core.model.segmentsVersion}`;
    const cached = this.evaluators.get(`${p.id}|${v.version}`);
    if (cached?.key === key) return cached.ev;
    const ev = new Evaluator(v.rules, this.core.model);
    this.evaluators.set(`${p.id}|${v.version}`, { key, ev });
    return ev;
  }

  /** Stored history replayed against a version (the draft included): what would have been blocked. */
  simulate(id: string, range: Range, version?: number): SimulateResult {
    const p = this.get(id);
    const v = this.version(p, version);
    return simulate(this.core.model, this.core.query, this.evaluator(p, v), range, { policy: p.id, version: v.version });
  }

  async setMode(id: string, mode: Policy['mode'], by: string, now: number): Promise<Policy> {
    const p = this.get(id);
    if (p.mode === mode) return p;
    p.mode = mode;
    p.monitorSince = mode === 'monitor' ? now : null;
    if (mode === 'monitor') await this.log.resetHits(id);
    await this.save(p, by, now, 'policy-mode', { mode });
    return p;
  }

  /**
   * Inside the ingest transaction: every edge whose flows changed is evaluated against the policies
   * in monitor mode; would-be-blocked edges add to their violation, allowed ones to their rule's hits.
   */
  inTransaction(result: IngestResult): void {
    if (result.applied.length === 0) return;
    for (const p of this.list()) if (p.mode === 'monitor') this.log.record(p.id, this.evaluator(p, this.version(p)), result);
  }

  /** Would-be-blocked edges, latest first, each with the narrowest rule that would allow it. */
  violations(id: string): Array<Violation & { related: string | null; proposal: Proposal }> {
    this.get(id);
    return this.log
      .violations(id)
      .sort((a, b) => b.lastSeen - a.lastSeen)
      .map((v) => {
        const rel = this.relatedOf(v);
        return { ...v, related: rel?.kind.service ?? null, proposal: narrowest(v, rel, this.core.model) };
      });
  }

  private relatedOf(e: EdgeKey): RelatedLabel | null {
    const id = this.core.model.catalog.find(e);
    return id >= 0 ? (this.core.related?.label(id) ?? null) : null;
  }

  /**
   * Reviews would-be-blocked edges: "allow" adds, in a new version, the narrowest rule for each
   * (narrowest.ts; `widen: "segment"` asks for the segment pair instead); "reject" and
   * "investigate" record the decision. Their alerts count as reviewed.
   */
  async reviewViolations(
    id: string,
    edges: EdgeKey[],
    action: ViolationAction,
    note: string,
    by: string,
    now: number,
    widen: 'segment' | null = null,
  ): Promise<Policy> {
    let p = this.get(id);
    for (const [i, e] of edges.entries()) {
      if (!this.log.violation(id, e))
        throw new SpanmapError('not_found', `edges[${i}]: ${e.src} → ${e.dst} proto ${e.proto} port ${e.port} is not a violation of this policy`, {
          field: `edges[${i}]`,
        });
    }
    if (action === 'allow') {
      const rules = [...this.version(p).rules];
      for (const e of edges) {
        const rule = proposalRule(narrowest(e, this.relatedOf(e), this.core.model, widen), e, by, note);
        if (!rules.some((r) => r.id === rule.id)) rules.push(rule);
      }
      p = await this.change(
        id,
        rules,
        `allowed ${edges.length} would-be-blocked edge(s)${widen ? ` (widened to ${widen} pairs)` : ''}${note ? `: ${note}` : ''}`,
        by,
        now,
      );
    }
    await this.store.atomic(() => {
      this.log.setReview(id, edges, { action, note, by, at: now });
      this.core.alerts?.markReviewed(edges, { action, note, by, at: now });
    });
    await this.core.reviews.record({ at: now, by, action: 'violation-review', target: { policy: id, edges }, detail: { action, note, widen } });
    return p;
  }

  /** For metrics: unreviewed would-be-blocked edges of policies in monitor mode, and alerts not yet reviewed. */
  openCounts(): { violations: number; alerts: number } {
    let violations = 0;
    for (const p of this.list()) if (p.mode === 'monitor') for (const v of this.log.violations(p.id)) if (!v.review) violations++;
    return { violations, alerts: this.core.alerts?.openCount() ?? 0 };
  }

  /** Policies in monitor mode (for alerts). */
  monitored(): Array<{ id: string; name: string }> {
    return this.list()
      .filter((p) => p.mode === 'monitor')
      .map((p) => ({ id: p.id, name: p.name }));
  }

  /** Whether the current version of a policy allows an edge. */
  allows(policyId: string, k: EdgeKey): boolean {
    return this.check(policyId, k).rule !== null;
  }

  /** Policy check: would a version (default: the current one) allow this connection, and by which rule. */
  check(policyId: string, k: EdgeKey, version?: number): { version: number; rule: Rule | null } {
    const p = this.get(policyId);
    const v = this.version(p, version);
    return { version: v.version, rule: this.evaluator(p, v).match(k) };
  }

  /** Allowed surface of versions among the known hosts, beside the policy window's edges (stats.ts). */
  surfaces(p: Policy, versions: PolicyVersion[] = p.versions): Map<number, Surface> {
    return this.surfaceCache.get(p, versions, (v) => this.evaluator(p, v));
  }

  /** Rule statistics over a window, with monitor-mode hits, and the surface (stats.ts). */
  stats(id: string, range: Range, idleDays: number, version?: number): PolicyStats {
    const p = this.get(id);
    const v = this.version(p, version);
    const monitor = p.mode === 'monitor' && v.version === p.versions.length ? this.log.hits(id) : null;
    const s = ruleStats(this.core.model, this.core.query, v.rules, this.evaluator(p, v), { range, idleDays, monitor });
    return { policy: p.id, version: v.version, window: range, idleDays, reference: s.reference, surface: s.surface, rules: s.rules };
  }
}
