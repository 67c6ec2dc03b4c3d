export const DAY_MS = 86_400_000;

/**
 * One UTC day: for every edge active that day, its flows, packets and bytes (both directions) and
 * the first/last time seen. Columnar typed arrays plus an open-addressing index edge → row, so a
 * query over a multi-week window walks a few million numbers instead of LMDB.
 */
export class DayChunk {
  size = 0;
  edge: Uint32Array;
  flows: Float64Array;
  packets: Float64Array;
  bytes: Float64Array;
  first: Float64Array;
  last: Float64Array;
  private index: Int32Array; // row + 1, 0 = empty
  private mask: number;

  constructor(
    readonly day: number,
    capacity = 256,
  ) {
    this.edge = new Uint32Array(capacity);
    this.flows = new Float64Array(capacity);
    this.packets = new Float64Array(capacity);
    this.bytes = new Float64Array(capacity);
    this.first = new Float64Array(capacity);
    this.last = new Float64Array(capacity);
    this.index = new Int32Array(capacity * 2);
    this.mask = capacity * 2 - 1;
  }

  /** Adds to the edge's row; returns true when the edge had no row yet on this day. */
  add(edge: number, flows: number, packets: number, bytes: number, first: number, last: number): boolean {
    let i = Math.imul(edge, 0x9e3779b1) & this.mask;
    for (;;) {
      const e = this.index[i]!;
      if (e === 0) break;
      const row = e - 1;
      if (this.edge[row] === edge) {
        this.flows[row] += flows;
        this.packets[row] += packets;
        this.bytes[row] += bytes;
        if (first < this.first[row]!) this.first[row] = first;
        if (last > this.last[row]!) this.last[row] = last;
        return false;
      }
      i = (i + 1) & this.mask;
    }
    if (this.size === this.edge.length) {
      this.grow();
      return this.add(edge, flows, packets, bytes, first, last);
    }
    const row = this.size++;
    this.edge[row] = edge;
    this.flows[row] = flows;
    this.packets[row] = packets;
    this.bytes[row] = bytes;
    this.first[row] = first;
    this.last[row] = last;
    this.index[i] = row + 1;
    return true;
  }

  private grow(): void {
    const cap = this.edge.length * 2;
    const g64 = (a: Float64Array) => {
      const x = new Float64Array(cap);
      x.set(a);
      return x;
    };
    const e = new Uint32Array(cap);
    e.set(this.edge);
    this.edge = e;
    this.flows = g64(this.flows);
    this.packets = g64(this.packets);
    this.bytes = g64(this.bytes);
    this.first = g64(this.first);
    this.last = g64(this.last);
    this.index = new Int32Array(cap * 2);
    this.mask = cap * 2 - 1;
    for (let row = 0; row < this.size; row++) {
      let i = Math.imul(this.edge[row]!, 0x9e3779b1) & this.mask;
      while (this.index[i] !== 0) i = (i + 1) & this.mask;
      this.index[i] = row + 1;
    }
  }
}

/**
 * Per-edge totals over all time, kept exactly at ingest: a query whose range covers all the data
 * (the usual "whole observation window") reads these instead of walking the days.
 */
export class EdgeTotals {
  flows = new Float64Array(1024);
  packets = new Float64Array(1024);
  bytes = new Float64Array(1024);
  first = new Float64Array(1024).fill(Infinity);
  last = new Float64Array(1024).fill(-Infinity);
  days = new Uint16Array(1024);
  /** Edges with any activity, in order of first activity. */
  active = new Uint32Array(1024);
  count = 0;

  add(edge: number, flows: number, packets: number, bytes: number, first: number, last: number, newDay: boolean): void {
    while (edge >= this.flows.length) this.grow();
    if (this.last[edge] === -Infinity) {
      if (this.count === this.active.length) {
        const a = new Uint32Array(this.active.length * 2);
        a.set(this.active);
        this.active = a;
      }
      this.active[this.count++] = edge;
    }
    this.flows[edge] += flows;
    this.packets[edge] += packets;
    this.bytes[edge] += bytes;
    if (first < this.first[edge]!) this.first[edge] = first;
    if (last > this.last[edge]!) this.last[edge] = last;
    if (newDay) this.days[edge]!++;
  }

  private grow(): void {
    const n = this.flows.length * 2;
    const g = (a: Float64Array, fillFrom: number) => {
      const x = new Float64Array(n).fill(fillFrom);
      x.set(a);
      return x;
    };
    this.flows = g(this.flows, 0);
    this.packets = g(this.packets, 0);
    this.bytes = g(this.bytes, 0);
    this.first = g(this.first, Infinity);
    this.last = g(this.last, -Infinity);
    const d = new Uint16Array(n);
    d.set(this.days);
    this.days = d;
  }
}

/** All days, in day order, plus the all-time totals. */
export class DayRollup {
  private readonly chunks = new Map<number, DayChunk>();
  private sortedDays: number[] = [];
  readonly totals = new EdgeTotals();

  add(edge: number, time: number, flows: number, packets: number, bytes: number, first: number, last: number): void {
    const day = Math.floor(time / DAY_MS);
    let c = this.chunks.get(day);
    if (!c) {
      c = new DayChunk(day);
      this.chunks.set(day, c);
      this.sortedDays = [...this.chunks.keys()].sort((a, b) => a - b);
    }
    const newDay = c.add(edge, flows, packets, bytes, first, last);
    this.totals.add(edge, flows, packets, bytes, first, last, newDay);
  }

  /** Chunks of days d with fromDay <= d < toDay. */
  *between(fromDay: number, toDay: number): Generator<DayChunk> {
    for (const d of this.sortedDays) {
      if (d < fromDay) continue;
      if (d >= toDay) break;
      yield this.chunks.get(d)!;
    }
  }

  /** First and last day with data, or null when empty. */
  span(): { from: number; to: number } | null {
    if (this.sortedDays.length === 0) return null;
    return { from: this.sortedDays[0]! * DAY_MS, to: (this.sortedDays.at(-1)! + 1) * DAY_MS };
  }

  get rows(): number {
    let n = 0;
    for (const c of this.chunks.values()) n += c.size;
    return n;
  }
}
