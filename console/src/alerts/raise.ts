import type { EdgeKey } from '../catalog/catalog.js';
import type { IngestResult } from '../ingest/batch-writer.js';
import type { EdgeDelta } from '../merge/deltas.js';
import { edgeKeyString } from '../review/reviews.js';
import type { AlertStore } from './store.js';
import { STORM_SAMPLE, type Alert, type AlertReason, type EdgeAlertRef, type SourceState, type StormOptions } from './model.js';

/** What alerts need of the policies: the ones in monitor mode, and whether one allows an edge. */
export interface MonitoredPolicies {
  monitored(): Array<{ id: string; name: string }>;
  allows(policyId: string, k: EdgeKey): boolean;
}

export interface Segments {
  segmentOf(ip: string): string;
}

/** Traffic an ingest transaction added to one edge. */
interface Traffic {
  flows: number;
  first: number;
  last: number;
}

interface Candidate extends Traffic {
  k: EdgeKey;
  ks: string;
  policy: { id: string; name: string };
  srcSegment: string;
  dstSegment: string;
}

/** What one transaction raised (counted once it commits). */
export interface Raised {
  edges: number;
  storms: number;
  grouped: number;
  again: number;
}

function traffic(d: EdgeDelta): Traffic | null {
  let flows = 0;
  let first = Infinity;
  let last = -Infinity;
  for (const h of d.hours.values()) {
    flows += h.flows;
    if (h.first < first) first = h.first;
    if (h.last > last) last = h.last;
  }
  return flows === 0 && first === Infinity ? null : { flows, first, last }; // null: a retraction only
}

/**
 * Raising alerts inside the ingest transaction. An edge new to the console that a monitored
 * policy does not allow raises one alert (not one per flow); later traffic on it only adds to its
 * counts. It is raised again — a new alert that names the previous one — when it was dismissed and
 * the dismissal has expired, when its segments changed since it was dismissed, or when it was
 * allowed and is no longer. New edges from one source are grouped into a storm once that source
 * has `threshold` of them within `windowMs` of traffic time (all of one transaction's go together,
 * so a scan that arrives in one batch is one alert). Each new alert is queued for every sink in the
 * same transaction.
 */
export class Raiser {
  constructor(
    private readonly db: AlertStore,
    private readonly deps: { policies: MonitoredPolicies; segments: Segments; sinks: () => readonly string[]; storm: StormOptions },
  ) {}

  /**
   * Sinks this run queues for: none for batches applied from a store shared with other consoles
   * (origin "log"), which the console that received them delivers, so a sink gets each alert once.
   */
  private sinks: readonly string[] = [];

  run(result: IngestResult, now: number): Raised {
    const out: Raised = { edges: 0, storms: 0, grouped: 0, again: 0 };
    this.sinks = result.origin === 'receiver' ? this.deps.sinks() : [];
    if (result.applied.length === 0) return out;
    const monitored = this.deps.policies.monitored();
    if (monitored.length === 0) return out;
    const fresh: Candidate[] = [];
    for (const { created, delta } of result.edges) {
      const t = traffic(delta);
      if (!t) continue;
      const k: EdgeKey = { src: delta.src, dst: delta.dst, proto: delta.proto, port: delta.port };
      const ks = edgeKeyString(k);
      // Most edges of a transaction are old and never alerted: they are done before any policy is asked.
      const ref = this.db.edges.get(ks);
      if (!ref && !created) continue;
      const policy = monitored.find((p) => !this.deps.policies.allows(p.id, k));
      if (!policy) continue;
      const c: Candidate = { ...t, k, ks, policy, srcSegment: this.deps.segments.segmentOf(k.src), dstSegment: this.deps.segments.segmentOf(k.dst) };
      if (ref) {
        const a = this.db.get(ref.n);
        const why = a ? this.again(a, ref, c, now) : 'new-edge';
        if (a && !why) this.db.put(addTraffic(a, c));
        else {
          this.raise(c, why!, a?.id ?? null, now);
          out.again++;
        }
      } else fresh.push(c);
    }
    this.group(fresh, now, out);
    return out;
  }

  /** Why an edge with an alert raises a new one now, or null. */
  private again(a: Alert, ref: EdgeAlertRef, c: Candidate, now: number): AlertReason | null {
    if (a.kind === 'storm') return null;
    const moved = ref.srcSegment !== c.srcSegment || ref.dstSegment !== c.dstSegment;
    if (a.status === 'dismissed') return moved ? 'segment-changed' : (a.review?.until ?? 0) <= now ? 'dismissal-expired' : null;
    if (a.status === 'allowed') return moved ? 'segment-changed' : 'no-longer-allowed';
    return null;
  }

