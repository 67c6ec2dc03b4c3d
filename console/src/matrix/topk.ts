/**
 * The first `k` of `ids` in `cmp` order (ties broken by the comparator), in order: a bounded
 * max-heap for small k (a page of a large result), a full sort otherwise.
 */
export function topK(ids: ArrayLike<number>, n: number, k: number, cmp: (a: number, b: number) => number): number[] {
  if (k <= 0) return [];
  if (k * 8 >= n) {
    const all = Array.from({ length: n }, (_, i) => ids[i]!);
    return all.sort(cmp).slice(0, k);
  }
  // heap[0] is the worst of the best k so far.
  const heap: number[] = [];
  const worse = (a: number, b: number) => cmp(a, b) > 0;
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!worse(heap[i]!, heap[p]!)) break;
      [heap[i], heap[p]] = [heap[p]!, heap[i]!];
      i = p;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && worse(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && worse(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (let i = 0; i < n; i++) {
    const id = ids[i]!;
    if (heap.length < k) {
      heap.push(id);
      up(heap.length - 1);
    } else if (cmp(id, heap[0]!) < 0) {
      heap[0] = id;
      down(0);
    }
  }
  return heap.sort(cmp);
}

/**
 * Rows `offset`..`offset + limit - 1` of `ids` in `cmp` order, which must be total (ties broken).
 * A page in the second half is taken from the end, as the first rows of the reversed order: the
 * last page of a million rows (the UI's End key) costs what the first does, not a full sort.
 */
export function pageOf(ids: ArrayLike<number>, n: number, offset: number, limit: number, cmp: (a: number, b: number) => number): number[] {
  if (offset >= n || limit <= 0) return [];
  if (offset <= n - offset - limit) return topK(ids, n, offset + limit, cmp).slice(offset);
  // From the end: the last n - offset rows, reversed back into order.
  return topK(ids, n, n - offset, (a, b) => cmp(b, a))
    .reverse()
    .slice(0, limit);
}
