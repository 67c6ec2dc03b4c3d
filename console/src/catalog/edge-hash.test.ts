import { describe, it, expect } from 'vitest';
import { EdgeHash } from './edge-hash.js';

describe('edge hash', () => {
  it('finds every edge after a reserve and after growing one insert at a time', () => {
    const n = 50_000;
    const cols = { src: new Uint32Array(n), dst: new Uint32Array(n), proto: new Uint8Array(n), port: new Uint16Array(n) };
    for (let id = 0; id < n; id++) {
      cols.src[id] = id % 977;
      cols.dst[id] = Math.floor(id / 977);
      cols.proto[id] = id % 2 ? 6 : 17;
      cols.port[id] = (id * 7) % 65536;
    }
    const reserved = new EdgeHash(cols);
    reserved.reserve(n);
    const size = reserved.bytes;
    const grown = new EdgeHash(cols);
    for (let id = 0; id < n; id++) {
      reserved.insert(id);
      grown.insert(id);
    }
    expect(reserved.bytes).toBe(size); // no rehash after the reserve
    expect(grown.bytes).toBe(size);
    for (let id = 0; id < n; id++) {
      const k = [cols.src[id]!, cols.dst[id]!, cols.proto[id]!, cols.port[id]!] as const;
      expect(reserved.find(...k)).toBe(id);
      expect(grown.find(...k)).toBe(id);
    }
    expect(reserved.find(1, 1, 6, 1)).toBe(-1);
  });
});
