/**
 * Open-addressing index from an edge's (src host, dst host, protocol, port) to its id, over the
 * catalog's own typed arrays: no string or object per edge, so ten million edges load in a moment.
 */
export class EdgeHash {
  private table = new Int32Array(1 << 16).fill(-1);
  private mask = (1 << 16) - 1;
  private count = 0;

  constructor(private readonly cols: { src: Uint32Array; dst: Uint32Array; proto: Uint8Array; port: Uint16Array }) {}

  static hash(src: number, dst: number, pp: number): number {
    let h = Math.imul(src ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13) ^ dst, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 16) ^ pp, 0x27d4eb2f);
    return (h ^ (h >>> 15)) >>> 0;
  }

  find(src: number, dst: number, proto: number, port: number): number {
    const c = this.cols;
    let i = EdgeHash.hash(src, dst, (proto << 16) | port) & this.mask;
    for (;;) {
      const id = this.table[i]!;
      if (id < 0) return -1;
      if (c.src[id] === src && c.dst[id] === dst && c.proto[id] === proto && c.port[id] === port) return id;
      i = (i + 1) & this.mask;
    }
  }

  /** Indexes edge `id` (its columns must already be set). */
  insert(id: number): void {
    if ((this.count + 1) * 2 > this.table.length) this.grow();
    const c = this.cols;
    let i = EdgeHash.hash(c.src[id]!, c.dst[id]!, (c.proto[id]! << 16) | c.port[id]!) & this.mask;
    while (this.table[i]! >= 0) i = (i + 1) & this.mask;
    this.table[i] = id;
    this.count++;
  }

  /** Sizes the table for `n` edges at once (start: one pass instead of rehashing at every doubling). */
  reserve(n: number): void {
    let size = this.table.length;
    while (size < n * 2) size *= 2;
    if (size > this.table.length) this.rehash(size);
  }

  private grow(): void {
    this.rehash(this.table.length * 2);
  }

  private rehash(size: number): void {
    const old = this.table;
    this.table = new Int32Array(size).fill(-1);
    this.mask = this.table.length - 1;
    this.count = 0;
    for (const id of old) if (id >= 0) this.insert(id);
  }

  get bytes(): number {
    return this.table.byteLength;
  }
}
