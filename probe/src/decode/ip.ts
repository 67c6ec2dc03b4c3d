import { PacketInfo, DECODE_OK, TRUNCATED, BAD_HEADER, TOO_DEEP } from './packet-info.js';
import { decodeGre, decodeUdpTunnel } from './tunnels.js';

const MAX_DEPTH = 8;

/** IPv4 or IPv6 by version nibble. */
export function decodeIp(b: Uint8Array, o: number, end: number, p: PacketInfo, inner: boolean, depth: number): number {
  if (depth > MAX_DEPTH) return TOO_DEEP;
  if (end - o < 1) return TRUNCATED;
  const v = b[o]! >> 4;
  if (v === 4) return decodeIPv4(b, o, end, p, inner, depth);
  if (v === 6) return decodeIPv6(b, o, end, p, inner, depth);
  return BAD_HEADER;
}

function decodeIPv4(b: Uint8Array, o: number, end: number, p: PacketInfo, inner: boolean, depth: number): number {
  if (end - o < 20) return TRUNCATED;
  const ihl = (b[o]! & 15) * 4;
  if (ihl < 20) return BAD_HEADER;
  if (end - o < ihl) return TRUNCATED;
  let total = (b[o + 2]! << 8) | b[o + 3]!;
  // A zero total length comes from TCP segmentation offload on the capturing host: use what was captured.
  if (total === 0) total = end - o;
  else if (total < ihl) return BAD_HEADER;
  const fragField = (b[o + 6]! << 8) | b[o + 7]!;
  const fragOffset = (fragField & 0x1fff) * 8;
  const more = fragField & 0x2000;
  p.family = 4;
  p.ipOff = o;
  p.s0 = ((b[o + 12]! << 24) | (b[o + 13]! << 16) | (b[o + 14]! << 8) | b[o + 15]!) >>> 0;
  p.d0 = ((b[o + 16]! << 24) | (b[o + 17]! << 16) | (b[o + 18]! << 8) | b[o + 19]!) >>> 0;
  p.s1 = p.s2 = p.s3 = p.d1 = p.d2 = p.d3 = 0;
  p.ipBytes = total;
  const proto = b[o + 9]!;
  const l4 = o + ihl;
  const l4End = o + total < end ? o + total : end;
  return transport(b, proto, l4, l4End, fragOffset, more !== 0, (b[o + 4]! << 8) | b[o + 5]!, p, inner, depth);
}

function decodeIPv6(b: Uint8Array, o: number, end: number, p: PacketInfo, inner: boolean, depth: number): number {
  if (end - o < 40) return TRUNCATED;
  const plen = (b[o + 4]! << 8) | b[o + 5]!;
  p.family = 6;
  p.ipOff = o;
  p.s0 = ((b[o + 8]! << 24) | (b[o + 9]! << 16) | (b[o + 10]! << 8) | b[o + 11]!) >>> 0;
  p.s1 = ((b[o + 12]! << 24) | (b[o + 13]! << 16) | (b[o + 14]! << 8) | b[o + 15]!) >>> 0;
  p.s2 = ((b[o + 16]! << 24) | (b[o + 17]! << 16) | (b[o + 18]! << 8) | b[o + 19]!) >>> 0;
  p.s3 = ((b[o + 20]! << 24) | (b[o + 21]! << 16) | (b[o + 22]! << 8) | b[o + 23]!) >>> 0;
  p.d0 = ((b[o + 24]! << 24) | (b[o + 25]! << 16) | (b[o + 26]! << 8) | b[o + 27]!) >>> 0;
  p.d1 = ((b[o + 28]! << 24) | (b[o + 29]! << 16) | (b[o + 30]! << 8) | b[o + 31]!) >>> 0;
  p.d2 = ((b[o + 32]! << 24) | (b[o + 33]! << 16) | (b[o + 34]! << 8) | b[o + 35]!) >>> 0;
  p.d3 = ((b[o + 36]! << 24) | (b[o + 37]! << 16) | (b[o + 38]! << 8) | b[o + 39]!) >>> 0;
  // A zero payload length is a jumbogram or offload artefact: use what was captured.
  p.ipBytes = plen === 0 ? end - o : plen + 40;
  const pend = plen === 0 ? end : o + 40 + plen < end ? o + 40 + plen : end;
  let nh = b[o + 6]!;
  let x = o + 40;
  let fragOffset = 0;
  let more = false;
  let fragId = 0;
  // Walk extension headers to the upper-layer protocol (hop-by-hop, routing, fragment, destination, AH, mobility, HIP, shim6).
  for (let i = 0; i < 16; i++) {
    if (nh === 0 || nh === 43 || nh === 60 || nh === 135 || nh === 139 || nh === 140) {
      if (pend - x < 2) {
        p.proto = nh;
        return DECODE_OK;
      }
      const next = b[x]!;
      x += (b[x + 1]! + 1) * 8;
      nh = next;
    } else if (nh === 44) {
      if (pend - x < 8) {
        p.proto = nh;
        return DECODE_OK;
      }
      const field = (b[x + 2]! << 8) | b[x + 3]!;
      fragOffset = field & 0xfff8;
      more = (field & 1) !== 0;
      fragId = ((b[x + 4]! << 24) | (b[x + 5]! << 16) | (b[x + 6]! << 8) | b[x + 7]!) >>> 0;
      nh = b[x]!;
      x += 8;
    } else if (nh === 51) {
      if (pend - x < 2) {
        p.proto = nh;
        return DECODE_OK;
      }
      const next = b[x]!;
      x += (b[x + 1]! + 2) * 4;
      nh = next;
    } else break;
  }
  return transport(b, nh, x, pend, fragOffset, more, fragId, p, inner, depth);
}

