import { contribution } from './contribution.js';
import type { Deltas } from './deltas.js';
import type { ViewIndex } from './view-index.js';
import type { ViewRecord } from './view-record.js';

export interface MergeOptions {
  /** Clock skew allowed between views: records of one conversation from two views match when they overlap within this (ms). */
  skewMs: number;
}

export interface FoldCounters {
  /** Records that joined another view's record of the same conversation. */
  merged: number;
  /** Records delivered again (same view, conversation and start): ignored. */
  repeated: number;
}

/**
 * Folds view records into the edge tables, one conversation counted once: a record is linked to the
 * records of OTHER views (probes, VLANs, interfaces) of the same conversation key that overlap it in
 * time within the skew; linked records form a conversation (connected components, so the answer
 * does not depend on arrival order), whose contribution (contribution.ts) replaces the
 * contributions of the pieces it joined. Runs inside the ingest transaction.
 */
export class Fold {
  readonly counters: FoldCounters = { merged: 0, repeated: 0 };

  constructor(
    private readonly index: ViewIndex,
    private readonly opts: MergeOptions,
    private readonly nextClusterId: () => number,
  ) {}

  apply(r: ViewRecord, out: Deltas): void {
    if (r.k === '') {
      out.add(contribution([r]), 1); // a version 1 aggregate: counted as delivered
      return;
    }
    const skew = this.opts.skewMs;
    const near = this.index.overlapping(r.k, r.first - skew, r.last + skew);
    const linked: ViewRecord[] = [];
    for (const c of near) {
      if (c.view === r.view) {
        if (c.first === r.first) {
          this.counters.repeated++;
          return;
        }
        continue; // two records of one view never merge by themselves
      }
      linked.push(c);
    }
    if (linked.length === 0) {
      this.index.put(r);
      out.addRecord(r); // = contribution([r]), without building it
      return;
    }
    // The pieces r joins: whole clusters, and records still alone.
    const groups = new Map<string, ViewRecord[]>();
    for (const c of linked) {
      const g = c.cl === 0 ? `r:${c.first}|${c.view}` : `c:${c.cl}`;
      if (groups.has(g)) continue;
      groups.set(g, c.cl === 0 ? [c] : this.index.members(c.cl));
    }
    const all: ViewRecord[] = [r];
    let id = 0;
    for (const g of groups.values()) {
      out.add(contribution(g), -1);
      for (const m of g) {
        all.push(m);
        if (m.cl > 0 && (id === 0 || m.cl < id)) id = m.cl;
      }
    }
    if (id === 0) id = this.nextClusterId();
    let first = Infinity;
    let last = -Infinity;
    for (const m of all) {
      if (m.cl > 0 && m.cl !== id) this.index.removeCluster(m.cl);
      if (m.cl !== id) {
        m.cl = id;
        this.index.put(m);
      }
      if (m.first < first) first = m.first;
      if (m.last > last) last = m.last;
    }
    this.index.putCluster(id, { k: r.k, first, last });
    this.counters.merged++;
    out.add(contribution(all), 1);
  }
}
