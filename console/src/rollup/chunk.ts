/**
 * One time bucket (a UTC day or an hour): for every edge active in it, flows, records, packets and
 * bytes (both directions) and the first/last time seen. Columnar typed arrays with an open-
 * addressing index edge → row, so a query over weeks walks a few million numbers. Rows are kept
 * sorted by edge id when loaded and re-sorted before persisting, so a pass over several chunks
 * touches per-edge arrays in ascending order (cache-friendly); rows added since stay appended.
 * Counts can go down (a conversation merged or re-oriented is retracted): a row with no records
 * left is inactive but kept.
 */
export class Chunk {
  size = 0;
  edge: Uint32Array;
  flows: Float64Array;
  records: Float64Array;
  packets: Float64Array;
  bytes: Float64Array;
  first: Float64Array;
  last: Float64Array;
  /** Rows with records > 0. */
  active = 0;
  private index: Int32Array; // row + 1, 0 = empty
  private mask: number;

  constructor(
    readonly bucket: number,
    capacity = 256,
  ) {
    this.edge = new Uint32Array(capacity);
    this.flows = new Float64Array(capacity);
    this.records = new Float64Array(capacity);
    this.packets = new Float64Array(capacity);
    this.bytes = new Float64Array(capacity);
    this.first = new Float64Array(capacity);
    this.last = new Float64Array(capacity);
    this.index = new Int32Array(indexSlots(capacity));
    this.mask = this.index.length - 1;
  }

  /**
   * Adds signed counts to the edge's row. Returns +1 when the row became active (records from 0
   * to above), -1 when it became inactive, 0 otherwise.
   */
  add(edge: number, flows: number, records: number, packets: number, bytes: number, first: number, last: number): number {
    let i = Math.imul(edge, 0x9e3779b1) & this.mask;
    for (;;) {
      const e = this.index[i]!;
      if (e === 0) break;
      const row = e - 1;
      if (this.edge[row] === edge) {
        const before = this.records[row]! > 0;
        this.flows[row] += flows;
        this.records[row] += records;
        this.packets[row] += packets;
        this.bytes[row] += bytes;
        if (first < this.first[row]!) this.first[row] = first;
        if (last > this.last[row]!) this.last[row] = last;
        const after = this.records[row]! > 0;
        if (before === after) return 0;
        this.active += after ? 1 : -1;
        return after ? 1 : -1;
      }
      i = (i + 1) & this.mask;
    }
    if (this.size === this.edge.length) {
      this.resize(this.edge.length * 2);
      return this.add(edge, flows, records, packets, bytes, first, last);
    }
    const row = this.size++;
    this.edge[row] = edge;
    this.flows[row] = flows;
    this.records[row] = records;
    this.packets[row] = packets;
    this.bytes[row] = bytes;
    this.first[row] = first;
    this.last[row] = last;
    this.index[i] = row + 1;
    if (records > 0) {
      this.active++;
      return 1;
    }
    return 0;
  }

  /** Row of an edge, or -1. */
  row(edge: number): number {
    let i = Math.imul(edge, 0x9e3779b1) & this.mask;
    for (;;) {
      const e = this.index[i]!;
      if (e === 0) return -1;
      if (this.edge[e - 1] === edge) return e - 1;
      i = (i + 1) & this.mask;
    }
  }

  private resize(cap: number): void {
    const g64 = (a: Float64Array) => {
      const x = new Float64Array(cap);
      x.set(a.subarray(0, Math.min(a.length, cap)));
      return x;
    };
    const e = new Uint32Array(cap);
    e.set(this.edge.subarray(0, this.size));
    this.edge = e;
    this.flows = g64(this.flows);
    this.records = g64(this.records);
    this.packets = g64(this.packets);
    this.bytes = g64(this.bytes);
    this.first = g64(this.first);
    this.last = g64(this.last);
    this.reindex(cap);
  }

  private reindex(cap: number): void {
    this.index = new Int32Array(indexSlots(cap));
    this.mask = this.index.length - 1;
    for (let row = 0; row < this.size; row++) {
      let i = Math.imul(this.edge[row]!, 0x9e3779b1) & this.mask;
      while (this.index[i] !== 0) i = (i + 1) & this.mask;
      this.index[i] = row + 1;
    }
  }

  /** Sorts rows by edge id (before persisting). */
  sort(): void {
    const n = this.size;
    let sorted = true;
    for (let r = 1; r < n && sorted; r++) if (this.edge[r - 1]! > this.edge[r]!) sorted = false;
    if (sorted) return;
    const order = new Uint32Array(n);
    for (let r = 0; r < n; r++) order[r] = r;
    const edge = this.edge;
    order.sort((a, b) => edge[a]! - edge[b]!);
    const perm = <T extends Float64Array | Uint32Array>(a: T): T => {
      const x = new (a.constructor as { new (n: number): T })(a.length);
      for (let r = 0; r < n; r++) x[r] = a[order[r]!]!;
      return x;
    };
    this.edge = perm(this.edge);
    this.flows = perm(this.flows);
    this.records = perm(this.records);
    this.packets = perm(this.packets);
    this.bytes = perm(this.bytes);
    this.first = perm(this.first);
    this.last = perm(this.last);
    this.reindex(this.edge.length);
  }

  /** The chunk as one blob: a 16-byte header (magic, bucket, rows) and the columns. */
  serialize(): Uint8Array {
    this.sort();
    const n = this.size;
    const out = new Uint8Array(16 + n * 4 + n * 8 * 6);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, 0x53434b31); // "SCK1"
    dv.setFloat64(4, this.bucket, true);
    dv.setUint32(12, n, true);
    out.set(new Uint8Array(this.edge.buffer, 0, n * 4), 16);
    let o = 16 + n * 4;
    for (const col of [this.flows, this.records, this.packets, this.bytes, this.first, this.last]) {
      out.set(new Uint8Array(col.buffer, 0, n * 8), o);
      o += n * 8;
    }
    return out;
  }

  static deserialize(blob: Uint8Array): Chunk {
    const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    if (dv.getUint32(0) !== 0x53434b31) throw new Error('not a rollup chunk');
    const bucket = dv.getFloat64(4, true);
    const n = dv.getUint32(12, true);
    // Columns of exactly the rows stored (a day of 10 M edges holds over a million: rounding up to
    // a power of two held up to twice the memory); a row added later grows them. Each column is one
    // byte copy from the blob, whose offset need not be aligned for the column's type.
    const c = new Chunk(bucket, Math.max(256, n));
    new Uint8Array(c.edge.buffer, 0, n * 4).set(blob.subarray(16, 16 + n * 4));
    let o = 16 + n * 4;
    for (const col of [c.flows, c.records, c.packets, c.bytes, c.first, c.last]) {
      new Uint8Array(col.buffer, 0, n * 8).set(blob.subarray(o, o + n * 8));
      o += n * 8;
    }
    c.size = n;
    for (let r = 0; r < n; r++) if (c.records[r]! > 0) c.active++;
    c.reindex(c.edge.length);
    return c;
  }

  get bytesHeld(): number {
    return this.edge.byteLength * 13 + this.index.byteLength;
  }
}

/** Index slots for `rows` rows: a power of two, at least twice the rows (linear probing stays short). */
function indexSlots(rows: number): number {
  let n = 512;
  while (n < rows * 2) n *= 2;
  return n;
}
