/**
 * Frame builders: Ethernet (+ optional 802.1Q tag) + IPv4/IPv6 + TCP/UDP/ICMP, written in place
 * into a caller's buffer from a reusable `PacketSpec` (no allocation per packet).
 *
 * Payload bytes are always zeros. Because of that the TCP/UDP/ICMP checksums are computed over
 * the pseudo-header and the L4 header only (zero words add nothing to a ones'-complement sum),
 * yet are correct for the whole segment.
 */

export const ETH_HEADER = 14;
export const VLAN_TAG = 4;
export const IPV4_HEADER = 20;
export const IPV6_HEADER = 40;
export const TCP_HEADER = 20;
export const UDP_HEADER = 8;
export const ICMP_HEADER = 8;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export interface PacketSpec {
  family: 4 | 6;
  /** Low 32 bits of the source / destination MAC (02:00:xx:xx:xx:xx, locally administered). */
  srcMac: number;
  dstMac: number;
  /** 802.1Q VLAN id, or -1 for an untagged frame. */
  vlan: number;
  /** IPv4 addresses as unsigned 32-bit integers (family 4). */
  src4: number;
  dst4: number;
  /** IPv6 addresses, 16 bytes each (family 6). */
  src6: Uint8Array;
  dst6: Uint8Array;
  /** 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6. */
  proto: number;
  ttl: number;
  /** IPv4 identification. */
  ipId: number;
  sport: number;
  dport: number;
  /** TCP */
  seq: number;
  ack: number;
  flags: number;
  window: number;
  /** MSS option value on SYN / SYN-ACK (0: no options). */
  mss: number;
  /** ICMP / ICMPv6 */
  icmpType: number;
  icmpCode: number;
  icmpId: number;
  icmpSeq: number;
  /** Application payload length in bytes (zeros on the wire). */
  payload: number;
}

export function newPacketSpec(): PacketSpec {
  return {
    family: 4,
    srcMac: 0,
    dstMac: 0,
    vlan: -1,
    src4: 0,
    dst4: 0,
    src6: new Uint8Array(16),
    dst6: new Uint8Array(16),
    proto: 6,
    ttl: 64,
    ipId: 0,
    sport: 0,
    dport: 0,
    seq: 0,
    ack: 0,
    flags: 0,
    window: 65535,
    mss: 0,
    icmpType: 8,
    icmpCode: 0,
    icmpId: 0,
    icmpSeq: 0,
    payload: 0,
  };
}

/** Length of the L4 header (TCP including options). */
export function l4HeaderLength(s: PacketSpec): number {
  if (s.proto === 6) return s.mss > 0 ? TCP_HEADER + 4 : TCP_HEADER;
  if (s.proto === 17) return UDP_HEADER;
  return ICMP_HEADER;
}

/** IP-layer bytes as flow records count them: IPv4 total length, or IPv6 payload length + 40. */
export function ipLength(s: PacketSpec): number {
  return (s.family === 4 ? IPV4_HEADER : IPV6_HEADER) + l4HeaderLength(s) + s.payload;
}

/** Whole frame length. */
export function frameLength(s: PacketSpec): number {
  return ETH_HEADER + (s.vlan >= 0 ? VLAN_TAG : 0) + ipLength(s);
}

function writeMac(b: Uint8Array, o: number, low32: number): void {
  b[o] = 0x02;
  b[o + 1] = 0x00;
  b[o + 2] = low32 >>> 24;
  b[o + 3] = (low32 >>> 16) & 255;
  b[o + 4] = (low32 >>> 8) & 255;
  b[o + 5] = low32 & 255;
}

function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 255;
  b[o + 1] = v & 255;
}

function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 255;
  b[o + 2] = (v >>> 8) & 255;
  b[o + 3] = v & 255;
}

/** Ones'-complement sum of big-endian 16-bit words in b[from, to) (to - from even). */
function sum16(b: Uint8Array, from: number, to: number, acc: number): number {
  for (let i = from; i < to; i += 2) acc += (b[i]! << 8) | b[i + 1]!;
  return acc;
}

