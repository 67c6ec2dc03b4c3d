import type { Database } from 'lmdb';
import { Chunk } from './chunk.js';
import { EdgeTotals } from './totals.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export type ChunkKey = [string, number];

export interface RollupOptions {
  /** Hour chunks held in memory at most (rows, all hours together); least recently used go first. */
  hourRowBudget: number;
}

/**
 * The pre-aggregated history the queries run on: edge × day chunks (all in memory; the matrix and
 * edge lists over weeks), edge × hour chunks (recent and recently used ones in memory, the rest read
 * on demand: partial days at a range's ends), and per-edge totals. Persisted as one blob per chunk
 * at checkpoints (rollup-store.ts replays the journal written since), so a start reads a few dozen
 * blobs instead of scanning history.
 */
export class Rollup {
  readonly totals = new EdgeTotals();
  private readonly days = new Map<number, Chunk>();
  private sortedDays: number[] = [];
  private readonly hours = new Map<number, Chunk>();
  private hourRows = 0;
  private readonly dirtyDays = new Set<number>();
  private readonly dirtyHours = new Set<number>();
  /** Bumps on every change (caches key on it). */
  version = 0;
  /** Days before this were dropped by retention: rows for them (a late record, a journal replay) are ignored. */
  floorDay = -Infinity;

  constructor(
    private readonly db: () => Database<Uint8Array, ChunkKey>,
    private readonly opts: RollupOptions,
  ) {}

  private get blobs(): Database<Uint8Array, ChunkKey> {
    return this.db();
  }

  /** Reads every day chunk and derives the totals (start); `edges`: how many the catalog holds, to size the totals once. */
  load(edges = 0): void {
    this.totals.reserve(edges);
    for (const { value } of this.blobs.getRange({ start: ['d', -Infinity], end: ['d', Infinity] })) {
      const c = Chunk.deserialize(value);
      this.days.set(c.bucket, c);
      this.totals.addChunk(c);
    }
    this.sortedDays = [...this.days.keys()].sort((a, b) => a - b);
    this.version++;
  }

  /** Adds signed counts of one edge in one hour (ingest, and journal replay at start). */
  apply(edge: number, hour: number, flows: number, records: number, packets: number, bytes: number, first: number, last: number): void {
    const day = Math.floor(hour / 24);
    if (day < this.floorDay) return;
    let d = this.days.get(day);
    if (!d) {
      d = new Chunk(day);
      this.days.set(day, d);
      this.sortedDays = [...this.days.keys()].sort((a, b) => a - b);
    }
    const dayDelta = d.add(edge, flows, records, packets, bytes, first, last);
    this.totals.add(edge, flows, records, packets, bytes, first, last, dayDelta);
    // A day row whose conversations all moved away: the edge's first/last come from its active days only.
    if (dayDelta < 0) this.recomputeTimes(edge);
    const h = this.hour(hour, true)!;
    const before = h.size;
    h.add(edge, flows, records, packets, bytes, first, last);
    this.hourRows += h.size - before;
    this.dirtyDays.add(day);
    this.dirtyHours.add(hour);
    this.version++;
  }

  private recomputeTimes(edge: number): void {
    let first = Infinity;
    let last = -Infinity;
    for (const c of this.days.values()) {
      const r = c.row(edge);
      if (r < 0 || !(c.records[r]! > 0)) continue;
      if (c.first[r]! < first) first = c.first[r]!;
      if (c.last[r]! > last) last = c.last[r]!;
    }
    this.totals.first[edge] = first;
    this.totals.last[edge] = last;
  }

  /** Day chunks d with fromDay <= d < toDay, in day order. */
  *between(fromDay: number, toDay: number): Generator<Chunk> {
    for (const d of this.sortedDays) {
      if (d < fromDay) continue;
      if (d >= toDay) break;
      yield this.days.get(d)!;
    }
  }

