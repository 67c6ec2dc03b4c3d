import { describe, it, expect } from 'vitest';
import { copyBytes } from './bytes.js';

describe('copyBytes', () => {
  it('copies a view (not its whole buffer) into a Buffer of its own', () => {
    const whole = Uint8Array.from({ length: 100 }, (_, i) => i);
    const view = whole.subarray(10, 20);
    const c = copyBytes(view);
    expect(Buffer.isBuffer(c)).toBe(true);
    expect([...c]).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    whole[10] = 99;
    expect(c[0]).toBe(10);
  });
});
