import type { Database } from 'lmdb';
import type { ConsoleStore } from './store/console-store.js';
import type { Rollup, ChunkKey } from './rollup/rollup.js';
import { DAY_MS } from './rollup/rollup.js';
import type { Catalog } from './catalog/catalog.js';
import { bucketKey, bucketOf } from './merge/view-codec.js';
import { VIEWS_DB } from './merge/view-migrate.js';
import { RUNS_DB, RUN_META_DB, STAGED_DB } from './ingest/batch-writer.js';

export interface RetentionOptions {
  /** History older than this many days is dropped (null: kept). */
  days: number | null;
  /** Disk budget for the store: over it, the oldest days go first (null: none). */
  maxBytes: number | null;
}

export interface RetentionCounters {
  /** Days of history dropped (age or disk budget), hour buckets and merge-index records pruned. */
  daysDropped: number;
  daysDroppedForSpace: number;
  hourBuckets: number;
  mergeRecords: number;
  /** The first day kept, ms (null until something was dropped). */
  keptFrom: number | null;
  runs: number;
}

/** Work per slice between ingest transactions (keys visited). */
const SLICE = 50_000;

/**
 * Retention: drops history older than `store.retentionDays` (and, over `store.maxBytes`, the oldest
 * days until under it) — the day and hour chunks at once, then, a slice at a time between ingest
 * transactions, the per-edge hour buckets and the merge index's old records. Counted, never
 * silent. What the long-tail analysis learned about an edge (its period, when it is next
 * expected, when it was last seen) stays in the analysis labels.
 */
export class Retention {
  readonly counters: RetentionCounters = { daysDropped: 0, daysDroppedForSpace: 0, hourBuckets: 0, mergeRecords: 0, keptFrom: null, runs: 0 };
  private lastCheck = -Infinity;
  /** Where pruning stands: the next edge for hour buckets, the next merge-index key (null: from the start), and whether that walk is done. */
  private cursor: { hours: number; viewsDone: boolean } = { hours: 0, viewsDone: false };
  /** Whether the merge index's staged records were flushed since this walk began. */
  private viewsFlushed = false;
  /** Whether no run holds records older than the cutoff any more. */
  private runsDone = false;

  constructor(
    private readonly store: ConsoleStore,
    private readonly parts: {
      rollup: Rollup;
      catalog: Catalog;
      /** The merge index's staged records and runs (its B-tree is pruned here). */
      views?: {
        /** Writes the staged records as a run (before the old records are pruned). */
        flush(): Promise<void>;
        /** Drops the records of hours before `bucket` from one run; null when no run holds any. */
        pruneRuns(bucket: number): Promise<number | null>;
      };
    },
    private readonly opts: RetentionOptions,
    private readonly now: () => number = Date.now,
  ) {}

  private get meta(): Database<unknown, string> {
    return this.store.meta;
  }

  /** Reads where pruning stands (start). */
  load(): void {
    const saved = this.meta.get('retention') as { counters: RetentionCounters; hours: number; viewsDone: boolean } | undefined;
    if (saved) {
      Object.assign(this.counters, saved.counters);
      this.cursor = { hours: saved.hours, viewsDone: saved.viewsDone };
    }
    if (this.counters.keptFrom !== null) this.parts.rollup.floorDay = Math.floor(this.counters.keptFrom / DAY_MS);
  }

  /** Records that ended before this are older than what is kept: refused at ingest (counted). */
  get floor(): number {
    return this.counters.keptFrom ?? -Infinity;
  }

  /** Between ingest transactions: decides the cutoff (at most once a minute) and prunes a slice. */
  async run(): Promise<void> {
    if (this.opts.days === null && this.opts.maxBytes === null) return;
    const now = this.now();
    if (now - this.lastCheck >= 60_000) {
      this.lastCheck = now;
      await this.dropDays(now);
    }
    if (this.counters.keptFrom !== null) await this.pruneSlice(this.counters.keptFrom);
  }