  /** Hour chunks of [fromHour, toHour) that have data, read from the store when not held. */
  hoursBetween(fromHour: number, toHour: number): Chunk[] {
    const out: Chunk[] = [];
    for (let h = fromHour; h < toHour; h++) {
      if (!this.days.has(Math.floor(h / 24))) {
        h = (Math.floor(h / 24) + 1) * 24 - 1; // no data that day
        continue;
      }
      const c = this.hour(h, false);
      if (c) out.push(c);
    }
    this.evict();
    return out;
  }

  /** First and last day with active rows, as ms bounds, or null when empty. */
  span(): { from: number; to: number } | null {
    let from: number | null = null;
    let to: number | null = null;
    for (const d of this.sortedDays) {
      if (this.days.get(d)!.active === 0) continue;
      if (from === null) from = d;
      to = d;
    }
    return from === null ? null : { from: from * DAY_MS, to: (to! + 1) * DAY_MS };
  }

  /** Days with any active row. */
  activeDays(): number[] {
    return this.sortedDays.filter((d) => this.days.get(d)!.active > 0);
  }

  get dayRows(): number {
    let n = 0;
    for (const c of this.days.values()) n += c.size;
    return n;
  }

  get bytesHeld(): number {
    let n = this.totals.bytesHeld;
    for (const c of this.days.values()) n += c.bytesHeld;
    for (const c of this.hours.values()) n += c.bytesHeld;
    return n;
  }

  private hour(h: number, create: boolean): Chunk | null {
    let c = this.hours.get(h);
    if (c) {
      this.hours.delete(h); // most recently used last
      this.hours.set(h, c);
      return c;
    }
    const blob = this.blobs.get(['h', h]);
    if (blob) c = Chunk.deserialize(blob);
    else if (create) c = new Chunk(h);
    else return null;
    this.hours.set(h, c);
    this.hourRows += c.size;
    return c;
  }

  private evict(): void {
    for (const [h, c] of this.hours) {
      if (this.hourRows <= this.opts.hourRowBudget) break;
      if (this.dirtyHours.has(h)) continue;
      this.hours.delete(h);
      this.hourRows -= c.size;
    }
  }

  /** Writes the chunks changed since the last checkpoint (inside a transaction); returns what was written. */
  writeDirty(): { days: number[]; hours: number[] } {
    const days = [...this.dirtyDays];
    const hours = [...this.dirtyHours];
    for (const d of days) {
      const c = this.days.get(d);
      if (c) void this.blobs.put(['d', d], c.serialize());
      else void this.blobs.remove(['d', d]);
    }
    for (const h of hours) {
      const c = this.hours.get(h);
      if (c) void this.blobs.put(['h', h], c.serialize());
    }
    return { days, hours };
  }

  /**
   * After the checkpoint transaction committed: those chunks are clean. Checkpoints run in the
   * ingester's queue, so nothing changed them between writeDirty() and the commit.
   */
  written(w: { days: number[]; hours: number[] }): void {
    for (const d of w.days) this.dirtyDays.delete(d);
    for (const h of w.hours) this.dirtyHours.delete(h);
    this.evict();
  }

  /** Chunks changed since the last checkpoint. */
  get dirty(): number {
    return this.dirtyDays.size + this.dirtyHours.size;
  }

  /** Retention: forgets days and hours before `day` (their blobs go in the caller's transaction). */
  dropBefore(day: number): { days: number[] } {
    const dropped: number[] = [];
    for (const d of this.sortedDays) {
      if (d >= day) break;
      const c = this.days.get(d)!;
      for (let r = 0; r < c.size; r++)
        this.totals.add(c.edge[r]!, -c.flows[r]!, -c.records[r]!, -c.packets[r]!, -c.bytes[r]!, Infinity, -Infinity, c.records[r]! > 0 ? -1 : 0);
      this.days.delete(d);
      this.dirtyDays.delete(d);
      dropped.push(d);
    }
    for (const [h, c] of this.hours) {
      if (Math.floor(h / 24) >= day) continue;
      this.hours.delete(h);
      this.dirtyHours.delete(h);
      this.hourRows -= c.size;
    }
    this.sortedDays = [...this.days.keys()].sort((a, b) => a - b);
    if (day > this.floorDay) this.floorDay = day;
    this.version++;
    return { days: dropped };
  }
}
