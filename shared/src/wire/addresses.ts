import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../ip.js';
import { ByteReader, ByteWriter, WireFormatError } from './varint.js';

/** Address and interface-name dictionaries at the head of a batch body: rows refer to them by index. */
export class Dictionary {
  readonly index = new Map<string, number>();
  add(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) this.index.set(s, (i = this.index.size));
    return i;
  }
  get(s: string): number {
    return this.index.get(s)!;
  }
  get size(): number {
    return this.index.size;
  }
  keys(): IterableIterator<string> {
    return this.index.keys();
  }
}

export function writeAddress(w: ByteWriter, a: string): void {
  const v4 = parseIPv4(a);
  if (v4 !== null) {
    w.u8(4);
    w.u8(v4 >>> 24);
    w.u8((v4 >>> 16) & 255);
    w.u8((v4 >>> 8) & 255);
    w.u8(v4 & 255);
    return;
  }
  const v6 = parseIPv6(a);
  if (v6 === null) throw new RangeError(`not an IP address: ${a}`);
  w.u8(6);
  for (let i = 15; i >= 0; i--) w.u8(Number((v6 >> BigInt(i * 8)) & 0xffn));
}

export function readAddress(r: ByteReader): string {
  const fam = r.u8();
  if (fam === 4) {
    const b = r.bytes(4);
    return formatIPv4(((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0);
  }
  if (fam === 6) {
    const b = r.bytes(16);
    const word = (i: number) => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
    return formatIPv6(word(0), word(4), word(8), word(12));
  }
  throw new WireFormatError('bad-address', `unknown address family ${fam}`);
}

/** Writes both dictionaries. */
export function writeDictionaries(w: ByteWriter, addrs: Dictionary, ifaces: Dictionary): void {
  w.varint(addrs.size);
  for (const a of addrs.keys()) writeAddress(w, a);
  w.varint(ifaces.size);
  for (const i of ifaces.keys()) w.string(i);
}

/** Reads both dictionaries, bounded by `maxAddresses`. */
export function readDictionaries(r: ByteReader, maxAddresses: number): { addrs: string[]; ifaces: string[] } {
  const nAddr = r.varint();
  if (nAddr > maxAddresses) throw new WireFormatError('too-large', `${nAddr} addresses`);
  const addrs: string[] = [];
  for (let i = 0; i < nAddr; i++) addrs.push(readAddress(r));
  const nIface = r.varint();
  if (nIface > 4096) throw new WireFormatError('too-large', `${nIface} interfaces`);
  const ifaces: string[] = [];
  for (let i = 0; i < nIface; i++) ifaces.push(r.string(128));
  return { addrs, ifaces };
}

export function pick(list: string[], i: number, what: string): string {
  const v = list[i];
  if (v === undefined) throw new WireFormatError('bad-index', `${what} index ${i} out of range`);
  return v;
}

export function hexToBytes(hex: string): Uint8Array {
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new RangeError('epoch must be 32 lowercase hex characters');
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function bytesToHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
