import { describe, it, expect } from 'vitest';
import { shareRings } from './live-workers.js';
import type { LiveCaptureConfig } from './live.js';

const MiB = 1 << 20;
const config = (bufferSize: number): LiveCaptureConfig => ({
  backend: 'native',
  interfaces: [
    { name: 'eth1', filter: '', promisc: true, snaplen: 256, bufferSize },
    { name: 'eth2', filter: '', promisc: true, snaplen: 256, bufferSize: 2 * MiB },
  ],
  decapInner: true,
  own: [],
});

describe('kernel rings with several capture workers', () => {
  it("divides each interface's ring between the workers in whole pages, at least 1 MiB each", () => {
    expect(shareRings(config(32 * MiB), 2).interfaces.map((i) => i.bufferSize)).toEqual([16 * MiB, 1 * MiB]);
    expect(shareRings(config(10_000_000), 3).interfaces[0]!.bufferSize).toBe(3_330_048); // 813 pages
    expect(shareRings(config(32 * MiB), 1)).toEqual(config(32 * MiB));
  });
});
