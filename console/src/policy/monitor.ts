import type { Database } from 'lmdb';
import type { ConsoleStore } from '../store/console-store.js';
import type { EdgeKey } from '../catalog/catalog.js';
import type { IngestResult } from '../ingest/batch-writer.js';
import type { EdgeModel } from '../matrix/model.js';
import { edgeKeyString } from '../review/reviews.js';
import type { Evaluator } from './evaluate.js';

export type ViolationAction = 'allow' | 'reject' | 'investigate';

export interface Violation extends EdgeKey {
  srcSegment: string;
  dstSegment: string;
  flows: number;
  firstSeen: number;
  lastSeen: number;
  review: { action: ViolationAction; note: string; by: string; at: number } | null;
}

/** A rule's hits in monitor mode: flows it allowed and the last one. */
export interface RuleHits {
  flows: number;
  lastHit: number;
}

/**
 * What monitor mode records inside the ingest transaction, per policy: would-be-blocked edges
 * (the violations queue, with counts and a review state) and, for each rule, the flows it allowed
 * and its last hit (rule statistics). One write per changed violation and rule per transaction.
 */
export class MonitorLog {
  constructor(
    private readonly store: ConsoleStore,
    private readonly model: EdgeModel,
  ) {}

  get violationsDb(): Database<Violation, [string, string]> {
    return this.store.db<Violation, [string, string]>('violations');
  }

  private get hitsDb(): Database<RuleHits, [string, string]> {
    return this.store.db<RuleHits, [string, string]>('rule-hits');
  }

  /** One policy's evaluation of the edges an ingest transaction changed. */
  record(policy: string, ev: Evaluator, result: IngestResult): void {
    const hits = new Map<string, RuleHits>();
    for (const { delta } of result.edges) {
      const k: EdgeKey = { src: delta.src, dst: delta.dst, proto: delta.proto, port: delta.port };
      let flows = 0;
      let first = Infinity;
      let last = -Infinity;
      for (const h of delta.hours.values()) {
        flows += h.flows;
        if (h.first < first) first = h.first;
        if (h.last > last) last = h.last;
      }
      const rule = ev.match(k);
      if (rule) {
        const h = hits.get(rule.id) ?? { flows: 0, lastHit: -Infinity };
        h.flows += flows;
        if (last > h.lastHit) h.lastHit = last;
        hits.set(rule.id, h);
        continue;
      }
      if (flows === 0 && first === Infinity) continue; // nothing new here (a retraction only)
      const ks = edgeKeyString(k);
      const old = this.violationsDb.get([policy, ks]);
      const v: Violation = old
        ? { ...old, flows: old.flows + flows, firstSeen: Math.min(old.firstSeen, first), lastSeen: Math.max(old.lastSeen, last) }
        : {
            ...k,
            srcSegment: this.model.segmentOf(k.src),
            dstSegment: this.model.segmentOf(k.dst),
            flows,
            firstSeen: first,
            lastSeen: last,
            review: null,
          };
      void this.violationsDb.put([policy, ks], v);
    }
    for (const [rule, h] of hits) {
      const old = this.hitsDb.get([policy, rule]);
      const lastHit = Math.max(old?.lastHit ?? -Infinity, h.lastHit);
      void this.hitsDb.put([policy, rule], { flows: (old?.flows ?? 0) + h.flows, lastHit: Number.isFinite(lastHit) ? lastHit : 0 });
    }
  }

  violations(policy: string): Violation[] {
    return [...this.violationsDb.getRange({ start: [policy, ''], end: [policy, '\uffff'] })].map((x) => x.value);
  }

  violation(policy: string, e: EdgeKey): Violation | undefined {
    return this.violationsDb.get([policy, edgeKeyString(e)]);
  }

  /** Review decisions on violations (call inside a store transaction). */
  setReview(policy: string, edges: EdgeKey[], review: NonNullable<Violation['review']>): void {
    for (const e of edges) {
      const ks = edgeKeyString(e);
      const v = this.violationsDb.get([policy, ks]);
      if (v) void this.violationsDb.put([policy, ks], { ...v, review });
    }
  }

  /** Rule hits since monitor mode last started, by rule id. */
  hits(policy: string): Map<string, RuleHits> {
    return new Map([...this.hitsDb.getRange({ start: [policy, ''], end: [policy, '\uffff'] })].map(({ key, value }) => [key[1], value]));
  }

  /** Monitor mode starts afresh: rule hits count from now. */
  async resetHits(policy: string): Promise<void> {
    const keys = [...this.hitsDb.getKeys({ start: [policy, ''], end: [policy, '\uffff'] })];
    await this.store.atomic(() => {
      for (const k of keys) void this.hitsDb.remove(k);
    });
  }
}
