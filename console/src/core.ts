import type { ConsoleStore, IngestResult } from './store/console-store.js';
import { EdgeModel } from './matrix/model.js';
import { QueryEngine } from './matrix/query.js';
import { Reviews } from './review/reviews.js';
import type { SegmentDef } from './segments/segments.js';
import { Analyzer } from './analysis/analyzer.js';
import { Policies } from './policy/policies.js';

/**
 * The console's analysis state over a store: the in-memory edge model, segments, reviews and the
 * query engine. Shared by the running console and by tests that drive the API through app.request().
 */
export class ConsoleCore {
  readonly model: EdgeModel;
  readonly reviews: Reviews;
  readonly query: QueryEngine;
  readonly analyzer: Analyzer;
  readonly policies: Policies;
  private segments: SegmentDef[];
  private segmentProbesCache: { version: number; map: Map<string, Set<string>> } | null = null;

  constructor(readonly store: ConsoleStore) {
    this.segments = (store.meta.get('segments') as SegmentDef[] | undefined) ?? [];
    this.model = new EdgeModel(store);
    this.model.load(this.segments);
    this.reviews = new Reviews(store);
    this.query = new QueryEngine(this.model, store, this.reviews);
    this.analyzer = new Analyzer(this.model, store);
    this.query.labels = this.analyzer;
    this.policies = new Policies(store, this);
  }

  /** Which probes carried each segment's traffic (for coverage gaps); cached per data version. */
  segmentProbes(): Map<string, Set<string>> {
    if (this.segmentProbesCache?.version === this.model.version) return this.segmentProbesCache.map;
    const map = new Map<string, Set<string>>();
    for (const e of this.store.allEdges()) {
      for (const seg of [this.model.segmentOf(e.src), this.model.segmentOf(e.dst)]) {
        if (!map.has(seg)) map.set(seg, new Set());
        for (const p of e.probes) map.get(seg)!.add(p);
      }
    }
    this.segmentProbesCache = { version: this.model.version, map };
    return map;
  }

  getSegments(): SegmentDef[] {
    return this.segments;
  }

  async setSegments(defs: SegmentDef[], by: string, now = Date.now()): Promise<void> {
    await this.store.meta.put('segments', defs);
    this.segments = defs;
    this.model.setSegments(defs);
    await this.reviews.record({ at: now, by, action: 'segments', target: defs.map((d) => d.name), detail: defs });
  }

  /** After each ingest commit: the model first, then monitor mode sees the new flows. */
  async applyIngest(result: IngestResult, now = Date.now()): Promise<void> {
    this.model.applyIngest(result, result.applied);
    await this.policies.onIngest(result, now);
  }
}
