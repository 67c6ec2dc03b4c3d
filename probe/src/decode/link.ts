import { PacketInfo, DECODE_OK, NON_IP, TRUNCATED, UNSUPPORTED_LINK, TOO_DEEP, LINKTYPE } from './packet-info.js';
import { decodeIp } from './ip.js';

// Hand-written rather than a packet library: this runs once per packet at millions of packets
// per second, so it reads bytes in place and writes numbers into one reused PacketInfo.

const MAX_DEPTH = 8;

/**
 * Decodes one frame of the given link type into `p`. Pure: reads `b[off .. off+caplen)`,
 * writes only `p`. `inner` keys tunnelled traffic on the innermost IP header (VXLAN, Geneve,
 * GRE, IP-in-IP, 6in4, GTP-U); otherwise the outermost. Mirror encapsulations (ERSPAN) are
 * always removed. Returns DECODE_OK or the reason the frame carries no usable IP header.
 */
export function decodeFrame(b: Uint8Array, off: number, caplen: number, linktype: number, p: PacketInfo, inner: boolean): number {
  p.reset();
  const end = off + caplen;
  switch (linktype) {
    case LINKTYPE.ETHERNET:
      return decodeEthernet(b, off, end, p, inner, 0);
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_BSD:
    case LINKTYPE.RAW_OPENBSD:
    case LINKTYPE.IPV4:
    case LINKTYPE.IPV6:
      return decodeIp(b, off, end, p, inner, 0);
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP:
      return decodeNull(b, off, end, p, inner);
    case LINKTYPE.LINUX_SLL:
      if (end - off < 16) return TRUNCATED;
      return decodeEtherType((b[off + 14]! << 8) | b[off + 15]!, b, off + 16, end, p, inner, 0);
    case LINKTYPE.LINUX_SLL2:
      if (end - off < 20) return TRUNCATED;
      return decodeEtherType((b[off]! << 8) | b[off + 1]!, b, off + 20, end, p, inner, 0);
    case LINKTYPE.NFLOG:
      return decodeNflog(b, off, end, p, inner);
    case LINKTYPE.PPP:
    case LINKTYPE.PPP_SERIAL:
      return decodePpp(b, off, end, p, inner, 0);
    default:
      return UNSUPPORTED_LINK;
  }
}

/** Ethernet II / 802.3 with any number of 802.1Q / 802.1ad tags. */
export function decodeEthernet(b: Uint8Array, o: number, end: number, p: PacketInfo, inner: boolean, depth: number): number {
  if (end - o < 14) return TRUNCATED;
  return decodeEtherType((b[o + 12]! << 8) | b[o + 13]!, b, o + 14, end, p, inner, depth);
}

/** Dispatches on an EtherType whose payload starts at `o` (VLAN tags, MPLS, PPPoE, LLC/SNAP, IP). */
export function decodeEtherType(type: number, b: Uint8Array, o: number, end: number, p: PacketInfo, inner: boolean, depth: number): number {
  if (depth > MAX_DEPTH) return TOO_DEEP;
  for (let tags = 0; ; tags++) {
    switch (type) {
      case 0x0800:
      case 0x86dd:
        return decodeIp(b, o, end, p, inner, depth);
      case 0x8100:
      case 0x88a8:
      case 0x9100:
      case 0x9200:
        if (end - o < 4) return TRUNCATED;
        if (p.vlan < 0) p.vlan = ((b[o]! << 8) | b[o + 1]!) & 0x0fff;
        type = (b[o + 2]! << 8) | b[o + 3]!;
        o += 4;
        if (tags > 8) return TOO_DEEP;
        continue;
      case 0x8847:
      case 0x8848:
        return decodeMpls(b, o, end, p, inner, depth);
      case 0x8864: // PPPoE session: 6-byte header, then PPP
        if (end - o < 6) return TRUNCATED;
        return decodePpp(b, o + 6, end, p, inner, depth);
      case 0x8909: // Cisco MetaData (SGT): version, length, one option, then the next EtherType
        if (end - o < 8) return TRUNCATED;
        type = (b[o + 6]! << 8) | b[o + 7]!;
        o += 8;
        continue;
      case 0x894f: // Network Service Header (RFC 8300): length in 4-byte words, next protocol
        return decodeNsh(b, o, end, p, inner, depth);
      default:
        if (type <= 1500) {
          // 802.3 length field: only LLC/SNAP with an EtherType can carry IP.
          if (end - o < 8) return TRUNCATED;
          if (b[o] === 0xaa && b[o + 1] === 0xaa && b[o + 2] === 0x03) {
            type = (b[o + 6]! << 8) | b[o + 7]!;
            o += 8;
            continue;
          }
        }
        return NON_IP;
    }
  }
}