/** Transport header (ports, ICMP type/code, TCP flags), fragment bookkeeping, and tunnels. */
function transport(
  b: Uint8Array,
  proto: number,
  l4: number,
  end: number,
  fragOffset: number,
  more: boolean,
  fragId: number,
  p: PacketInfo,
  inner: boolean,
  depth: number,
): number {
  p.proto = proto;
  p.sport = 0;
  p.dport = 0;
  p.tcpFlags = 0;
  p.l4Off = l4;
  p.l4Len = end > l4 ? end - l4 : 0;
  if (fragOffset > 0 || more) {
    p.frag = fragOffset > 0 ? 2 : 1;
    p.fragId = fragId;
    p.fragOffset = fragOffset;
    p.fragKey = `${proto}|${fragId}|${p.s0}|${p.s1}|${p.s2}|${p.s3}|${p.d0}|${p.d1}|${p.d2}|${p.d3}`;
    if (fragOffset > 0) return DECODE_OK; // later fragment: no transport header here
  } else {
    p.frag = 0;
    p.fragKey = '';
  }
  const avail = end - l4;
  switch (proto) {
    case 6: // TCP
      if (avail >= 4) {
        p.sport = (b[l4]! << 8) | b[l4 + 1]!;
        p.dport = (b[l4 + 2]! << 8) | b[l4 + 3]!;
        if (avail >= 14) p.tcpFlags = b[l4 + 13]!;
      }
      return DECODE_OK;
    case 17: // UDP
      if (avail >= 4) {
        p.sport = (b[l4]! << 8) | b[l4 + 1]!;
        p.dport = (b[l4 + 2]! << 8) | b[l4 + 3]!;
        if (inner && avail > 8) return decodeUdpTunnel(b, l4 + 8, end, p, inner, depth);
      }
      return DECODE_OK;
    case 132: // SCTP
    case 33: // DCCP
    case 136: // UDP-Lite
      if (avail >= 4) {
        p.sport = (b[l4]! << 8) | b[l4 + 1]!;
        p.dport = (b[l4 + 2]! << 8) | b[l4 + 3]!;
      }
      return DECODE_OK;
    case 1: // ICMP
    case 58: // ICMPv6
      if (avail >= 2) p.dport = (b[l4]! << 8) | b[l4 + 1]!;
      return DECODE_OK;
    case 4: // IP-in-IP
    case 41: // IPv6-in-IP (6in4, 6in6)
      if (inner) return decapIp(b, l4, end, p, depth);
      return DECODE_OK;
    case 47: // GRE: followed in inner mode; ERSPAN is stripped in both modes
      return decodeGre(b, l4, end, p, inner, depth);
    default:
      return DECODE_OK;
  }
}

/** Decodes an inner IP header; if it is unusable the outer header's flow stands. */
function decapIp(b: Uint8Array, o: number, end: number, p: PacketInfo, depth: number): number {
  save(p, depth);
  const r = decodeIp(b, o, end, p, true, depth + 1);
  if (r !== DECODE_OK) restore(p, depth);
  else decapsulated(p, depth);
  return DECODE_OK;
}

/**
 * Bookkeeping after a successful decapsulation. When the outer datagram was a first fragment,
 * its identity is kept: its later fragments are part of the inner packet just decoded (already
 * counted with the inner IP length) and must not count again as outer traffic.
 */
export function decapsulated(p: PacketInfo, depth: number): void {
  p.tunnels++;
  const outer = scratch[depth]!;
  if (outer.frag === 1 && p.outerFragKey === '') p.outerFragKey = outer.fragKey;
}

// A failed decapsulation restores the outer fields from a copy kept per tunnel depth.
const scratch = Array.from({ length: MAX_DEPTH + 2 }, () => new PacketInfo());
export function save(p: PacketInfo, depth: number): void {
  Object.assign(scratch[depth]!, p);
}
export function restore(p: PacketInfo, depth: number): void {
  Object.assign(p, scratch[depth]!);
}
