/**
 * Binary min-heap of small integer ids ordered by a numeric key, ties broken by the id.
 * Typed arrays, no allocation per operation.
 */
export class IdHeap {
  private ids: Int32Array;
  private keys: Float64Array;
  size = 0;

  constructor(capacity = 1024) {
    this.ids = new Int32Array(capacity);
    this.keys = new Float64Array(capacity);
  }

  private less(i: number, j: number): boolean {
    const a = this.keys[i]!,
      b = this.keys[j]!;
    return a < b || (a === b && this.ids[i]! < this.ids[j]!);
  }

  private swap(i: number, j: number): void {
    const id = this.ids[i]!;
    this.ids[i] = this.ids[j]!;
    this.ids[j] = id;
    const k = this.keys[i]!;
    this.keys[i] = this.keys[j]!;
    this.keys[j] = k;
  }

  push(id: number, key: number): void {
    if (this.size === this.ids.length) {
      const ids = new Int32Array(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
      const keys = new Float64Array(this.keys.length * 2);
      keys.set(this.keys);
      this.keys = keys;
    }
    let i = this.size++;
    this.ids[i] = id;
    this.keys[i] = key;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Id with the smallest key (heap must not be empty). */
  peekId(): number {
    return this.ids[0]!;
  }

  peekKey(): number {
    return this.size > 0 ? this.keys[0]! : Infinity;
  }

  pop(): number {
    const top = this.ids[0]!;
    this.size--;
    if (this.size > 0) {
      this.ids[0] = this.ids[this.size]!;
      this.keys[0] = this.keys[this.size]!;
      this.siftDown(0);
    }
    return top;
  }

  /** Changes the key of the top element (cheaper than pop + push). */
  replaceTopKey(key: number): void {
    this.keys[0] = key;
    this.siftDown(0);
  }

  private siftDown(i: number): void {
    const n = this.size;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const m = r < n && this.less(r, l) ? r : l;
      if (!this.less(m, i)) return;
      this.swap(m, i);
      i = m;
    }
  }
}
