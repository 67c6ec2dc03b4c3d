import { PacketInfo, DECODE_OK, TRUNCATED } from './packet-info.js';
import { decodeIp, save, restore, decapsulated } from './ip.js';
import { decodeEthernet, decodeEtherType, decodePpp } from './link.js';

/**
 * GRE (RFC 2784/2890, and PPTP's enhanced GRE). ERSPAN types I/II (0x88BE) and III (0x22EB)
 * are mirror encapsulations and always removed; other payloads (IP, transparent Ethernet
 * bridging, PPP, MPLS) are followed only in inner mode.
 */
export function decodeGre(b: Uint8Array, o: number, end: number, p: PacketInfo, inner: boolean, depth: number): number {
  if (end - o < 4) return DECODE_OK;
  const flags = (b[o]! << 8) | b[o + 1]!;
  const proto = (b[o + 2]! << 8) | b[o + 3]!;
  const version = flags & 7;
  let x = o + 4;
  if (version === 0) {
    if (flags & 0x4000) return DECODE_OK; // source routing (RFC 1701): not followed
    if (flags & 0x8000) x += 4;
    if (flags & 0x2000) x += 4;
    if (flags & 0x1000) x += 4;
  } else if (version === 1) {
    x += 4; // key (payload length + call id) is mandatory
    if (flags & 0x1000) x += 4;
    if (flags & 0x0080) x += 4;
  } else return DECODE_OK;
  if (x > end) return DECODE_OK;

  if (proto === 0x88be || proto === 0x22eb) {
    let vlan = 0;
    if (proto === 0x88be) {
      // Type II has a sequence number and an 8-byte header; type I has neither.
      if (flags & 0x1000) {
        if (end - x < 8) return TRUNCATED;
        vlan = ((b[x]! << 8) | b[x + 1]!) & 0x0fff;
        x += 8;
      }
    } else {
      if (end - x < 12) return TRUNCATED;
      vlan = ((b[x]! << 8) | b[x + 1]!) & 0x0fff;
      const optional = b[x + 11]! & 1;
      x += optional ? 20 : 12;
    }
    // The mirrored frame is what we account for; the transport's VLAN says nothing about it.
    save(p, depth);
    p.vlan = -1;
    p.tunnels = 0;
    const r = decodeEthernet(b, x, end, p, inner, depth + 1);
    if (r !== DECODE_OK) {
      restore(p, depth);
      return r;
    }
    if (p.vlan < 0 && vlan > 0) p.vlan = vlan;
    decapsulated(p, depth);
    p.tunnels = 0; // a mirror encapsulation is not a tunnel of the traffic itself
    return DECODE_OK;
  }
  if (!inner) return DECODE_OK;
  save(p, depth);
  let r: number;
  if (proto === 0x0800 || proto === 0x86dd) r = decodeIp(b, x, end, p, inner, depth + 1);
  else if (proto === 0x6558) r = decodeEthernet(b, x, end, p, inner, depth + 1);
  else if (proto === 0x880b) r = decodePpp(b, x, end, p, inner, depth + 1);
  else if (proto === 0x8847 || proto === 0x8848) r = decodeEtherType(proto, b, x, end, p, inner, depth + 1);
  else return DECODE_OK;
  if (r !== DECODE_OK) restore(p, depth);
  else decapsulated(p, depth);
  return DECODE_OK;
}

/**
 * UDP tunnels, by well-known destination port: VXLAN (4789, and Linux's old 8472),
 * Geneve (6081), GTP-U (2152). `o` is the start of the UDP payload. Inner mode only.
 */
export function decodeUdpTunnel(b: Uint8Array, o: number, end: number, p: PacketInfo, inner: boolean, depth: number): number {
  const dport = p.dport;
  let x: number;
  let kind: 'eth' | 'ip' | 'ethertype';
  let etherType = 0;
  if (dport === 4789 || dport === 8472) {
    if (end - o < 8 || (b[o]! & 0x08) === 0) return DECODE_OK; // I flag: a valid VNI
    x = o + 8;
    kind = 'eth';
  } else if (dport === 6081) {
    if (end - o < 8 || b[o]! >> 6 !== 0) return DECODE_OK;
    x = o + 8 + (b[o]! & 0x3f) * 4;
    etherType = (b[o + 2]! << 8) | b[o + 3]!;
    kind = etherType === 0x6558 ? 'eth' : 'ethertype';
  } else if (dport === 2152) {
    if (end - o < 8) return DECODE_OK;
    const flags = b[o]!;
    if (flags >> 5 !== 1 || (flags & 0x10) === 0 || b[o + 1] !== 0xff) return DECODE_OK; // GTPv1 G-PDU only
    x = o + 8;
    if (flags & 0x07) {
      if (end - o < 12) return DECODE_OK;
      let next = flags & 0x04 ? b[o + 11]! : 0;
      x = o + 12;
      for (let i = 0; next !== 0 && i < 8; i++) {
        if (x >= end) return DECODE_OK;
        const len = b[x]! * 4;
        if (len === 0 || x + len > end) return DECODE_OK;
        next = b[x + len - 1]!;
        x += len;
      }
    }
    kind = 'ip';
  } else return DECODE_OK;
  if (x >= end) return DECODE_OK;
  save(p, depth);
  const r =
    kind === 'eth'
      ? decodeEthernet(b, x, end, p, inner, depth + 1)
      : kind === 'ip'
        ? decodeIp(b, x, end, p, inner, depth + 1)
        : decodeEtherType(etherType, b, x, end, p, inner, depth + 1);
  if (r !== DECODE_OK) restore(p, depth);
  else decapsulated(p, depth);
  return DECODE_OK;
}
