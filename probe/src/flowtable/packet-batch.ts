import type { PacketInfo } from '../decode/packet-info.js';
import { icmpKey, icmpRole } from './initiator.js';
import { META_V6 } from './layout.js';

/** Packets handed to the flow table at once: enough for their memory loads to overlap. */
export const BATCH_SIZE = 256;

// Packed per-packet bits in PacketBatch.info.
export const INFO_SIDE_B = 1; // the sender is side b of the canonical key
export const INFO_FLAGS_SHIFT = 1; // TCP flags, 8 bits
export const INFO_ROLE_SHIFT = 9; // ICMP role: 0 none, 1 request, 2 reply
export const INFO_IFACE_SHIFT = 11; // interface index, 8 bits

/**
 * Decoded packets reduced to what the flow table needs, in columns (structure of arrays): the
 * canonical flow key with its hash, the direction, the counters' increments and the time. Keying
 * happens once per packet here; the table then first touches every packet's index slot and
 * record (independent loads the CPU overlaps) and only then updates them in order.
 *
 * Canonical key: side a is the lower (address, port) endpoint, so both directions meet. IPv4
 * keys are the two addresses; IPv6 keys carry the full addresses in `v6` and each side's words
 * folded (xor) in `a` and `b`.
 */
export class PacketBatch {
  length = 0;
  readonly a = new Int32Array(BATCH_SIZE);
  readonly b = new Int32Array(BATCH_SIZE);
  readonly ports = new Int32Array(BATCH_SIZE);
  readonly meta = new Int32Array(BATCH_SIZE);
  readonly hash = new Int32Array(BATCH_SIZE);
  /** Side a's IPv6 address then side b's, 8 words per packet (IPv6 packets only). */
  readonly v6 = new Int32Array(BATCH_SIZE * 8);
  readonly ts = new Float64Array(BATCH_SIZE);
  readonly bytes = new Uint32Array(BATCH_SIZE);
  readonly info = new Int32Array(BATCH_SIZE);

  get full(): boolean {
    return this.length === BATCH_SIZE;
  }

  /** Appends decoded packet `p` (its time in p.ts) seen on interface `iface` (0-255). The caller keeps the batch from overflowing. */
  push(p: PacketInfo, iface: number): void {
    const i = this.length++;
    const proto = p.proto;
    let sport = p.sport;
    let dport = p.dport;
    let role = 0;
    const icmp = proto === 1 || proto === 58;
    if (icmp) {
      role = icmpRole(proto, dport);
      sport = 0;
      dport = icmpKey(proto, dport);
    }
    const s0 = p.s0 >>> 0;
    const d0 = p.d0 >>> 0;
    let srcIsA: boolean;
    if (s0 !== d0) srcIsA = s0 < d0;
    else if (p.s1 >>> 0 !== p.d1 >>> 0) srcIsA = p.s1 >>> 0 < p.d1 >>> 0;
    else if (p.s2 >>> 0 !== p.d2 >>> 0) srcIsA = p.s2 >>> 0 < p.d2 >>> 0;
    else if (p.s3 >>> 0 !== p.d3 >>> 0) srcIsA = p.s3 >>> 0 < p.d3 >>> 0;
    else srcIsA = sport <= dport;
    const v6 = p.family === 6;
    let a: number;
    let b: number;
    if (v6) {
      const w = this.v6;
      const x = i * 8;
      if (srcIsA) {
        w[x] = p.s0;
        w[x + 1] = p.s1;
        w[x + 2] = p.s2;
        w[x + 3] = p.s3;
        w[x + 4] = p.d0;
        w[x + 5] = p.d1;
        w[x + 6] = p.d2;
        w[x + 7] = p.d3;
      } else {
        w[x] = p.d0;
        w[x + 1] = p.d1;
        w[x + 2] = p.d2;
        w[x + 3] = p.d3;
        w[x + 4] = p.s0;
        w[x + 5] = p.s1;
        w[x + 6] = p.s2;
        w[x + 7] = p.s3;
      }
      a = w[x]! ^ w[x + 1]! ^ w[x + 2]! ^ w[x + 3]!;
      b = w[x + 4]! ^ w[x + 5]! ^ w[x + 6]! ^ w[x + 7]!;
    } else if (srcIsA) {
      a = s0 | 0;
      b = d0 | 0;
    } else {
      a = d0 | 0;
      b = s0 | 0;
    }
    const ports = icmp ? dport : srcIsA ? (sport << 16) | dport : (dport << 16) | sport;
    const meta = proto | ((p.vlan + 1) << 8) | (v6 ? META_V6 : 0);
    this.a[i] = a;
    this.b[i] = b;
    this.ports[i] = ports;
    this.meta[i] = meta;
    this.hash[i] = hashWords(a, b, ports, meta);
    this.ts[i] = p.ts;
    this.bytes[i] = p.ipBytes;
    this.info[i] = (srcIsA ? 0 : INFO_SIDE_B) | (p.tcpFlags << INFO_FLAGS_SHIFT) | (role << INFO_ROLE_SHIFT) | ((iface & 255) << INFO_IFACE_SHIFT);
  }
}

/** MurmurHash3-style mix of the four key words (int32). */
export function hashWords(a: number, b: number, ports: number, meta: number): number {
  let h = 0x5a17;
  let k = Math.imul(a, 0xcc9e2d51);
  k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
  h ^= k;
  h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
  k = Math.imul(b, 0xcc9e2d51);
  k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
  h ^= k;
  h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
  k = Math.imul(ports, 0xcc9e2d51);
  k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
  h ^= k;
  h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
  k = Math.imul(meta, 0xcc9e2d51);
  k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
  h ^= k;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}
