import { formatIPv4, formatIPv6 } from '@spanmap/shared';
import type { MalformedReason } from './found.js';

/**
 * Domain names in DNS wire format (RFC 1035 section 4.1.4), shared by DNS, mDNS, LLMNR,
 * NetBIOS name service and the DHCP FQDN options. Hand-written: the few well-kept JS DNS
 * packet libraries (dns-packet) throw on bad input and decode whole messages into objects; here
 * every bound is checked, bad input returns a reason, and only the names asked for are built.
 *
 * Loop protection: a compression pointer must point strictly before every byte of the name read
 * so far (RFC 1035 compresses to a *prior* occurrence), so each jump goes backwards and a name
 * ends after at most as many jumps as the message has bytes; anything else is 'compression-loop'.
 */

/** Longest name on the wire: 255 bytes including length bytes and the root label. */
export const MAX_WIRE_NAME = 255;

/** Where a name read by `readName` ended, and its text (labels joined by dots, no trailing dot). */
export interface NameRead {
  name: string;
  /** Offset just after the name in the record it started in (after the first pointer, if any). */
  next: number;
}

/**
 * Reads the name at `off` of the message starting at `msg` and ending at `end`. Label bytes
 * become characters one to one (latin1); a label holding a dot, or any other byte a host name
 * cannot hold, is left for nameProblem to refuse. Returns a reason when the name is malformed.
 */
export function readName(b: Uint8Array, msg: number, off: number, end: number, out: NameRead): MalformedReason | null {
  let o = off;
  let lowest = off; // every byte read so far lies at or after this offset
  let next = -1;
  let wire = 0;
  let name = '';
  for (;;) {
    if (o >= end) return 'truncated';
    const len = b[o]!;
    if (len === 0) {
      wire += 1;
      if (wire > MAX_WIRE_NAME) return 'name-too-long';
      out.name = name;
      out.next = next >= 0 ? next : o + 1;
      return null;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (o + 1 >= end) return 'truncated';
      const target = msg + (((len & 0x3f) << 8) | b[o + 1]!);
      if (next < 0) next = o + 2;
      if (target < msg + 12) return 'bad-pointer';
      if (target >= end) return 'bad-pointer';
      if (target >= lowest) return 'compression-loop';
      lowest = target;
      o = target;
      continue;
    }
    if (kind !== 0) return 'label-too-long';
    wire += len + 1;
    if (wire > MAX_WIRE_NAME) return 'name-too-long';
    if (o + 1 + len > end) return 'truncated';
    if (name.length > 0) name += '.';
    for (let i = o + 1; i <= o + len; i++) name += String.fromCharCode(b[i]!);
    o += len + 1;
  }
}

/**
 * Reads an uncompressed name that may lack its root label (a "partial" name in the DHCP FQDN
 * options, RFC 4702/4704) filling exactly b[off, end). No pointers are allowed.
 */
export function readPartialName(b: Uint8Array, off: number, end: number, out: NameRead): MalformedReason | null {
  let o = off;
  let name = '';
  while (o < end) {
    const len = b[o]!;
    if (len === 0) {
      if (o + 1 !== end) return 'bad-length';
      break;
    }
    if ((len & 0xc0) === 0xc0) return 'bad-pointer';
    if ((len & 0xc0) !== 0) return 'label-too-long';
    if (o + 1 + len > end) return 'truncated';
    if (o + 1 + len - off > MAX_WIRE_NAME) return 'name-too-long';
    if (name.length > 0) name += '.';
    for (let i = o + 1; i <= o + len; i++) name += String.fromCharCode(b[i]!);
    o += len + 1;
  }
  out.name = name;
  out.next = end;
  return null;
}

/**
 * Skips the name at `off` without building it; returns the offset after it, or a reason. A
 * pointer ends the name in place, so pointers are not followed (the name is never used).
 */
export function skipName(b: Uint8Array, off: number, end: number): number | MalformedReason {
  let o = off;
  let wire = 0;
  for (;;) {
    if (o >= end) return 'truncated';
    const len = b[o]!;
    if (len === 0) return o + 1;
    if ((len & 0xc0) === 0xc0) return o + 2 <= end ? o + 2 : 'truncated';
    if ((len & 0xc0) !== 0) return 'label-too-long';
    wire += len + 1;
    if (wire > MAX_WIRE_NAME) return 'name-too-long';
    o += len + 1;
  }
}

/** The address a reverse-lookup name stands for ("4.3.2.1.in-addr.arpa", 32 nibbles + "ip6.arpa"), else null. */
export function reverseNameAddress(name: string): string | null {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (n.endsWith('.in-addr.arpa')) {
    const parts = n.slice(0, -'.in-addr.arpa'.length).split('.');
    if (parts.length !== 4) return null;
    let v = 0;
    for (let i = 3; i >= 0; i--) {
      const p = parts[i]!;
      if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return null;
      v = v * 256 + Number(p);
    }
    return formatIPv4(v);
  }
  if (n.endsWith('.ip6.arpa')) {
    const nibbles = n.slice(0, -'.ip6.arpa'.length).split('.');
    if (nibbles.length !== 32 || !nibbles.every((x) => /^[0-9a-f]$/.test(x))) return null;
    const w = [0, 0, 0, 0];
    for (let i = 0; i < 32; i++) {
      const word = i >> 3;
      w[word] = ((w[word]! << 4) | parseInt(nibbles[31 - i]!, 16)) >>> 0;
    }
    return formatIPv6(w[0]!, w[1]!, w[2]!, w[3]!);
  }
  return null;
}

/** Big-endian 32-bit word at `o` (caller checks bounds). */
export function word(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** IPv4 address text from 4 bytes at `o`. */
export function ipv4At(b: Uint8Array, o: number): string {
  return formatIPv4(word(b, o));
}

/** IPv6 address text from 16 bytes at `o`. */
export function ipv6At(b: Uint8Array, o: number): string {
  return formatIPv6(word(b, o), word(b, o + 4), word(b, o + 8), word(b, o + 12));
}
