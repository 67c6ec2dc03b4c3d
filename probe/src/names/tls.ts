import type { DecodeResult } from './found.js';

/**
 * TLS ClientHello server name indication (RFC 8446 section 4.1.2, RFC 6066 section 3) on any
 * TCP port: the server side of the connection (the packet's destination) gets the host name the
 * client asked for. Recognized by content: a handshake record (0x16) of TLS 1.0-1.3 (version
 * 0x0301-0x0304, or 0x0300) holding a ClientHello (type 1). Any other payload that happens to
 * start with 0x16 teaches nothing and is not an error.
 *
 * A ClientHello continued in a later segment (large post-quantum key shares) is read as far as
 * this segment goes: if the server name is in it, it counts; if not, 'tls-split' (no reassembly).
 */

/** Decodes the TCP payload b[off, end) sent to `dst`. */
export function decodeClientHello(b: Uint8Array, off: number, end: number, dst: string): DecodeResult {
  if (end - off < 6) return end - off >= 3 && b[off] === 0x16 && b[off + 1] === 3 ? 'tls-split' : [];
  if (b[off] !== 0x16 || b[off + 1] !== 3 || b[off + 2]! > 4 || b[off + 5] !== 1) return [];
  const recEnd = off + 5 + ((b[off + 3]! << 8) | b[off + 4]!);
  if (end - off < 9) return 'tls-split';
  const hsEnd = off + 9 + ((b[off + 6]! << 16) | (b[off + 7]! << 8) | b[off + 8]!);
  const split = recEnd > end || hsEnd > recEnd;
  const limit = Math.min(end, recEnd, hsEnd);
  // Past `limit`: the rest is in a later segment or record (split), or a length lies (bad-length).
  const short = split ? 'tls-split' : 'bad-length';
  let o = off + 9 + 2 + 32; // client_version, random
  if (o + 1 > limit) return short;
  o += 1 + b[o]!; // session id
  if (o + 2 > limit) return short;
  o += 2 + ((b[o]! << 8) | b[o + 1]!); // cipher suites
  if (o + 1 > limit) return short;
  o += 1 + b[o]!; // compression methods
  if (o === limit && !split) return []; // no extensions at all
  if (o + 2 > limit) return short;
  const extEnd = o + 2 + ((b[o]! << 8) | b[o + 1]!);
  if (!split && extEnd > limit) return 'bad-length';
  o += 2;
  while (o < extEnd) {
    if (o + 4 > limit) return short;
    const type = (b[o]! << 8) | b[o + 1]!;
    const len = (b[o + 2]! << 8) | b[o + 3]!;
    const v = o + 4;
    if (type === 0) {
      if (v + len > limit) return short;
      return serverName(b, v, v + len, dst);
    }
    o = v + len;
  }
  return split && o >= limit ? 'tls-split' : [];
}

/** The server_name extension's list: the first host_name entry. */
function serverName(b: Uint8Array, o: number, end: number, dst: string): DecodeResult {
  if (o + 2 > end) return 'bad-length';
  const listEnd = o + 2 + ((b[o]! << 8) | b[o + 1]!);
  if (listEnd > end) return 'bad-length';
  o += 2;
  while (o + 3 <= listEnd) {
    const type = b[o]!;
    const len = (b[o + 1]! << 8) | b[o + 2]!;
    if (o + 3 + len > listEnd) return 'bad-length';
    if (type === 0) {
      let name = '';
      for (let i = o + 3; i < o + 3 + len; i++) name += String.fromCharCode(b[i]!);
      return [{ ip: dst, name }];
    }
    o += 3 + len;
  }
  return [];
}
