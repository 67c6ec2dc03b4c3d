import type { ConsoleStore } from '../store/console-store.js';
import type { EdgeKey } from '../catalog/catalog.js';
import type { IngestResult, TransactionHook } from '../ingest/batch-writer.js';
import { edgeKeyString } from '../review/reviews.js';
import { AlertStore } from './store.js';
import { Raiser, type MonitoredPolicies, type Raised, type Segments } from './raise.js';
import { page, type AlertFilter, type AlertPage } from './query.js';
import { DEFAULT_STORM, STATUS_OF, type Alert, type AlertReview, type NameLookup, type StormOptions } from './model.js';

export type { Alert, MonitoredPolicies };

export interface AlertsOptions {
  /** Names of the configured sinks: each new alert is queued for each of them. */
  sinks: readonly string[];
  storm: StormOptions;
}

/**
 * Continuous validation: an edge new to the console outside a policy in monitor mode raises an
 * alert, raised inside the ingest transaction together with its outbox entries, so an
 * acknowledged batch's alerts are never missing and never lost on their way to the sinks (see
 * raise.ts for when an alert is raised, raised again or grouped into a storm). Triage is in
 * triage.ts; delivery in ../sinks.
 */
export class Alerts implements TransactionHook {
  readonly db: AlertStore;
  private readonly raiser: Raiser;
  /** Host names for alert rows (set by the names stage when there is one). */
  names: NameLookup | null = null;
  /** Raised since start (counted once the transaction that raised them commits). */
  readonly counters: Raised = { edges: 0, storms: 0, grouped: 0, again: 0 };
  private pending: Raised | null = null;

  constructor(
    store: ConsoleStore,
    policies: MonitoredPolicies,
    segments: Segments,
    private readonly opts: AlertsOptions = { sinks: [], storm: DEFAULT_STORM },
  ) {
    this.db = new AlertStore(store);
    this.raiser = new Raiser(this.db, { policies, segments, sinks: () => this.opts.sinks, storm: opts.storm });
  }

  get sinks(): readonly string[] {
    return this.opts.sinks;
  }

  /**
   * At start: alerts kept by the first version (one per edge, keyed by edge) are numbered in the
   * order they were raised; outbox entries of sinks no longer configured are dropped (returned, to
   * be logged).
   */
  async load(): Promise<Map<string, number>> {
    const legacy = [...this.db.legacy.getRange({})].map((x) => x.value);
    if (legacy.length > 0) {
      legacy.sort((a, b) => (a.raisedAt as number) - (b.raisedAt as number));
      await this.db.atomic(() => {
        for (const o of legacy) {
          const n = this.db.nextNumber();
          const k = o as unknown as EdgeKey & { policy: string; policyName: string; flows: number; firstSeen: number; lastSeen: number; raisedAt: number };
          const seg = { srcSegment: 'unassigned', dstSegment: 'unassigned' };
          this.db.put({
            id: String(n),
            kind: 'edge',
            src: k.src,
            dst: k.dst,
            proto: k.proto,
            port: k.port,
            ...seg,
            policy: k.policy,
            policyName: k.policyName,
            flows: k.flows,
            firstSeen: k.firstSeen,
            lastSeen: k.lastSeen,
            raisedAt: k.raisedAt,
            edges: 1,
            status: o.status === 'reviewed' ? 'reviewed' : 'new',
            review: null,
            reason: 'new-edge',
            previous: null,
          });
          void this.db.edges.put(edgeKeyString(k), { n, ...seg });
        }
        for (const k of this.db.legacy.getKeys({})) void this.db.legacy.remove(k);
      });
    }
    const dropped = new Map<string, number>();
    for (const [sink, n] of this.db.queuedSinks()) {
      if (this.opts.sinks.includes(sink)) continue;
      await this.db.dropSink(sink);
      dropped.set(sink, n);
    }
    return dropped;
  }

  inTransaction(result: IngestResult, now: number): void {
    this.pending = this.raiser.run(result, now);
  }

  /** After the ingest commit: what the transaction raised counts. */
  committed(): void {
    const p = this.pending;
    this.pending = null;
    if (!p) return;
    for (const k of Object.keys(p) as Array<keyof Raised>) this.counters[k] += p[k];
  }

  /**
   * The alerts of these edges were reviewed in a policy's would-be-blocked queue (inside the
   * caller's transaction): they take the decision when it is given, else "reviewed".
   */
  markReviewed(edges: EdgeKey[], review?: { action: 'allow' | 'reject' | 'investigate'; note: string; by: string; at: number }): void {
    for (const e of edges) {
      const ref = this.db.edges.get(edgeKeyString(e));
      const a = ref ? this.db.get(ref.n) : undefined;
      if (!a || a.kind === 'storm') continue;
      const r: AlertReview | null = review ? { action: review.action, note: review.note, by: review.by, at: review.at } : null;
      this.db.put({ ...a, status: review ? STATUS_OF[review.action] : 'reviewed', review: r ?? a.review });
    }
  }

  /** Sets the outcome of a triage on alerts (inside the caller's transaction). */
  setReview(ids: string[], status: Alert['status'], review: AlertReview): Alert[] {
    const out: Alert[] = [];
    for (const id of ids) {
      const a = this.db.get(Number(id));
      if (!a) continue;
      const b = { ...a, status, review };
      this.db.put(b);
      out.push(this.named(b));
    }
    return out;
  }

  openCount(): number {
    let n = 0;
    for (const { value } of this.db.alerts.getRange({})) if (value.status === 'new') n++;
    return n;
  }

  get(id: string): Alert | undefined {
    const n = Number(id);
    if (!/^\d{1,15}$/.test(id)) return undefined;
    const a = this.db.get(n);
    return a ? this.named(a) : undefined;
  }

  /** A page of alerts matching the filter. */
  query(f: AlertFilter, order: 'asc' | 'desc' = 'desc', offset = 0, limit = 1000): AlertPage {
    return page(
      this.db.all().map((a) => this.named(a)),
      f,
      order,
      offset,
      limit,
    );
  }

  /** All alerts (optionally of one status), newest first. */
  list(status?: Alert['status']): Alert[] {
    return this.query(status ? { status } : {}, 'desc', 0, Number.MAX_SAFE_INTEGER).rows;
  }

  /** With host names, when the names stage knows them (at the time of the alert's last traffic). */
  named(a: Alert): Alert {
    const n = this.names;
    if (!n) return a;
    return { ...a, srcName: n.nameAt(a.src, a.lastSeen), dstName: a.dst === null ? null : n.nameAt(a.dst, a.lastSeen) };
  }
}
