import { ipv4At, readName, skipName, type NameRead } from './dns-name.js';
import type { DecodeResult, Found } from './found.js';

/**
 * NetBIOS name service (RFC 1001/1002, UDP 137). The message is DNS-shaped; a NetBIOS name is
 * one 32-byte label in "first-level encoding" (each byte as two letters 'A'+nibble) holding 15
 * characters padded with spaces and a suffix byte, then an optional scope (ignored here).
 *
 * What names an address:
 * - registrations and refreshes (opcode 5, 8, 9, 15; requests): the NB record's address gets the name;
 * - positive responses (no error) to queries, registrations and refreshes: every address in the
 *   answer's NB record gets the name;
 * - a node status response (NBSTAT): the responding host (the packet's source) gets its unique
 *   workstation name.
 * Only unique names with suffix <00> (workstation) or <20> (file server) are host names; group
 * names (domains, workgroups) and the other suffixes (<03> messenger: also user names, <1B>-<1E>:
 * domain and browser roles) are not. Releases (opcode 6) and WACKs teach nothing.
 */

const T_NB = 0x20;
const T_NBSTAT = 0x21;
const GROUP = 0x8000;

/** Host-name suffixes: workstation and file server service. */
function isHostSuffix(s: number): boolean {
  return s === 0x00 || s === 0x20;
}

/**
 * Decodes a first-level encoded NetBIOS name (the first label of `text`): the name without its
 * padding, and the suffix; null when the label is not 32 letters A-P.
 */
export function decodeNetbiosName(text: string): { name: string; suffix: number } | null {
  const dot = text.indexOf('.');
  const label = dot < 0 ? text : text.slice(0, dot);
  if (label.length !== 32) return null;
  let name = '';
  let suffix = 0;
  for (let i = 0; i < 32; i += 2) {
    const hi = label.charCodeAt(i) - 65;
    const lo = label.charCodeAt(i + 1) - 65;
    if (hi < 0 || hi > 15 || lo < 0 || lo > 15) return null;
    const c = (hi << 4) | lo;
    if (i === 30) suffix = c;
    else name += String.fromCharCode(c);
  }
  return { name: name.replace(/ +$/, ''), suffix };
}

/** Decodes one name service message in b[off, end); `src` is the sender's address (for node status). */
export function decodeNetbios(b: Uint8Array, off: number, end: number, src: string): DecodeResult {
  if (end - off < 12) return 'truncated';
  const flags = (b[off + 2]! << 8) | b[off + 3]!;
  const response = (flags & 0x8000) !== 0;
  const opcode = (flags >>> 11) & 0xf;
  const registration = opcode === 5 || opcode === 8 || opcode === 9 || opcode === 15;
  if (response ? (flags & 0xf) !== 0 || !(opcode === 0 || registration) : !registration) return [];
  const qd = (b[off + 4]! << 8) | b[off + 5]!;
  const counts = ((b[off + 6]! << 8) | b[off + 7]!) + ((b[off + 8]! << 8) | b[off + 9]!) + ((b[off + 10]! << 8) | b[off + 11]!);
  let o = off + 12;
  for (let i = 0; i < qd; i++) {
    const n = skipName(b, o, end);
    if (typeof n === 'string') return n;
    o = n + 4;
    if (o > end) return 'truncated';
  }
  const out: Found[] = [];
  const rr: NameRead = { name: '', next: 0 };
  for (let i = 0; i < counts; i++) {
    const bad = readName(b, off, o, end, rr);
    if (bad) return bad;
    const n = rr.next;
    if (n + 10 > end) return 'truncated';
    const type = (b[n]! << 8) | b[n + 1]!;
    const rdlen = (b[n + 8]! << 8) | b[n + 9]!;
    const rd = n + 10;
    if (rd + rdlen > end) return 'truncated';
    o = rd + rdlen;
    if (type === T_NB) {
      const nb = decodeNetbiosName(rr.name);
      if (nb === null) return 'bad-header';
      if (rdlen % 6 !== 0) return 'bad-length';
      if (!isHostSuffix(nb.suffix)) continue;
      for (let e = rd; e < rd + rdlen; e += 6) {
        if ((((b[e]! << 8) | b[e + 1]!) & GROUP) !== 0) continue;
        out.push({ ip: ipv4At(b, e + 2), name: nb.name });
      }
    } else if (type === T_NBSTAT && response) {
      const r = nodeStatus(b, rd, rd + rdlen, src, out);
      if (r) return r;
    }
  }
  return out;
}

/** NBSTAT RDATA: a count, then 18-byte entries (15 characters, suffix, flags); the first unique <00> name names `src`. */
function nodeStatus(b: Uint8Array, o: number, end: number, src: string, out: Found[]): 'truncated' | null {
  if (o >= end) return 'truncated';
  const names = b[o]!;
  if (o + 1 + names * 18 > end) return 'truncated';
  for (let i = 0; i < names; i++) {
    const e = o + 1 + i * 18;
    const flags = (b[e + 16]! << 8) | b[e + 17]!;
    if (b[e + 15] !== 0x00 || (flags & GROUP) !== 0) continue;
    let name = '';
    for (let k = 0; k < 15; k++) name += String.fromCharCode(b[e + k]!);
    out.push({ ip: src, name: name.replace(/ +$/, '') });
    return null;
  }
  return null;
}
