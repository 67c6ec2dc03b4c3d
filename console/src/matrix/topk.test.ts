import { describe, it, expect } from 'vitest';
import { pageOf, topK } from './topk.js';

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

  it('pages from either end: every page equals the slice of a full sort', () => {
    let seed = 11;
    const rnd = () => (seed = (Math.imul(seed, 48271) + 1) >>> 0) % 40;
    const values = Array.from({ length: 1000 }, rnd);
    const ids = Uint32Array.from({ length: 1000 }, (_, i) => i);
    const cmp = (a: number, b: number) => values[b]! - values[a]! || a - b;
    const full = [...ids].sort(cmp);
    for (const [offset, limit] of [
      [0, 10],
      [0, 1000],
      [490, 30],
      [500, 10],
      [700, 50],
      [990, 10],
      [995, 10],
      [999, 1],
      [1000, 5],
      [4000, 5],
      [0, 0],
    ] as const)
      expect(pageOf(ids, ids.length, offset, limit, cmp), `${offset}+${limit}`).toEqual(full.slice(offset, offset + limit));
  });

  it('takes the last page without sorting everything', () => {
    const n = 100_000;
    let seed = 5;
    const ids = Uint32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = (seed = (Math.imul(seed, 48271) + 1) >>> 0) % (i + 1);
      [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    }
    let calls = 0;
    const cmp = (a: number, b: number) => (calls++, a - b);
    expect(pageOf(ids, n, n - 20, 20, cmp)).toEqual(Array.from({ length: 20 }, (_, i) => n - 20 + i));
    const paged = calls;
    calls = 0;
    expect(topK(ids, n, n, cmp).slice(n - 20)).toEqual(Array.from({ length: 20 }, (_, i) => n - 20 + i));
    // A heap of 20 over 100,000 ids against a sort of all of them (n log n, about 1.5 M).
    expect(paged).toBeLessThan(calls / 5);
  });
});
