import type { PacketInfo } from '../decode/packet-info.js';

/**
 * Which of `count` workers counts packet `p`: a hash of its protocol and its address pair, the
 * same in both directions. Addresses only (not ports), so that every fragment of a datagram, both
 * directions of a flow and every copy of a packet (another VLAN, a TTL one lower: deduplication)
 * meet in one worker; a busy pair of hosts is one worker's work.
 */
export function partitionOf(p: PacketInfo, count: number): number {
  let a = p.s0 | 0;
  let b = p.d0 | 0;
  if (p.family === 6) {
    a = mix(mix(mix(a, p.s1 | 0), p.s2 | 0), p.s3 | 0);
    b = mix(mix(mix(b, p.d1 | 0), p.d2 | 0), p.d3 | 0);
  }
  // Order-independent: the lower word first.
  const lo = a >>> 0 < b >>> 0 ? a : b;
  const hi = lo === a ? b : a;
  let h = mix(mix(0x2545f491 ^ p.proto, lo), hi);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) % count;
}

function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
  h ^= k;
  return (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
}