  private async dropDays(now: number): Promise<void> {
    const days = this.parts.rollup.activeDays();
    if (days.length === 0) return;
    let cutoff = this.opts.days === null ? -Infinity : Math.floor(now / DAY_MS) - this.opts.days + 1;
    let forSpace = 0;
    if (this.opts.maxBytes !== null && this.usedBytes() > this.opts.maxBytes) {
      // Over the budget: the oldest remaining day goes (one per check; freed pages are reused by LMDB).
      const oldest = days.find((d) => d >= cutoff);
      if (oldest !== undefined && oldest < days.at(-1)!) {
        cutoff = oldest + 1;
        forSpace = 1;
      }
    }
    if (cutoff <= days[0]!) return;
    const { days: dropped } = this.parts.rollup.dropBefore(cutoff);
    const blobs = this.store.db<Uint8Array, ChunkKey>('chunks', 'binary');
    await this.store.atomic(() => {
      for (const d of dropped) void blobs.remove(['d', d]);
      const hourBlobs = [...blobs.getKeys({ start: ['h', -Infinity], end: ['h', cutoff * 24] })];
      for (const key of hourBlobs) void blobs.remove(key);
    });
    this.counters.daysDropped += dropped.length;
    this.counters.daysDroppedForSpace += forSpace ? dropped.length : 0;
    this.counters.keptFrom = cutoff * DAY_MS;
    this.cursor = { hours: 0, viewsDone: false };
    this.viewsFlushed = false;
    this.runsDone = false;
    this.counters.runs++;
    await this.save();
  }

  /** Prunes a slice of per-edge hour buckets, then of the merge index, older than the cutoff. */
  private async pruneSlice(keptFrom: number): Promise<void> {
    const max = this.parts.catalog.maxId;
    if (this.cursor.hours >= max && this.cursor.viewsDone) {
      // Last, the runs, one per slice.
      if (this.runsDone) return;
      const n = (await this.parts.views?.pruneRuns(bucketOf(keptFrom))) ?? null;
      if (n === null) this.runsDone = true;
      else this.counters.mergeRecords += n;
      await this.save();
      return;
    }
    if (this.cursor.hours >= max && !this.viewsFlushed) {
      // The staged records join the index first, so that the old ones are pruned too.
      await this.parts.views?.flush();
      this.viewsFlushed = true;
    }
    const cutHour = Math.floor(keptFrom / 3_600_000);
    const hours = this.store.db<Buffer, [number, number]>('edge-hours', 'binary');
    const views = this.store.db<Buffer, Buffer>(VIEWS_DB, 'binary', 'binary');
    await this.store.atomic(() => {
      let visited = 0;
      while (this.cursor.hours < max && visited < SLICE) {
        const e = this.cursor.hours++;
        visited++;
        const old = [...hours.getKeys({ start: [e, -Infinity], end: [e, cutHour] })]; // collected before removing
        for (const key of old) void hours.remove(key);
        this.counters.hourBuckets += old.length;
        visited += old.length;
      }
      if (this.cursor.hours < max || this.cursor.viewsDone || !this.viewsFlushed) return; // the next slice flushes first
      // The merge index is ordered by start hour (merge/view-codec.ts): drop a slice from its start.
      const old = [...views.getKeys({ end: bucketKey(bucketOf(keptFrom)), limit: SLICE })].map((k) => Buffer.from(k));
      for (const key of old) void views.remove(key);
      this.counters.mergeRecords += old.length;
      this.cursor.viewsDone = old.length < SLICE;
    });
    await this.save();
  }

  private usedBytes(): number {
    let pages = 0;
    const s = this.store.env.getStats() as { pageSize: number; treeBranchPageCount: number; treeLeafPageCount: number; overflowPages: number };
    const names = ['chunks', 'edge-hours', VIEWS_DB, STAGED_DB, RUNS_DB, RUN_META_DB, 'edge-details', 'journal', 'catalog', 'analysis', 'dedupe'];
    for (const n of names) {
      const d = this.store.raw(n).getStats() as { treeBranchPageCount: number; treeLeafPageCount: number; overflowPages: number };
      pages += d.treeBranchPageCount + d.treeLeafPageCount + d.overflowPages;
    }
    return (pages + s.treeBranchPageCount + s.treeLeafPageCount + s.overflowPages) * (s.pageSize || 4096);
  }

  private async save(): Promise<void> {
    await this.meta.put('retention', { counters: this.counters, hours: this.cursor.hours, viewsDone: this.cursor.viewsDone });
  }
}
