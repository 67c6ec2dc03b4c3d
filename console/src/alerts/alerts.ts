import type { Database } from 'lmdb';
import type { ConsoleStore } from '../store/console-store.js';
import type { EdgeKey } from '../catalog/catalog.js';
import type { IngestResult, TransactionHook } from '../ingest/batch-writer.js';
import { edgeKeyString } from '../review/reviews.js';

export interface Alert extends EdgeKey {
  policy: string;
  policyName: string;
  flows: number;
  firstSeen: number;
  lastSeen: number;
  raisedAt: number;
  status: 'new' | 'reviewed';
}

/** What alerts need of the policies: the ones in monitor mode, and whether one allows an edge. */
export interface MonitoredPolicies {
  monitored(): Array<{ id: string; name: string }>;
  allows(policyId: string, k: EdgeKey): boolean;
}

/**
 * Continuous validation: an edge new to the console outside a policy in monitor mode raises an
 * alert (one per edge, not per flow) that stays until reviewed. Raised inside the ingest
 * transaction, so an acknowledged batch's alerts are never missing.
 */
export class Alerts implements TransactionHook {
  constructor(
    private readonly store: ConsoleStore,
    private readonly policies: MonitoredPolicies,
  ) {}

  private get db(): Database<Alert, string> {
    return this.store.db<Alert, string>('alerts');
  }

  inTransaction(result: IngestResult, now: number): void {
    if (result.applied.length === 0) return;
    const monitored = this.policies.monitored();
    if (monitored.length === 0) return;
    for (const { created, delta } of result.edges) {
      let flows = 0;
      let first = Infinity;
      let last = -Infinity;
      for (const h of delta.hours.values()) {
        flows += h.flows;
        if (h.first < first) first = h.first;
        if (h.last > last) last = h.last;
      }
      if (flows === 0 && first === Infinity) continue; // a retraction only
      const k: EdgeKey = { src: delta.src, dst: delta.dst, proto: delta.proto, port: delta.port };
      const ks = edgeKeyString(k);
      for (const p of monitored) {
        if (this.policies.allows(p.id, k)) continue;
        const a = this.db.get(ks);
        if (created && !a) {
          void this.db.put(ks, { ...k, policy: p.id, policyName: p.name, flows, firstSeen: first, lastSeen: last, raisedAt: now, status: 'new' });
        } else if (a && a.policy === p.id) void this.db.put(ks, { ...a, flows: a.flows + flows, lastSeen: Math.max(a.lastSeen, last) });
      }
    }
  }

  /** Marks the alerts of these edges reviewed (inside the caller's transaction). */
  markReviewed(edges: EdgeKey[]): void {
    for (const e of edges) {
      const ks = edgeKeyString(e);
      const a = this.db.get(ks);
      if (a) void this.db.put(ks, { ...a, status: 'reviewed' });
    }
  }

  openCount(): number {
    let n = 0;
    for (const { value } of this.db.getRange({})) if (value.status === 'new') n++;
    return n;
  }

  list(status?: Alert['status']): Alert[] {
    return [...this.db.getRange({})]
      .map((x) => x.value)
      .filter((a) => !status || a.status === status)
      .sort((a, b) => b.raisedAt - a.raisedAt);
  }
}
