import { ipv6At, readName, readPartialName, type NameRead } from './dns-name.js';
import type { MalformedReason } from './found.js';
import type { LeaseMessage } from './leases.js';

/**
 * DHCPv6 (RFC 8415): client messages (Solicit, Request, Confirm, Renew, Rebind,
 * Information-request) offer the Client FQDN (option 39, RFC 4704, DNS wire format, possibly a
 * partial name); a Reply hands out the addresses of its IA_NA / IA_TA options (those with a valid
 * lifetime) and may carry the FQDN and a Domain Search List (option 24, first entry used as the
 * domain). Relay messages are unwrapped to the message they carry. Transactions are keyed on the
 * transaction id and the client DUID (option 1); `Leases` pairs them.
 */

const REPLY = 7;
const RELAY_FORW = 12;
const RELAY_REPL = 13;
const CLIENT_TYPES = new Set([1, 3, 4, 5, 6, 11]);
const MAX_RELAY_DEPTH = 8;

/** Walks options in b[o, end) into `m`; `inIa` is true inside an IA (where IAADDR lives). */
function options(b: Uint8Array, o: number, end: number, m: LeaseMessage, inIa: boolean, name: NameRead): MalformedReason | null {
  while (o < end) {
    if (o + 4 > end) return 'truncated';
    const code = (b[o]! << 8) | b[o + 1]!;
    const len = (b[o + 2]! << 8) | b[o + 3]!;
    const v = o + 4;
    if (v + len > end) return 'truncated';
    if (inIa) {
      if (code === 5) {
        if (len < 24) return 'bad-length';
        const valid = ((b[v + 20]! << 24) | (b[v + 21]! << 16) | (b[v + 22]! << 8) | b[v + 23]!) >>> 0;
        if (valid > 0) m.addrs.push(ipv6At(b, v));
      }
    } else if (code === 1) {
      for (let i = v; i < v + len; i++) m.key += (b[i]! < 16 ? '0' : '') + b[i]!.toString(16);
    } else if (code === 3 || code === 4) {
      const head = code === 3 ? 12 : 4; // IA_NA: IAID, T1, T2; IA_TA: IAID
      if (len < head) return 'bad-length';
      const bad = options(b, v + head, v + len, m, true, name);
      if (bad) return bad;
    } else if (code === 39) {
      if (len < 1) return 'bad-length';
      if (len > 1) {
        const bad = readPartialName(b, v + 1, v + len, name);
        if (bad) return bad;
        m.fqdn = name.name;
      }
    } else if (code === 24 && len > 0 && m.domain === null) {
      const bad = readName(b, v, v, v + len, name);
      if (bad) return bad;
      m.domain = name.name;
    }
    o = v + len;
  }
  return null;
}

/** Decodes one DHCPv6 message in b[off, end). */
export function decodeDhcpv6(b: Uint8Array, off: number, end: number, depth = 0): LeaseMessage | MalformedReason {
  if (end - off < 4) return 'truncated';
  const type = b[off]!;
  if (type === RELAY_FORW || type === RELAY_REPL) {
    if (depth >= MAX_RELAY_DEPTH) return 'bad-header';
    let o = off + 34;
    if (o > end) return 'truncated';
    while (o < end) {
      if (o + 4 > end) return 'truncated';
      const code = (b[o]! << 8) | b[o + 1]!;
      const len = (b[o + 2]! << 8) | b[o + 3]!;
      if (o + 4 + len > end) return 'truncated';
      if (code === 9) return decodeDhcpv6(b, o + 4, o + 4 + len, depth + 1);
      o += 4 + len;
    }
    return { role: 'other', key: '', host: null, fqdn: null, domain: null, addrs: [] };
  }
  const xid = ((b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!).toString(16);
  const m: LeaseMessage = { role: 'other', key: `6 ${xid} `, host: null, fqdn: null, domain: null, addrs: [] };
  const bad = options(b, off + 4, end, m, false, { name: '', next: 0 });
  if (bad) return bad;
  if (type === REPLY) m.role = 'ack';
  else if (CLIENT_TYPES.has(type)) m.role = 'client';
  return m;
}
