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
import { edgeKeyString, type Reviews } from '../review/reviews.js';
import { Evaluator } from './evaluate.js';
import { draftRules, type DraftOptions } from './draft.js';
import { normalizePorts, ruleId, type Policy, type PolicyVersion, type Rule } from './model.js';

export type ViolationAction = 'allow' | 'reject' | 'investigate';

export interface Violation extends EdgeKey {
  srcSegment: string;
  dstSegment: string;
  flows: number;
  firstSeen: number;
  lastSeen: number;
  review: { action: ViolationAction; note: string; by: string; at: number } | null;
}

export interface SimulateResult {
  policy: string;
  version: number;
  blocked: Array<EdgeKey & { flows: number; firstSeen: number; lastSeen: number; srcSegment: string; dstSegment: string }>;
  allowedFlows: number;
  blockedFlows: number;
}

/** What policies need from the rest of the console. */
export interface PolicyDeps {
  model: EdgeModel;
  query: QueryEngine;
  analyzer: Analyzer;
  reviews: Reviews;
  /** Alerts of reviewed violations count as reviewed (set once alerts exist: they read the policies). */
  alerts?: { markReviewed(edges: EdgeKey[]): void; openCount(): number };
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

  constructor(
    private readonly store: ConsoleStore,
    private readonly core: PolicyDeps,
  ) {
    // Policies (definitions, versions, modes) are shared between consoles sharing a store; the
    // violations each console records from the batches it applies are its own (the same batches
    // and policies give the same violations on every console).
    store.shared.names.add('policies');
  }

  private get db(): Database<Policy, string> {
    return this.store.db<Policy, string>('policies');
  }

  private get violationsDb(): Database<Violation, [string, string]> {
    return this.store.db<Violation, [string, string]>('violations');
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
    const rules = draftRules(c.model, c.query, c.analyzer, c.reviews, o);
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
    const ev = this.evaluator(p, v);
    const { acc, ids, n } = this.core.query.active(range);
    const cat = this.core.model.catalog;
    const out: SimulateResult = { policy: p.id, version: v.version, blocked: [], allowedFlows: 0, blockedFlows: 0 };
    for (let i = 0; i < n; i++) {
      const e = ids[i]!;
      const k = cat.key(e);
      if (ev.match(k)) out.allowedFlows += acc.flows[e]!;
      else {
        out.blockedFlows += acc.flows[e]!;
        out.blocked.push({
          ...k,
          flows: acc.flows[e]!,
          firstSeen: acc.first[e]!,
          lastSeen: acc.last[e]!,
          srcSegment: this.core.model.segmentOf(k.src),
          dstSegment: this.core.model.segmentOf(k.dst),
        });
      }
    }
    out.blocked.sort((a, b) => b.flows - a.flows || a.firstSeen - b.firstSeen);
    return out;
  }

  async setMode(id: string, mode: Policy['mode'], by: string, now: number): Promise<Policy> {
    const p = this.get(id);
    if (p.mode === mode) return p;
    p.mode = mode;
    p.monitorSince = mode === 'monitor' ? now : null;
    await this.save(p, by, now, 'policy-mode', { mode });
    return p;
  }

  /**
   * Inside the ingest transaction: every edge whose flows changed is evaluated against the policies
   * in monitor mode; would-be-blocked edges add to their violation, and an edge new to the console
   * outside an active policy raises an alert.
   */
  inTransaction(result: IngestResult): void {
    if (result.applied.length === 0) return;
    const monitored = this.list().filter((p) => p.mode === 'monitor');
    if (monitored.length === 0) return;
    for (const p of monitored) {
      const ev = this.evaluator(p, this.version(p));
      for (const { delta } of result.edges) {
        const k: EdgeKey = { src: delta.src, dst: delta.dst, proto: delta.proto, port: delta.port };
        if (ev.match(k)) continue;
        let flows = 0;
        let first = Infinity;
        let last = -Infinity;
        for (const h of delta.hours.values()) {
          flows += h.flows;
          if (h.first < first) first = h.first;
          if (h.last > last) last = h.last;
        }
        if (flows === 0 && first === Infinity) continue; // nothing new here (a retraction only)
        const ks = edgeKeyString(k);
        const old = this.violationsDb.get([p.id, ks]);
        const v: Violation = old
          ? { ...old, flows: old.flows + flows, firstSeen: Math.min(old.firstSeen, first), lastSeen: Math.max(old.lastSeen, last) }
          : {
              ...k,
              srcSegment: this.core.model.segmentOf(k.src),
              dstSegment: this.core.model.segmentOf(k.dst),
              flows,
              firstSeen: first,
              lastSeen: last,
              review: null,
            };
        void this.violationsDb.put([p.id, ks], v);
      }
    }
  }

  violations(id: string): Violation[] {
    this.get(id);
    return [...this.violationsDb.getRange({ start: [id, ''], end: [id, '\uffff'] })].map((x) => x.value).sort((a, b) => b.lastSeen - a.lastSeen);
  }

  /**
   * Reviews would-be-blocked edges: "allow" adds rules for them in a new version (at the policy's
   * granularity); "reject" and "investigate" record the decision. Their alerts count as reviewed.
   */
  async reviewViolations(id: string, edges: EdgeKey[], action: ViolationAction, note: string, by: string, now: number): Promise<Policy> {
    let p = this.get(id);
    for (const [i, e] of edges.entries()) {
      if (!this.violationsDb.get([id, edgeKeyString(e)]))
        throw new SpanmapError('not_found', `edges[${i}]: ${e.src} → ${e.dst} proto ${e.proto} port ${e.port} is not a violation of this policy`, {
          field: `edges[${i}]`,
        });
    }
    if (action === 'allow') {
      const current = this.version(p);
      const rules = [...current.rules];
      for (const e of edges) {
        const m = this.core.model;
        const src = p.granularity === 'host' ? { host: e.src } : { segment: m.segmentOf(e.src) };
        const dst = p.granularity === 'host' ? { host: e.dst } : { segment: m.segmentOf(e.dst) };
        const rule: Rule = {
          id: ruleId({ src, dst, proto: e.proto, ports: [e.port] }),
          src,
          dst,
          proto: e.proto,
          ports: [e.port],
          comment: `allowed from monitor mode by ${by}${note ? `: ${note}` : ''}`,
          justifiedBy: [e],
          edges: 1,
          layer: 'application',
        };
        if (!rules.some((r) => r.id === rule.id)) rules.push(rule);
      }
      p = await this.change(id, rules, `allowed ${edges.length} would-be-blocked edge(s)${note ? `: ${note}` : ''}`, by, now);
    }
    await this.store.env.transaction(() => {
      for (const e of edges) {
        const ks = edgeKeyString(e);
        const v = this.violationsDb.get([id, ks])!;
        this.violationsDb.put([id, ks], { ...v, review: { action, note, by, at: now } });
      }
      this.core.alerts?.markReviewed(edges);
    });
    await this.core.reviews.record({ at: now, by, action: 'violation-review', target: { policy: id, edges }, detail: { action, note } });
    return p;
  }

  /** For metrics: unreviewed would-be-blocked edges of policies in monitor mode, and alerts not yet reviewed. */
  openCounts(): { violations: number; alerts: number } {
    let violations = 0;
    for (const p of this.list()) if (p.mode === 'monitor') for (const v of this.violations(p.id)) if (!v.review) violations++;
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
    const p = this.get(policyId);
    return this.evaluator(p, this.version(p)).match(k) !== null;
  }
}
