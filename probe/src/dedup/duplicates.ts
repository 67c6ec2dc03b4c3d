import type { PacketInfo } from '../decode/packet-info.js';

/**
 * Drops exact duplicates of an IP packet: the same packet seen again within `windowMs`, on the
 * same interface or another. Mirror ports deliver such copies when a SPAN session mirrors both
 * directions of a port (a frame between two mirrored ports arrives twice), or two mirrored ports
 * see the same routed packet (before and after the router: another VLAN, other MAC addresses,
 * a TTL one lower, a recomputed IP checksum, a fraction of a millisecond later).
 *
 * "The same packet" is the IP header the flow is keyed on (the innermost one), without what a
 * router may rewrite on the way (IPv4: TTL, header checksum, DSCP/ECN and options; IPv6: hop
 * limit, traffic class and flow label), plus the first TRANSPORT_BYTES bytes after the IP header
 * (the transport header with its checksum, sequence numbers and the start of the payload) as
 * far as they were captured. Everything below IP (MAC addresses, VLAN tags, MPLS labels, the
 * ERSPAN or tunnel headers around it) is ignored. A TCP retransmission is a different packet:
 * it comes later than the window or, in IPv4, with a new IP identification.
 *
 * Memory is bounded: a 2-way set-associative table of `entries` (hash, first-seen time) pairs;
 * a new packet replaces the older entry of its set. A copy processed after `entries` other
 * packets may be missed (then counted twice, as without deduplication), never the reverse:
 * two different packets are taken for one only if about 45 bits of their hashes collide within
 * the window.
 */
export class DuplicateFilter {
  /** Packets dropped as duplicates. */
  duplicates = 0;
  private readonly check: Int32Array;
  private readonly first: Float64Array;
  private readonly mask: number;

  constructor(
    private readonly windowMs: number,
    entries = 1 << 15,
  ) {
    let sets = 2;
    while (sets * 2 < entries) sets *= 2;
    this.check = new Int32Array(sets * 2);
    this.first = new Float64Array(sets * 2).fill(-Infinity);
    this.mask = sets - 1;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.check.byteLength + this.first.byteLength;
  }

  /**
   * True (and counted) when packet `p`, decoded from frame `b` and seen at `ts` (ms), is a copy of
   * a packet seen within the window; otherwise remembers it and returns false.
   */
  seen(b: Uint8Array, p: PacketInfo, ts: number): boolean {
    const o = p.ipOff;
    let h1: number;
    let h2: number;
    let x: number;
    if (p.family === 4) {
      // version/IHL, total length, identification, flags/fragment offset, protocol, addresses
      h1 = mix(0x3b9aca07, (b[o]! << 24) | (b[o + 2]! << 16) | (b[o + 3]! << 8) | b[o + 9]!);
      h1 = mix(h1, (b[o + 4]! << 24) | (b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]!);
      h1 = mix(h1, word(b, o + 12));
      h1 = mix(h1, word(b, o + 16));
      x = o + (b[o]! & 15) * 4;
    } else {
      // payload length, next header, addresses
      h1 = mix(0x1f3d5b79, (b[o + 4]! << 16) | (b[o + 5]! << 8) | b[o + 6]!);
      for (let k = 8; k < 40; k += 4) h1 = mix(h1, word(b, o + k));
      x = o + 40;
    }
    // The transport header and the start of the payload, as far as captured and inside the IP packet.
    const end = Math.min(x + TRANSPORT_BYTES, p.l4Off + p.l4Len);
    h2 = h1 ^ 0x5bd1e995;
    for (; x + 4 <= end; x += 4) h2 = mix(h2, word(b, x));
    for (; x < end; x++) h2 = mix(h2, b[x]!);
    h1 = fmix(h1 ^ h2);
    h2 = fmix(h2 + 0x9e3779b9);

    const set = (h1 & this.mask) * 2;
    const check = this.check;
    const first = this.first;
    const tag = h2 | 1; // never 0
    if (check[set] === tag && Math.abs(ts - first[set]!) <= this.windowMs) {
      this.duplicates++;
      return true;
    }
    if (check[set + 1] === tag && Math.abs(ts - first[set + 1]!) <= this.windowMs) {
      this.duplicates++;
      return true;
    }
    const victim = first[set]! <= first[set + 1]! ? set : set + 1;
    check[victim] = tag;
    first[victim] = ts;
    return false;
  }
}

/** Bytes after the IP header that belong to a packet's identity. */
export const TRANSPORT_BYTES = 40;

function word(b: Uint8Array, o: number): number {
  return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
}

function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
  h ^= k;
  return (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