function decodeNsh(b: Uint8Array, o: number, end: number, p: PacketInfo, inner: boolean, depth: number): number {
  if (end - o < 8) return TRUNCATED;
  const len = (((b[o]! << 8) | b[o + 1]!) & 0x3f || 2) * 4;
  const next = b[o + 3]!;
  o += len;
  if (next === 1 || next === 2) return decodeIp(b, o, end, p, inner, depth);
  if (next === 3) return decodeEthernet(b, o, end, p, inner, depth + 1);
  if (next === 5) return decodeMpls(b, o, end, p, inner, depth);
  return NON_IP;
}

/** MPLS label stack; the payload is guessed from its first nibble (IPv4, IPv6, or a pseudowire with Ethernet). */
export function decodeMpls(b: Uint8Array, o: number, end: number, p: PacketInfo, inner: boolean, depth: number): number {
  for (let labels = 0; ; labels++) {
    if (end - o < 4) return TRUNCATED;
    const bottom = b[o + 2]! & 1;
    o += 4;
    if (bottom) break;
    if (labels > 16) return TOO_DEEP;
  }
  if (end - o < 1) return TRUNCATED;
  const nibble = b[o]! >> 4;
  if (nibble === 4 || nibble === 6) return decodeIp(b, o, end, p, inner, depth);
  // Ethernet over MPLS: a zero nibble is the pseudowire control word (RFC 4385).
  if (nibble === 0) o += 4;
  return decodeEthernet(b, o, end, p, inner, depth + 1);
}

/** PPP (PPPoE, PPTP's GRE, serial links): optional address/control, then a 1- or 2-byte protocol. */
export function decodePpp(b: Uint8Array, o: number, end: number, p: PacketInfo, inner: boolean, depth: number): number {
  if (end - o < 2) return TRUNCATED;
  if (b[o] === 0xff && b[o + 1] === 0x03) o += 2;
  if (end - o < 1) return TRUNCATED;
  let proto: number;
  if (b[o]! & 1) {
    proto = b[o]!; // protocol-field compression
    o += 1;
  } else {
    if (end - o < 2) return TRUNCATED;
    proto = (b[o]! << 8) | b[o + 1]!;
    o += 2;
  }
  if (proto === 0x21 || proto === 0x57) return decodeIp(b, o, end, p, inner, depth);
  return NON_IP;
}

/** BSD loopback / null: a 4-byte address family in host (NULL) or network (LOOP) byte order. */
function decodeNull(b: Uint8Array, o: number, end: number, p: PacketInfo, inner: boolean): number {
  if (end - o < 4) return TRUNCATED;
  let af = (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
  if (af > 0xffff) af = ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  // AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (Darwin).
  if (af === 2 || af === 10 || af === 24 || af === 28 || af === 30) return decodeIp(b, o + 4, end, p, inner, 0);
  return NON_IP;
}

/** Linux NFLOG: TLVs after a 4-byte header; NFULA_PAYLOAD (type 9) holds the IP packet. */
function decodeNflog(b: Uint8Array, o: number, end: number, p: PacketInfo, inner: boolean): number {
  if (end - o < 4) return TRUNCATED;
  for (let t = o + 4; t + 4 <= end;) {
    // TLV lengths are in the capturing host's byte order (little-endian in practice).
    let len = b[t]! | (b[t + 1]! << 8);
    let type = b[t + 2]! | (b[t + 3]! << 8);
    if (len < 4 || t + len > end) {
      len = (b[t]! << 8) | b[t + 1]!;
      type = (b[t + 2]! << 8) | b[t + 3]!;
      if (len < 4 || t + len > end) return TRUNCATED;
    }
    if ((type & 0x7fff) === 9) return decodeIp(b, t + 4, t + len, p, inner, 0);
    t += (len + 3) & ~3;
  }
  return NON_IP;
}

export { DECODE_OK };
