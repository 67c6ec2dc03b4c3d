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
 * (the transport header: ports, sequence numbers, and its checksum, which covers the payload) as
 * far as they were captured. Everything below IP (MAC addresses, VLAN tags, MPLS labels, the
 * ERSPAN or tunnel headers around it) is ignored. A TCP retransmission is a different packet:
 * it comes later than the window or, in IPv4, with a new IP identification.
 *
 * Memory is bounded: a 2-way set-associative table of `entries` (hash, first-seen time) pairs,
 * 16 bytes each; a new packet replaces the older entry of its set. Its size is how many packets may
 * pass between a packet and its copy: 8,192 by default (a file, read in time order), more live. A copy processed after `entries` other
 * packets may be missed (then counted twice, as without deduplication), never the reverse:
 * two different packets are taken for one only if about 45 bits of their hashes collide within
 * the window.
 */
export class DuplicateFilter {
  /** Packets dropped as duplicates. */
  duplicates = 0;
  /** Per set of two entries: tag, first-seen time, tag, first-seen time (one cache line holds two sets). */
  private readonly sets: Float64Array;
  private readonly mask: number;
  private view: DataView | null = null;
  private frames: Uint8Array | null = null;
  private base = 0;

  constructor(
    private readonly windowMs: number,
    entries = 1 << 13,
  ) {
    let sets = 2;
    while (sets * 2 < entries) sets *= 2;
    this.sets = new Float64Array(sets * 4);
    for (let i = 1; i < this.sets.length; i += 2) this.sets[i] = -Infinity;
    this.mask = sets - 1;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.sets.byteLength;
  }

  /**
   * True (and counted) when packet `p`, decoded from frame `b` and seen at `ts` (ms), is a copy of
   * a packet seen within the window; otherwise remembers it and returns false.
   */
  seen(b: Uint8Array, p: PacketInfo, ts: number): boolean {
    // Words are read through a DataView of the frame's buffer (one load each, not four), made
    // again only when the capture hands over another buffer (reading b.buffer is a slow call).
    let dv = this.view;
    if (b !== this.frames || dv === null) {
      dv = this.view = new DataView(b.buffer);
      this.frames = b;
      this.base = b.byteOffset;
    }
    const base = this.base;
    const o = base + p.ipOff;
    let h: number;
    let x: number;
    if (p.family === 4) {
      // version/IHL with total length, identification with flags/fragment offset, protocol, addresses
      h = Math.imul(0x3b9aca07 ^ ((dv.getUint8(o) << 16) | dv.getUint16(o + 2)), 0x9e3779b1);
      h = Math.imul(h ^ dv.getInt32(o + 4), 0x85ebca6b);
      h = Math.imul(h ^ dv.getUint8(o + 9), 0xc2b2ae35);
      h = Math.imul(h ^ dv.getInt32(o + 12), 0x9e3779b1);
      h = Math.imul(h ^ dv.getInt32(o + 16), 0x85ebca6b);
      x = o + (dv.getUint8(o) & 15) * 4;
    } else {
      // payload length, next header, addresses
      h = Math.imul(0x1f3d5b79 ^ ((dv.getUint16(o + 4) << 8) | dv.getUint8(o + 6)), 0x9e3779b1);
      for (let k = 8; k < 40; k += 4) h = Math.imul(h ^ dv.getInt32(o + k), 0x85ebca6b);
      x = o + 40;
    }
    // The transport header with its checksum (which covers the payload), as far as captured.
    const end = Math.min(x + TRANSPORT_BYTES, base + p.l4Off + p.l4Len);
    let g = h ^ 0x5bd1e995;
    for (; x + 4 <= end; x += 4) g = Math.imul(g ^ dv.getInt32(x), 0xc2b2ae35);
    for (; x < end; x++) g = Math.imul(g ^ dv.getUint8(x), 0x9e3779b1);
    const h1 = fmix(h ^ g);
    const h2 = fmix(g + 0x27d4eb2f);

    const t = this.sets;
    const i = (h1 & this.mask) * 4;
    const tag = h2 | 1; // never 0 (an empty entry)
    const w = this.windowMs;
    if ((t[i] === tag && Math.abs(ts - t[i + 1]!) <= w) || (t[i + 2] === tag && Math.abs(ts - t[i + 3]!) <= w)) {
      this.duplicates++;
      return true;
    }
    const victim = t[i + 1]! <= t[i + 3]! ? i : i + 2; // the older entry
    t[victim] = tag;
    t[victim + 1] = ts;
    return false;
  }
}

/**
 * Bytes after the IP header that belong to a packet's identity: a TCP header without options,
 * a UDP or ICMP header and the start of their payload; the transport checksum covers the rest.
 */
export const TRANSPORT_BYTES = 20;

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
