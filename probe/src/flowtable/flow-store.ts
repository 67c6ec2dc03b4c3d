/**
 * Flow records, one 64-byte cache line each, back to back in one ArrayBuffer (array of
 * structures): a packet's update touches the index slot and one line. IPv6 addresses live in a
 * side array (their record key holds the addresses folded to 32 bits); everything else fits.
 * Offsets are in 32-bit words (W_*) or 64-bit doubles (D_*) from the record start.
 */
export const W_A = 0; // side a's IPv4 address, or its IPv6 address folded (xor of its words)
export const W_B = 1;
export const W_PORTS = 2; // a's port << 16 | b's port (ICMP: the request's type << 8 | code)
export const W_META = 3; // protocol | (vlan + 1) << 8 | IPv6 << 21
export const W_PREV = 4;
export const W_NEXT = 5;
export const W_PK_A = 6;
export const W_PK_B = 7;
export const W_BY_A = 8; // bytes of the current segment (a segment is split before it overflows 32 bits)
export const W_BY_B = 9;
/** state bits (byte 0), TCP flags of side a (byte 1) and side b (byte 2), interface index (byte 3) */
export const W_MISC = 10;
/** When the flow was (re)queued on its list, ms since the table's epoch: the lazy scan's order. */
export const W_QUEUED = 11;
export const D_FIRST = 6; // words 12-13
export const D_LAST = 7; // words 14-15
export const WORDS = 16;
export const DOUBLES = 8;
export const V6_WORDS = 8;
export const META_V6 = 1 << 21;

/** The numeric key of a flow: what add() fills in for each packet. */
export class FlowKey {
  a = 0;
  b = 0;
  ports = 0;
  meta = 0;
  /** Full IPv6 addresses, a then b (only read when meta has META_V6). */
  readonly v6 = new Uint32Array(8);
  hash = 0;
}

export class FlowStore {
  u32: Uint32Array;
  f64: Float64Array;
  v6: Uint32Array;
  capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
    const buf = new ArrayBuffer(capacity * WORDS * 4);
    this.u32 = new Uint32Array(buf);
    this.f64 = new Float64Array(buf);
    this.v6 = new Uint32Array(capacity * V6_WORDS);
  }

  grow(capacity: number): void {
    const buf = new ArrayBuffer(capacity * WORDS * 4);
    const u32 = new Uint32Array(buf);
    u32.set(this.u32);
    this.u32 = u32;
    this.f64 = new Float64Array(buf);
    const v6 = new Uint32Array(capacity * V6_WORDS);
    v6.set(this.v6);
    this.v6 = v6;
    this.capacity = capacity;
  }

  get bytes(): number {
    return this.u32.byteLength + this.v6.byteLength;
  }

  /** The hash of the key stored in slot f (for deletion and rehashing; packets hash their key once). */
  hashOf(f: number): number {
    const o = f * WORDS;
    return hashWords(this.u32[o + W_A]!, this.u32[o + W_B]!, this.u32[o + W_PORTS]!, this.u32[o + W_META]!);
  }
}

/**
 * Open-addressing hash index from a flow key to its slot: linear probing at a load factor of
 * at most 1/2, backward-shift deletion (no tombstones).
 */
export class FlowIndex {
  private table: Int32Array; // slot + 1; 0 = empty
  private mask: number;

  constructor(private readonly store: FlowStore) {
    const size = tableSize(store.capacity);
    this.table = new Int32Array(size);
    this.mask = size - 1;
  }

  get bytes(): number {
    return this.table.byteLength;
  }

  /** The slot holding key k, or -1. */
  find(k: FlowKey): number {
    const u = this.store.u32;
    const table = this.table;
    const mask = this.mask;
    const a = k.a,
      b = k.b,
      ports = k.ports,
      meta = k.meta;
    for (let i = k.hash & mask; ; i = (i + 1) & mask) {
      const e = table[i]!;
      if (e === 0) return -1;
      const o = (e - 1) * WORDS;
      if (u[o + W_A] === a && u[o + W_B] === b && u[o + W_PORTS] === ports && u[o + W_META] === meta && (!(meta & META_V6) || this.sameV6(e - 1, k)))
        return e - 1;
    }
  }

  private sameV6(f: number, k: FlowKey): boolean {
    const v = this.store.v6;
    const o = f * V6_WORDS;
    const w = k.v6;
    return (
      v[o] === w[0] &&
      v[o + 1] === w[1] &&
      v[o + 2] === w[2] &&
      v[o + 3] === w[3] &&
      v[o + 4] === w[4] &&
      v[o + 5] === w[5] &&
      v[o + 6] === w[6] &&
      v[o + 7] === w[7]
    );
  }

  /** Stores key k in slot f's record and indexes it (the key must not be present). */
  insert(k: FlowKey, f: number): void {
    const u = this.store.u32;
    const o = f * WORDS;
    u[o + W_A] = k.a;
    u[o + W_B] = k.b;
    u[o + W_PORTS] = k.ports;
    u[o + W_META] = k.meta;
    if (k.meta & META_V6) this.store.v6.set(k.v6, f * V6_WORDS);
    this.place(f, k.hash);
  }

  private place(f: number, h: number): void {
    const table = this.table;
    const mask = this.mask;
    let i = h & mask;
    while (table[i] !== 0) i = (i + 1) & mask;
    table[i] = f + 1;
  }

  remove(f: number): void {
    const table = this.table;
    const mask = this.mask;
    let i = this.store.hashOf(f) & mask;
    while (table[i] !== f + 1) i = (i + 1) & mask;
    // Backward shift: pull later entries of the probe run into the hole when their home allows it.
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const e = table[j]!;
      if (e === 0) break;
      const home = this.store.hashOf(e - 1) & mask;
      const between = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!between) {
        table[i] = e;
        i = j;
      }
    }
    table[i] = 0;
  }

  /** Resizes the index for the store's (new) capacity. */
  rehash(): void {
    const size = tableSize(this.store.capacity);
    if (size === this.table.length) return;
    const old = this.table;
    this.table = new Int32Array(size);
    this.mask = size - 1;
    for (let i = 0; i < old.length; i++) {
      const e = old[i]!;
      if (e !== 0) this.place(e - 1, this.store.hashOf(e - 1));
    }
  }
}

function tableSize(capacity: number): number {
  let size = 16;
  while (size < capacity * 2) size *= 2;
  return size;
}

/** MurmurHash3-style mix of the four key words. */
export function hashWords(a: number, b: number, ports: number, meta: number): number {
  let h = 0x5a17;
  let k = Math.imul(a, 0xcc9e2d51);
  k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
  h ^= k;
  h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
  k = Math.imul(b, 0xcc9e2d51);
  k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
  h ^= k;
  h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
  k = Math.imul(ports, 0xcc9e2d51);
  k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
  h ^= k;
  h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
  k = Math.imul(meta, 0xcc9e2d51);
  k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
  h ^= k;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