function fold(acc: number): number {
  while (acc > 0xffff) acc = (acc & 0xffff) + Math.floor(acc / 65536);
  return ~acc & 0xffff;
}

/**
 * Writes the frame described by `s` at `buf[off]` and returns its length.
 * The caller guarantees `frameLength(s)` bytes of room.
 */
export function buildFrame(buf: Uint8Array, off: number, s: PacketSpec): number {
  const l4Len = l4HeaderLength(s);
  const segLen = l4Len + s.payload;
  const total = frameLength(s);
  let o = off;
  writeMac(buf, o, s.dstMac);
  writeMac(buf, o + 6, s.srcMac);
  o += 12;
  if (s.vlan >= 0) {
    put16(buf, o, 0x8100);
    put16(buf, o + 2, s.vlan & 0x0fff);
    o += 4;
  }
  put16(buf, o, s.family === 4 ? 0x0800 : 0x86dd);
  o += 2;

  let pseudo: number; // pseudo-header sum for the L4 checksum
  if (s.family === 4) {
    const ip = o;
    buf[ip] = 0x45;
    buf[ip + 1] = 0;
    put16(buf, ip + 2, IPV4_HEADER + segLen);
    put16(buf, ip + 4, s.ipId & 0xffff);
    put16(buf, ip + 6, s.proto === 6 ? 0x4000 : 0); // DF on TCP
    buf[ip + 8] = s.ttl;
    buf[ip + 9] = s.proto;
    put16(buf, ip + 10, 0);
    put32(buf, ip + 12, s.src4);
    put32(buf, ip + 16, s.dst4);
    put16(buf, ip + 10, fold(sum16(buf, ip, ip + IPV4_HEADER, 0)));
    pseudo = s.proto === 1 ? 0 : sum16(buf, ip + 12, ip + 20, s.proto + segLen);
    o += IPV4_HEADER;
  } else {
    const ip = o;
    put32(buf, ip, 0x60000000);
    put16(buf, ip + 4, segLen);
    buf[ip + 6] = s.proto;
    buf[ip + 7] = s.ttl;
    buf.set(s.src6, ip + 8);
    buf.set(s.dst6, ip + 24);
    pseudo = sum16(buf, ip + 8, ip + 40, s.proto + segLen); // segLen < 65536: one word
    o += IPV6_HEADER;
  }

  const l4 = o;
  buf.fill(0, l4, l4 + segLen);
  if (s.proto === 6) {
    put16(buf, l4, s.sport);
    put16(buf, l4 + 2, s.dport);
    put32(buf, l4 + 4, s.seq >>> 0);
    put32(buf, l4 + 8, s.flags & TCP_ACK ? s.ack >>> 0 : 0);
    buf[l4 + 12] = (l4Len / 4) << 4;
    buf[l4 + 13] = s.flags;
    put16(buf, l4 + 14, s.window);
    if (s.mss > 0) {
      buf[l4 + 20] = 2; // MSS option
      buf[l4 + 21] = 4;
      put16(buf, l4 + 22, s.mss);
    }
    put16(buf, l4 + 16, fold(sum16(buf, l4, l4 + l4Len, pseudo)));
  } else if (s.proto === 17) {
    put16(buf, l4, s.sport);
    put16(buf, l4 + 2, s.dport);
    put16(buf, l4 + 4, segLen);
    const c = fold(sum16(buf, l4, l4 + UDP_HEADER, pseudo));
    put16(buf, l4 + 6, c === 0 ? 0xffff : c);
  } else {
    buf[l4] = s.icmpType;
    buf[l4 + 1] = s.icmpCode;
    put16(buf, l4 + 4, s.icmpId);
    put16(buf, l4 + 6, s.icmpSeq);
    put16(buf, l4 + 2, fold(sum16(buf, l4, l4 + ICMP_HEADER, pseudo)));
  }
  return total;
}

/** 16 address bytes of an IPv6 address given as a bigint. */
export function ipv6Bytes(v: bigint): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
