import { hashWords, type PacketBatch } from './packet-batch.js';
import { W_A, W_B, W_PORTS, W_META, WORDS, V6_WORDS, META_V6 } from './layout.js';

/**
 * Flow records (layout.ts) with their key index and the IPv6 address pool.
 *
 * Memory: records are allocated for the table's whole capacity up front and handed out densely
 * (a free list, last freed first), so only pages of records ever used become resident and a
 * full table never needs a second, larger copy. IPv6 addresses live in a pool of their own
 * (32 bytes per IPv6 flow, nothing for IPv4 flows). The index is open addressing with linear
 * probing at a load factor of at most 1/2 and backward-shift deletion (no tombstones); it
 * doubles as flows are added, so a small table keeps a small, cache-resident index. Each index
 * entry holds the key's hash beside the record number, so probing past other keys never loads
 * their records (each such load is a cache miss).
 *
 * Hot paths use the layout's offsets as literals (named in comments): V8 does not constant-fold
 * imported or module-level constants, and every use would cost a load and a check.
 */
export class FlowStore {
  i32: Int32Array;
  u32: Uint32Array;
  f64: Float64Array;
  capacity: number;
  /** IPv6 pool: entries of V6_WORDS, handed out densely like records. */
  v6: Int32Array;
  private v6Used = 0;
  private v6Free = -1;
  /** Pairs of (hash, record + 1); record 0 = empty. */
  private index: Int32Array;
  /** Entries - 1 (a power of two). */
  private mask: number;
  private indexed = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    const buf = new ArrayBuffer(capacity * WORDS * 4);
    this.i32 = new Int32Array(buf);
    this.u32 = new Uint32Array(buf);
    this.f64 = new Float64Array(buf);
    this.v6 = new Int32Array(Math.min(capacity, 4096) * V6_WORDS);
    const size = indexSize(Math.min(capacity, 32768));
    this.index = new Int32Array(size * 2);
    this.mask = size - 1;
  }

  /** Bytes used by the IPv6 pool (its high-water mark) and the index. */
  get sideBytes(): number {
    return this.v6Used * V6_WORDS * 4 + this.index.byteLength;
  }

  /** Moves the records into a larger allocation (only when the table was created smaller than its maximum). */
  grow(capacity: number): void {
    const buf = new ArrayBuffer(capacity * WORDS * 4);
    const i32 = new Int32Array(buf);
    i32.set(this.i32);
    this.i32 = i32;
    this.u32 = new Uint32Array(buf);
    this.f64 = new Float64Array(buf);
    this.capacity = capacity;
  }

  /**
   * Loads the index entries and the record of every packet in the batch, so their cache misses
   * overlap instead of stalling one packet at a time. Returns a value only to keep the loads alive.
   */
  touch(batch: PacketBatch): number {
    const index = this.index;
    const mask = this.mask;
    const i32 = this.i32;
    const hash = batch.hash;
    let x = 0;
    for (let i = 0, n = batch.length; i < n; i++) {
      const h = hash[i]!;
      for (let j = h & mask; ; j = (j + 1) & mask) {
        const e = index[2 * j + 1]!;
        if (e === 0) break;
        if (index[2 * j] === h) {
          // Both ends of the record: where the ArrayBuffer starts within a cache line is unknown
          // (malloc puts large blocks 16 bytes into a page), so a record may span two lines.
          x ^= i32[(e - 1) * 16 + 2]! ^ i32[(e - 1) * 16 + 14]!; // W_PORTS, D_LAST
          break;
        }
      }
    }
    return x;
  }

  /** The record holding the key of packet i of the batch, or -1. */
  find(batch: PacketBatch, i: number): number {
    const index = this.index;
    const mask = this.mask;
    const i32 = this.i32;
    const h = batch.hash[i]!;
    const a = batch.a[i]!;
    const b = batch.b[i]!;
    const ports = batch.ports[i]!;
    const meta = batch.meta[i]!;
    const v6 = (meta & 0x200000) !== 0; // META_V6
    for (let j = h & mask; ; j = (j + 1) & mask) {
      const e = index[2 * j + 1]!;
      if (e === 0) return -1;
      if (index[2 * j] !== h) continue;
      const o = (e - 1) * 16;
      // W_A (the IPv6 pool entry for IPv6), W_B, W_PORTS, W_META
      if ((v6 || i32[o] === a) && i32[o + 1] === b && i32[o + 2] === ports && i32[o + 3] === meta && (!v6 || this.sameV6(i32[o]!, batch, i))) return e - 1;
    }
  }

  private sameV6(entry: number, batch: PacketBatch, i: number): boolean {
    const v = this.v6;
    const w = batch.v6;
    const o = entry * V6_WORDS;
    const x = i * 8;
    for (let k = 0; k < 8; k++) if (v[o + k] !== w[x + k]) return false;
    return true;
  }

  /** Stores the key of packet i in record f and indexes it (the key must not be present). */
  insert(batch: PacketBatch, i: number, f: number): void {
    const i32 = this.i32;
    const o = f * WORDS;
    const meta = batch.meta[i]!;
    if (meta & META_V6) {
      const entry = this.allocV6();
      this.v6.set(batch.v6.subarray(i * 8, i * 8 + 8), entry * V6_WORDS);
      i32[o + W_A] = entry;
    } else i32[o + W_A] = batch.a[i]!;
    i32[o + W_B] = batch.b[i]!;
    i32[o + W_PORTS] = batch.ports[i]!;
    i32[o + W_META] = meta;
    if (++this.indexed * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    this.place(f, batch.hash[i]!);
  }

  /** Removes record f's key from the index (and frees its IPv6 entry). */
  remove(f: number): void {
    const index = this.index;
    const mask = this.mask;
    let i = this.hashOf(f) & mask;
    while (index[2 * i + 1] !== f + 1) i = (i + 1) & mask;
    // Backward shift: pull later entries of the probe run into the hole when their home allows it.
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const e = index[2 * j + 1]!;
      if (e === 0) break;
      const home = index[2 * j]! & mask;
      const between = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!between) {
        index[2 * i] = index[2 * j]!;
        index[2 * i + 1] = e;
        i = j;
      }
    }
    index[2 * i] = 0;
    index[2 * i + 1] = 0;
    this.indexed--;
    const o = f * WORDS;
    if (this.i32[o + W_META]! & META_V6) this.freeV6(this.i32[o + W_A]!);
  }

  /** The hash of the key stored in record f (deletion and rehashing; packets hash their key once). */
  hashOf(f: number): number {
    const i32 = this.i32;
    const o = f * WORDS;
    const meta = i32[o + W_META]!;
    if (meta & META_V6) {
      const v = this.v6;
      const x = i32[o + W_A]! * V6_WORDS;
      return hashWords(v[x]! ^ v[x + 1]! ^ v[x + 2]! ^ v[x + 3]!, i32[o + W_B]!, i32[o + W_PORTS]!, meta);
    }
    return hashWords(i32[o + W_A]!, i32[o + W_B]!, i32[o + W_PORTS]!, meta);
  }

  private place(f: number, h: number): void {
    const index = this.index;
    const mask = this.mask;
    let i = h & mask;
    while (index[2 * i + 1] !== 0) i = (i + 1) & mask;
    index[2 * i] = h;
    index[2 * i + 1] = f + 1;
  }

  private rehash(size: number): void {
    const old = this.index;
    this.index = new Int32Array(size * 2);
    this.mask = size - 1;
    for (let i = 0; i < old.length; i += 2) if (old[i + 1] !== 0) this.place(old[i + 1]! - 1, old[i]!);
  }

  private allocV6(): number {
    if (this.v6Free >= 0) {
      const e = this.v6Free;
      this.v6Free = this.v6[e * V6_WORDS]!;
      return e;
    }
    if (this.v6Used * V6_WORDS === this.v6.length) {
      const bigger = new Int32Array(this.v6.length * 2);
      bigger.set(this.v6);
      this.v6 = bigger;
    }
    return this.v6Used++;
  }

  private freeV6(e: number): void {
    this.v6[e * V6_WORDS] = this.v6Free;
    this.v6Free = e;
  }
}

function indexSize(flows: number): number {
  let size = 16;
  while (size < flows * 2) size *= 2;
  return size;
}
