import { ipv4At, ipv6At, readName, reverseNameAddress, skipName, type NameRead } from './dns-name.js';
import type { DecodeResult, Found } from './found.js';

/**
 * DNS responses (RFC 1035), and the same message format in mDNS (RFC 6762) and LLMNR (RFC 4795).
 *
 * - A / AAAA: the address gets the name that was asked: the record's owner name, followed back
 *   through the CNAME records of the same message to the head of the chain (www → lb → web1: the
 *   address of web1 gets "www"). A CNAME loop or a chain longer than 16 stops where it is.
 * - PTR: the address spelled by the owner name (in-addr.arpa / ip6.arpa, after following CNAMEs
 *   back, as with RFC 2317 classless delegation) gets the target name. PTR records of other owners
 *   (DNS-SD service lists) teach nothing.
 * - Only responses with opcode QUERY and no error; queries teach nothing (no error either).
 * - Unicast DNS: the answer section only (what was asked). mDNS and LLMNR: every section, since
 *   announcements carry their address records in the additional section.
 */

const T_A = 1;
const T_CNAME = 5;
const T_PTR = 12;
const T_AAAA = 28;
const MAX_CHAIN = 16;

interface Rec {
  type: number;
  owner: string;
  /** Address (A/AAAA) or target name (CNAME/PTR). */
  data: string;
}

/**
 * Decodes one DNS message in b[off, end). `allSections`: also authority and additional records.
 * `cut`: the message is known to continue past `end` (the first fragment of a fragmented
 * datagram, or a packet cut by the snap length): the records complete before `end` count, and
 * 'truncated' is returned only when none is.
 */
export function decodeDns(b: Uint8Array, off: number, end: number, allSections: boolean, cut = false): DecodeResult {
  if (end - off < 12) return 'truncated';
  const flags = (b[off + 2]! << 8) | b[off + 3]!;
  if ((flags & 0x8000) === 0) return []; // a query
  if (((flags >>> 11) & 0xf) !== 0 || (flags & 0xf) !== 0) return []; // not a standard query, or an error answer
  const qd = (b[off + 4]! << 8) | b[off + 5]!;
  const an = (b[off + 6]! << 8) | b[off + 7]!;
  const ns = (b[off + 8]! << 8) | b[off + 9]!;
  const ar = (b[off + 10]! << 8) | b[off + 11]!;
  let o = off + 12;
  for (let i = 0; i < qd; i++) {
    const n = skipName(b, o, end);
    if (typeof n === 'string') return n;
    o = n + 4;
    if (o > end) return 'truncated';
  }
  const records: Rec[] = [];
  const count = allSections ? an + ns + ar : an;
  const name: NameRead = { name: '', next: 0 };
  for (let i = 0; i < count; i++) {
    const start = o;
    const n = skipName(b, o, end);
    if (n === 'truncated' && cut) break;
    if (typeof n === 'string') return n;
    if (n + 10 > end) {
      if (cut) break;
      return 'truncated';
    }
    const type = (b[n]! << 8) | b[n + 1]!;
    const cls = ((b[n + 2]! << 8) | b[n + 3]!) & 0x7fff; // mDNS: top bit is cache-flush
    const rdlen = (b[n + 8]! << 8) | b[n + 9]!;
    const rd = n + 10;
    if (rd + rdlen > end) {
      if (cut) break;
      return 'truncated';
    }
    o = rd + rdlen;
    if (cls !== 1 || (type !== T_A && type !== T_AAAA && type !== T_CNAME && type !== T_PTR)) continue;
    const bad = readName(b, off, start, end, name);
    if (bad) return bad;
    const owner = name.name;
    if (type === T_A || type === T_AAAA) {
      if (rdlen !== (type === T_A ? 4 : 16)) return 'bad-length';
      records.push({ type, owner, data: type === T_A ? ipv4At(b, rd) : ipv6At(b, rd) });
    } else {
      const bad2 = readName(b, off, rd, end, name);
      if (bad2) return bad2;
      if (name.next > rd + rdlen) return 'bad-length';
      records.push({ type, owner, data: name.name });
    }
  }
  if (cut && records.length === 0) return 'truncated';
  return namesOf(records);
}

/** Turns the records of one message into (address, name) pairs. */
function namesOf(records: Rec[]): Found[] {
  const aliasOf = new Map<string, string>(); // CNAME target → owner (lower case)
  for (const r of records) if (r.type === T_CNAME) aliasOf.set(r.data.toLowerCase(), r.owner);
  const head = (owner: string): string => {
    let n = owner;
    for (let i = 0; i < MAX_CHAIN; i++) {
      const up = aliasOf.get(n.toLowerCase());
      if (up === undefined || up.toLowerCase() === owner.toLowerCase()) break;
      n = up;
    }
    return n;
  };
  const out: Found[] = [];
  for (const r of records) {
    if (r.type === T_A || r.type === T_AAAA) out.push({ ip: r.data, name: aliasOf.size > 0 ? head(r.owner) : r.owner });
    else if (r.type === T_PTR) {
      const ip = reverseNameAddress(aliasOf.size > 0 ? head(r.owner) : r.owner) ?? reverseNameAddress(r.owner);
      if (ip !== null) out.push({ ip, name: r.data });
    }
  }
  return out;
}

/**
 * DNS over TCP: one or more messages, each behind a 2-byte length. A message continued in a
 * later segment is 'truncated' when it is the first in the segment (the segment teaches nothing);
 * later messages that do not fit are left for the segment that holds them.
 */
export function decodeDnsTcp(b: Uint8Array, off: number, end: number): DecodeResult {
  let o = off;
  const out: Found[] = [];
  while (end - o >= 2) {
    const len = (b[o]! << 8) | b[o + 1]!;
    if (o + 2 + len > end) {
      if (o === off) return 'truncated';
      break;
    }
    const r = decodeDns(b, o + 2, o + 2 + len, false);
    if (typeof r === 'string') return r;
    for (const f of r) out.push(f);
    o += 2 + len;
  }
  if (o === off) return 'truncated';
  return out;
}