  private raise(c: Candidate, reason: AlertReason, previous: string | null, now: number): Alert {
    const n = this.db.nextNumber();
    const a: Alert = {
      id: String(n),
      kind: 'edge',
      ...c.k,
      srcSegment: c.srcSegment,
      dstSegment: c.dstSegment,
      policy: c.policy.id,
      policyName: c.policy.name,
      flows: c.flows,
      firstSeen: c.first,
      lastSeen: c.last,
      raisedAt: now,
      edges: 1,
      status: 'new',
      review: null,
      reason,
      previous,
    };
    this.db.put(a);
    void this.db.edges.put(c.ks, { n, srcSegment: c.srcSegment, dstSegment: c.dstSegment });
    this.db.enqueue(this.sinks, n, now);
    return a;
  }

  /** New edges: one alert each, or into their source's storm. */
  private group(fresh: Candidate[], now: number, out: Raised): void {
    const bySrc = new Map<string, Candidate[]>();
    for (const c of fresh) {
      let g = bySrc.get(c.k.src);
      if (!g) bySrc.set(c.k.src, (g = []));
      g.push(c);
    }
    const { threshold, windowMs } = this.deps.storm;
    // In time order (first seen, then key): alert numbers then follow the traffic, not the order
    // the merge happened to list edges in, so consoles that grouped the same batches into
    // different transactions number them alike.
    const byTime = (a: Candidate, b: Candidate) => a.first - b.first || (a.ks < b.ks ? -1 : a.ks > b.ks ? 1 : 0);
    for (const g of bySrc.values()) g.sort(byTime);
    for (const g of [...bySrc.values()].sort((a, b) => byTime(a[0]!, b[0]!))) {
      const src = g[0]!.k.src;
      let s: SourceState = this.db.sources.get(src) ?? { lastAt: -Infinity, count: 0, storm: null };
      if (g[0]!.first - s.lastAt > windowMs) s = { lastAt: s.lastAt, count: 0, storm: null };
      let storm = s.storm === null ? undefined : this.db.get(s.storm);
      if (!storm && s.count + g.length >= threshold) {
        storm = this.openStorm(g[0]!, now);
        s.storm = Number(storm.id);
        out.storms++;
      }
      if (storm) {
        for (const c of g) this.fold(storm, c);
        this.db.put(storm);
        out.grouped += g.length;
      } else {
        for (const c of g) this.raise(c, 'new-edge', null, now);
        s.count += g.length;
        out.edges += g.length;
      }
      s.lastAt = Math.max(s.lastAt, g.at(-1)!.first);
      void this.db.sources.put(src, s);
    }
  }

  private openStorm(c: Candidate, now: number): Alert {
    const n = this.db.nextNumber();
    const a: Alert = {
      id: String(n),
      kind: 'storm',
      src: c.k.src,
      dst: null,
      proto: null,
      port: null,
      srcSegment: c.srcSegment,
      dstSegment: null,
      policy: c.policy.id,
      policyName: c.policy.name,
      flows: 0,
      firstSeen: c.first,
      lastSeen: c.last,
      raisedAt: now,
      edges: 0,
      sample: [],
      dsts: 0,
      ports: 0,
      status: 'new',
      review: null,
      reason: 'storm',
      previous: null,
    };
    this.db.enqueue(this.sinks, n, now);
    return a;
  }

  private fold(storm: Alert, c: Candidate): void {
    const n = Number(storm.id);
    Object.assign(storm, addTraffic(storm, c));
    storm.edges++;
    if (storm.sample!.length < STORM_SAMPLE) storm.sample!.push(c.k);
    if (this.db.reach(n, 'd', c.k.dst)) storm.dsts!++;
    if (this.db.reach(n, 'p', `${c.k.proto}/${c.k.port}`)) storm.ports!++;
    void this.db.edges.put(c.ks, { n, srcSegment: c.srcSegment, dstSegment: c.dstSegment });
  }
}

function addTraffic(a: Alert, t: Traffic): Alert {
  return { ...a, flows: a.flows + t.flows, firstSeen: Math.min(a.firstSeen, t.first), lastSeen: Math.max(a.lastSeen, t.last) };
}
