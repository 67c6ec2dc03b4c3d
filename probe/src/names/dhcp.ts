import { ipv4At, readPartialName, word, type NameRead } from './dns-name.js';
import type { MalformedReason } from './found.js';
import type { LeaseMessage } from './leases.js';

/**
 * DHCPv4 (RFC 2131/2132): the names in a message (Host Name option 12, Client FQDN option 81 of
 * RFC 4702 in ASCII or, with its E flag, DNS wire format, Domain Name option 15) and, for an
 * ACK, the address handed out. Clients send their names in DISCOVER/REQUEST/INFORM; servers
 * rarely repeat them in the ACK, so `Leases` pairs the two by transaction. Options overloaded
 * into the sname/file fields (option 52) are read too.
 */

const MAGIC = 0x63825363;
const OPTIONS = 240;
const ACK = 5;

interface Options {
  type: number;
  host: string | null;
  fqdn: string | null;
  domain: string | null;
  overload: number;
}

/** Option bytes as text, without the NUL terminators some clients and servers add. */
function text(b: Uint8Array, o: number, len: number): string {
  let s = '';
  for (let i = o; i < o + len; i++) s += String.fromCharCode(b[i]!);
  return s.replace(/\0+$/, '');
}

/** Reads the options in b[o, end) into `opts`. */
function readOptions(b: Uint8Array, o: number, end: number, opts: Options): MalformedReason | null {
  const name: NameRead = { name: '', next: 0 };
  while (o < end) {
    const code = b[o]!;
    if (code === 255) return null;
    if (code === 0) {
      o++;
      continue;
    }
    if (o + 2 > end) return 'truncated';
    const len = b[o + 1]!;
    const v = o + 2;
    if (v + len > end) return 'truncated';
    switch (code) {
      case 53:
        if (len !== 1) return 'bad-length';
        opts.type = b[v]!;
        break;
      case 12:
        opts.host = text(b, v, len);
        break;
      case 15:
        opts.domain = text(b, v, len);
        break;
      case 52:
        if (len !== 1) return 'bad-length';
        opts.overload = b[v]!;
        break;
      case 81: {
        if (len < 3) return 'bad-length';
        if ((b[v]! & 0x04) !== 0) {
          // E flag: canonical wire format, uncompressed, possibly partial (no root label)
          if (len === 3) break;
          const bad = readPartialName(b, v + 3, v + len, name);
          if (bad) return bad;
          opts.fqdn = name.name;
        } else opts.fqdn = text(b, v + 3, len - 3);
        break;
      }
    }
    o = v + len;
  }
  return null;
}

/**
 * Decodes one BOOTP/DHCP message in b[off, end): a client message (DISCOVER, REQUEST, INFORM,
 * ...) offers its names; an ACK (or a BOOTP reply, which has no message type) hands out an
 * address: yiaddr, or ciaddr when acknowledging an INFORM. Transactions are keyed on xid and
 * the client hardware address.
 */
export function decodeDhcp(b: Uint8Array, off: number, end: number): LeaseMessage | MalformedReason {
  if (end - off < OPTIONS) return 'truncated';
  const op = b[off]!;
  if (op !== 1 && op !== 2) return 'bad-header';
  const magic = ((b[off + 236]! << 24) | (b[off + 237]! << 16) | (b[off + 238]! << 8) | b[off + 239]!) >>> 0;
  const opts: Options = { type: 0, host: null, fqdn: null, domain: null, overload: 0 };
  if (magic === MAGIC) {
    let bad = readOptions(b, off + OPTIONS, end, opts);
    if (!bad && opts.overload & 1) bad = readOptions(b, off + 108, off + 236, opts); // file
    if (!bad && opts.overload & 2) bad = readOptions(b, off + 44, off + 108, opts); // sname
    if (bad) return bad;
  } // else plain BOOTP (RFC 951): vendor data, no options
  const hlen = Math.min(b[off + 2]!, 16);
  let key = `4 ${word(b, off + 4).toString(16)}`;
  for (let i = 0; i < hlen; i++) key += (b[off + 28 + i]! < 16 ? ':0' : ':') + b[off + 28 + i]!.toString(16);
  const msg: LeaseMessage = { role: 'other', key, host: opts.host, fqdn: opts.fqdn, domain: opts.domain, addrs: [] };
  if (op === 1) msg.role = 'client';
  else if (opts.type === ACK || opts.type === 0) {
    msg.role = 'ack';
    const yiaddr = word(b, off + 16);
    const ciaddr = word(b, off + 12);
    if (yiaddr !== 0) msg.addrs.push(ipv4At(b, off + 16));
    else if (ciaddr !== 0) msg.addrs.push(ipv4At(b, off + 12));
  }
  return msg;
}
