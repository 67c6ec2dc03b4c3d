import { describe, it, expect } from 'vitest';
import { topK } from './topk.js';

describe('topK', () => {
  it('matches a full sort for every k, with ties broken by the comparator', () => {
    let seed = 3;
    const rnd = () => (seed = (Math.imul(seed, 48271) + 1) >>> 0) % 50;
    const values = Array.from({ length: 500 }, rnd);
    const ids = Uint32Array.from({ length: 500 }, (_, i) => i);
    const cmp = (a: number, b: number) => values[b]! - values[a]! || a - b;
    const full = [...ids].sort(cmp);
    for (const k of [1, 2, 10, 37, 62, 63, 100, 499, 500, 600]) expect(topK(ids, ids.length, k, cmp)).toEqual(full.slice(0, k));
  });
});
