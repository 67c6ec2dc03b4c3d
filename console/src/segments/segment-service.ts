import type { ConsoleStore } from '../store/console-store.js';
import type { EdgeModel } from '../matrix/model.js';
import type { Reviews } from '../review/reviews.js';
import type { SegmentDef } from './segments.js';

/**
 * The segment set: kept in the store (shared between consoles sharing one), applied to the model
 * (no re-ingest), every change audited.
 */
export class SegmentService {
  private segments: SegmentDef[] = [];

  constructor(
    private readonly store: ConsoleStore,
    private readonly model: EdgeModel,
    private readonly reviews: Reviews,
  ) {
    store.shared.names.add('segments');
    // Another console changed them: apply the new set here too.
    store.shared.onRemoteChange('segments', () => this.model.setSegments(this.load()));
  }

  /** Reads the segment set (start). Stores of an earlier version kept it in "meta". */
  load(): SegmentDef[] {
    this.segments =
      (this.store.db('segments').get('current') as SegmentDef[] | undefined) ?? (this.store.meta.get('segments') as SegmentDef[] | undefined) ?? [];
    return this.segments;
  }

  get(): SegmentDef[] {
    return this.segments;
  }

  async set(defs: SegmentDef[], by: string, now: number): Promise<void> {
    await this.store.db('segments').put('current', defs);
    this.segments = defs;
    this.model.setSegments(defs);
    await this.reviews.record({ at: now, by, action: 'segments', target: defs.map((d) => d.name), detail: defs });
  }
}
