import { HOUR_MS } from '../rollup/rollup.js';
import type { Chunk } from '../rollup/chunk.js';
import type { EdgeModel } from './model.js';

export interface Range {
  /** Inclusive start, ms, rounded down to the hour. */
  from: number;
  /** Exclusive end, ms, rounded up to the hour. */
  to: number;
}

/**
 * Per-edge totals over a time range. Whole UTC days come from the day chunks; the partial days at
 * either end from the hour chunks (held in memory, or read once and cached). Rows without records
 * (conversations merged away) do not count. Buffers are reused between queries (queries run one
 * at a time on the event loop); `touched` lists the edges with activity.
 */
export class Accumulator {
  flows = new Float64Array(0);
  packets = new Float64Array(0);
  bytes = new Float64Array(0);
  first = new Float64Array(0);
  last = new Float64Array(0);
  days = new Uint16Array(0);
  touched: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  count = 0;
  private stamp = new Uint32Array(0);
  private partial = new Uint8Array(0);
  private gen = 0;

  constructor(private readonly model: EdgeModel) {}

  run(range: Range): this {
    const fromHour = Math.floor(range.from / HOUR_MS);
    const toHour = Math.ceil(range.to / HOUR_MS);
    const span = this.model.rollup.span();
    // The range covers every day with data: the all-time totals are the answer.
    if (span && fromHour * HOUR_MS <= span.from && toHour * HOUR_MS >= span.to) return this.useTotals();
    this.restoreBuffers();
    this.reset(this.model.catalog.maxId);
    const firstFullDay = Math.ceil(fromHour / 24);
    const endFullDay = Math.floor(toHour / 24);
    if (firstFullDay < endFullDay) {
      // The hot loop: millions of rows for a month over a large site. Everything local, nothing called.
      const stamp = this.stamp;
      const gen = this.gen;
      const flows = this.flows;
      const packets = this.packets;
      const bytes = this.bytes;
      const first = this.first;
      const last = this.last;
      const days = this.days;
      const partial = this.partial;
      const touched = this.touched;
      let count = this.count;
      for (const c of this.model.rollup.between(firstFullDay, endFullDay)) {
        const ce = c.edge;
        const cr = c.records;
        const cf = c.flows;
        const cp = c.packets;
        const cb = c.bytes;
        const c1 = c.first;
        const c2 = c.last;
        for (let i = 0, n = c.size; i < n; i++) {
          if (!(cr[i]! > 0)) continue;
          const e = ce[i]!;
          if (stamp[e] !== gen) {
            stamp[e] = gen;
            flows[e] = cf[i]!;
            packets[e] = cp[i]!;
            bytes[e] = cb[i]!;
            first[e] = c1[i]!;
            last[e] = c2[i]!;
            days[e] = 1;
            partial[e] = 0;
            touched[count++] = e;
          } else {
            flows[e] += cf[i]!;
            packets[e] += cp[i]!;
            bytes[e] += cb[i]!;
            if (c1[i]! < first[e]!) first[e] = c1[i]!;
            if (c2[i]! > last[e]!) last[e] = c2[i]!;
            days[e]!++;
          }
        }
      }
      this.count = count;
      this.hours(fromHour, firstFullDay * 24, 1);
      this.hours(endFullDay * 24, toHour, 2);
    } else {
      this.hours(fromHour, toHour, 1);
    }
    return this;
  }

  /** Hour chunks of a partial day (or of a range shorter than a day): `bit` tells the days apart. */
  private hours(fromHour: number, toHour: number, bit: number): void {
    if (fromHour >= toHour) return;
    let dayBit = bit;
    let day = Math.floor(fromHour / 24);
    for (const c of this.model.rollup.hoursBetween(fromHour, toHour)) {
      const d = Math.floor(c.bucket / 24);
      if (d !== day) {
        day = d;
        dayBit = dayBit === 1 ? 2 : 4; // a range under two days can span a midnight
      }
      this.addHour(c, dayBit);
    }
  }

  private addHour(c: Chunk, dayBit: number): void {
    for (let i = 0; i < c.size; i++) {
      if (!(c.records[i]! > 0)) continue;
      const e = c.edge[i]!;
      this.touch(e);
      this.flows[e] += c.flows[i]!;
      this.packets[e] += c.packets[i]!;
      this.bytes[e] += c.bytes[i]!;
      if (c.first[i]! < this.first[e]!) this.first[e] = c.first[i]!;
      if (c.last[i]! > this.last[e]!) this.last[e] = c.last[i]!;
      if (!(this.partial[e]! & dayBit)) {
        this.partial[e] = this.partial[e]! | dayBit;
        this.days[e]!++;
      }
    }
  }

  // The range covers every day with data: the all-time totals are the answer (read-only views).
  private own: Pick<Accumulator, 'flows' | 'packets' | 'bytes' | 'first' | 'last' | 'days' | 'touched'> | null = null;

  private totalsCache: { version: number; ids: Uint32Array<ArrayBufferLike>; n: number } | null = null;

  private useTotals(): this {
    if (!this.own)
      this.own = { flows: this.flows, packets: this.packets, bytes: this.bytes, first: this.first, last: this.last, days: this.days, touched: this.touched };
    const t = this.model.rollup.totals;
    const version = this.model.version;
    if (this.totalsCache?.version !== version) this.totalsCache = { version, ...t.activeIds(this.model.catalog.maxId) };
    this.flows = t.flows;
    this.packets = t.packets;
    this.bytes = t.bytes;
    this.first = t.first;
    this.last = t.last;
    this.days = t.days;
    this.touched = this.totalsCache.ids;
    this.count = this.totalsCache.n;
    return this;
  }

  private restoreBuffers(): void {
    if (!this.own) return;
    Object.assign(this, this.own);
    this.own = null;
  }

  private touch(e: number): void {
    if (this.stamp[e] === this.gen) return;
    this.stamp[e] = this.gen;
    this.flows[e] = 0;
    this.packets[e] = 0;
    this.bytes[e] = 0;
    this.first[e] = Infinity;
    this.last[e] = -Infinity;
    this.days[e] = 0;
    this.partial[e] = 0;
    this.touched[this.count++] = e;
  }

  private reset(n: number): void {
    if (this.stamp.length < n) {
      const size = Math.max(n, this.stamp.length * 2, 1024);
      this.flows = new Float64Array(size);
      this.packets = new Float64Array(size);
      this.bytes = new Float64Array(size);
      this.first = new Float64Array(size);
      this.last = new Float64Array(size);
      this.days = new Uint16Array(size);
      this.touched = new Uint32Array(size);
      this.stamp = new Uint32Array(size);
      this.partial = new Uint8Array(size);
      this.gen = 0;
    }
    this.gen++;
    if (this.gen === 0xffffffff) {
      this.stamp.fill(0);
      this.gen = 1;
    }
    this.count = 0;
  }
}
