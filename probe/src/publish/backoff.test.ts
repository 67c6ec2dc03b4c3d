import { describe, it, expect } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles its ceiling up to the maximum, with jitter in the upper half, and resets', () => {
    let r = 0;
    const b = new Backoff(100, 1000, () => r);
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([50, 100, 200, 400, 500]);
    r = 0.999;
    expect(b.next()).toBeCloseTo(999.5);
    b.reset();
    r = 0.5;
    expect(b.next()).toBe(75);
  });
});
