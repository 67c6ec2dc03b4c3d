import { SpanmapError } from '@spanmap/shared';
import type { EdgeKey } from '../catalog/catalog.js';
import type { AuditEntry } from '../review/reviews.js';
import type { Alerts } from './alerts.js';
import { STATUS_OF, type Alert, type AlertAction, type AlertReview } from './model.js';

const DAY = 86_400_000;

/** What triage needs of the policies: their would-be-blocked review path (allow opens the narrowest rule, as a new version). */
export interface ReviewPath {
  reviewViolations(
    id: string,
    edges: EdgeKey[],
    action: 'allow' | 'reject' | 'investigate',
    note: string,
    by: string,
    now: number,
  ): Promise<{ id: string; versions: unknown[] }>;
}

export interface TriageRequest {
  ids: string[];
  action: AlertAction;
  note: string;
  /** investigate: who looks into it (default: whoever triages). */
  owner?: string;
  /** dismiss: for how many days the edge is expected noise (default 7). */
  days?: number;
}

export interface TriageResult {
  alerts: Alert[];
  /** Policies changed by "allow", with their new version. */
  policies: Array<{ id: string; version: number }>;
}

/**
 * Triage of alerts, single or in bulk. allow, investigate and reject go through the policy's
 * would-be-blocked review (allow adds the narrowest rule that covers the edge as a new policy
 * version with the note; the violation takes the same decision); dismiss marks the alert expected
 * noise until a date (raise.ts raises it again after that, or when its segments change). Each call
 * is one audit entry, whose target is the edges, so it shows in each edge's review history.
 * A storm cannot be allowed (a scan is not a requirement); its other actions apply to the storm.
 */
export class Triage {
  constructor(
    private readonly deps: {
      alerts: Alerts;
      policies: ReviewPath;
      reviews: { record(e: AuditEntry): Promise<void> };
    },
  ) {}

  async review(req: TriageRequest, by: string, now: number): Promise<TriageResult> {
    const { alerts } = this.deps;
    const found = req.ids.map((id, i) => {
      const a = alerts.get(id);
      if (!a) throw new SpanmapError('not_found', `ids[${i}]: no alert "${id}"`, { field: `ids[${i}]` });
      return a;
    });
    const storms = found.filter((a) => a.kind === 'storm');
    if (req.action === 'allow' && storms.length > 0)
      throw new SpanmapError(
        'bad_request',
        `alert ${storms[0]!.id} is a storm (${storms[0]!.edges} new edges from ${storms[0]!.src}): a scan is not allowed as a whole; allow its edges from the policy's would-be-blocked queue`,
        { field: 'ids' },
      );
    const review: AlertReview = { action: req.action, note: req.note, by, at: now };
    if (req.action === 'investigate') review.owner = req.owner || by;
    if (req.action === 'dismiss') review.until = now + (req.days ?? 7) * DAY;

    const policies: TriageResult['policies'] = [];
    if (req.action !== 'dismiss') {
      const byPolicy = new Map<string, EdgeKey[]>();
      for (const a of found) {
        if (a.kind !== 'edge' || (req.action === 'allow' && a.status === 'allowed')) continue; // allowed already: no second version
        let g = byPolicy.get(a.policy);
        if (!g) byPolicy.set(a.policy, (g = []));
        g.push(edgeOf(a));
      }
      for (const [id, edges] of byPolicy) {
        const p = await this.deps.policies.reviewViolations(id, edges, req.action, req.note, by, now);
        if (req.action === 'allow') policies.push({ id: p.id, version: p.versions.length });
      }
      if (policies.length === 1) review.version = policies[0]!.version;
    }

    let updated: Alert[] = [];
    await alerts.db.atomic(() => {
      updated = alerts.setReview(
        found.map((a) => a.id),
        STATUS_OF[req.action],
        review,
      );
    });
    await this.deps.reviews.record({
      at: now,
      by,
      action: 'alert-review',
      target: found.filter((a) => a.kind === 'edge').map(edgeOf),
      detail: {
        status: `alert ${STATUS_OF[req.action]}`,
        action: req.action,
        note: req.note,
        alerts: found.map((a) => a.id),
        ...(review.owner ? { owner: review.owner } : {}),
        ...(review.until ? { until: review.until } : {}),
        ...(policies.length ? { policies } : {}),
        ...(storms.length ? { storms: storms.map((s) => ({ id: s.id, src: s.src, edges: s.edges })) } : {}),
      },
    });
    return { alerts: updated, policies };
  }
}

function edgeOf(a: Alert): EdgeKey {
  return { src: a.src, dst: a.dst!, proto: a.proto!, port: a.port! };
}
