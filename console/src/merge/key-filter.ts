/**
 * A Bloom filter over the conversation keys the merge index holds: most records start a
 * conversation no view has reported yet (a fresh client port), and the filter answers "not there"
 * without a B-tree lookup. No false negatives: it is persisted at checkpoints and the keys added
 * since are replayed from their journal (batch-writer.ts), so a restart never forgets a key.
 */
export class KeyFilter {
  private bits: Uint32Array;
  private readonly mask: number;
  /** Hashes added since the last drain (two words per key), for the journal. */
  private added: number[] = [];

  constructor(log2Bits = 28) {
    this.bits = new Uint32Array(2 ** (log2Bits - 5));
    this.mask = 2 ** log2Bits - 1;
  }

  static hashes(s: string): [number, number] {
    let a = 0x811c9dc5;
    let b = 0x9747b28c;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
    return [a >>> 0, (b ^ (b >>> 16)) >>> 0];
  }

  mayHave(s: string): boolean {
    const [a, b] = KeyFilter.hashes(s);
    return this.test(a, b);
  }

  testHashes(a: number, b: number): boolean {
    return this.test(a, b);
  }

  add(s: string): void {
    const [a, b] = KeyFilter.hashes(s);
    this.set(a, b);
    this.added.push(a, b);
  }

  /** Adds hash pairs (replayed from the journal; `journal`: new ones, to be journaled). */
  addHashes(h: Uint32Array, journal = false): void {
    for (let i = 0; i + 1 < h.length; i += 2) {
      this.set(h[i]!, h[i + 1]!);
      if (journal) this.added.push(h[i]!, h[i + 1]!);
    }
  }

  /** The hashes added since the last call (they go into the transaction's journal entry). */
  drain(): Uint32Array {
    const out = Uint32Array.from(this.added);
    this.added = [];
    return out;
  }

  /** Forgets hashes of a transaction that failed (their bits stay set: only a false positive). */
  discard(): void {
    this.added = [];
  }

  // A blocked filter: the key's bits all sit in one 512-bit block (one cache line), chosen by `a`.
  private test(a: number, b: number): boolean {
    const base = (a & this.mask & ~511) >>> 5;
    for (let i = 0; i < 6; i++) {
      const bit = (b >>> (i * 5)) & 511;
      if ((this.bits[base + (bit >>> 5)]! & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }

  private set(a: number, b: number): void {
    const base = (a & this.mask & ~511) >>> 5;
    for (let i = 0; i < 6; i++) {
      const bit = (b >>> (i * 5)) & 511;
      this.bits[base + (bit >>> 5)]! |= 1 << (bit & 31);
    }
  }

  serialize(): Uint8Array {
    return new Uint8Array(this.bits.buffer);
  }

  /** Loads a persisted filter of the same size; false when the sizes differ (then rebuilt). */
  load(blob: Uint8Array): boolean {
    if (blob.byteLength !== this.bits.byteLength) return false;
    new Uint8Array(this.bits.buffer).set(blob);
    return true;
  }

  get bytes(): number {
    return this.bits.byteLength;
  }
}
