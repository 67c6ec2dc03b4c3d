import type { EdgeLabels, LabelSource } from '../matrix/query.js';
import type { RelatedConnections } from './related.js';

/**
 * The query engine's labels with related connections on top: a recognised data edge is named by
 * its kind ("msrpc-dynamic", "ftp-data", ...) instead of by its port, which has no service of its
 * own. Everything else (period, infrastructure) comes from the long-tail analysis.
 */
export class RelatedLabels implements LabelSource {
  constructor(
    private readonly inner: LabelSource,
    private readonly related: RelatedConnections,
  ) {}

  labels(edge: number): EdgeLabels | null {
    const l = this.inner.labels(edge);
    const service = this.related.service(edge);
    if (service === null) return l;
    return { ...(l ?? { period: null, nextExpected: null, confidence: null }), service };
  }

  activity(edge: number): { activeHours: number; activeDays: number } | null {
    return this.inner.activity?.(edge) ?? null;
  }
}
