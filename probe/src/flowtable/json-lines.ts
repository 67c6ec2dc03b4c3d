import { INITIATOR_HOWS, type EndReason } from '@spanmap/shared/flow-record';
import type { FlowStore } from './flow-store.js';
import { addressOf, INIT_B, HOW_SHIFT } from './flow-record.js';
import { W_A, W_B, W_PORTS, W_META, W_PK_A, W_PK_B, W_BY_A, W_BY_B, W_MISC, D_FIRST, D_LAST, WORDS, DOUBLES, META_V6, CONT } from './layout.js';

// `probe read` prints millions of records: building an object, two address strings and a JSON
// string per record (and the garbage collector's work after them) cost more than the flow table
// itself. This writes the same line, byte for byte what flowRecordJson(flowRecord(...)) gives
// (tested), straight from the record into one reused buffer.

const MAX_LINE = 512; // a record line without its interface name is at most ~370 bytes (IPv6)

/** ASCII decimal of 0-255, for IPv4 octets: offset i*4, length in the 4th byte. */
const OCTETS = new Uint8Array(256 * 4);
for (let i = 0; i < 256; i++) {
  const s = String(i);
  for (let k = 0; k < s.length; k++) OCTETS[i * 4 + k] = s.charCodeAt(k);
  OCTETS[i * 4 + 3] = s.length;
}

/** ASCII of 00-99, two bytes each: numbers are written two digits per division. */
const PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  PAIRS[i * 2] = 48 + ((i / 10) | 0);
  PAIRS[i * 2 + 1] = 48 + (i % 10);
}

/**
 * Writes non-negative integer `v` (below 2^53) in decimal at `pos`; returns the position after
 * it. Eleven numbers per record, two of them 13-digit times: the digits are counted by
 * comparison and written two per integer division (a float division per digit cost 60 ms per
 * 100,000 records).
 */
export function writeUint(b: Uint8Array, pos: number, v: number): number {
  if (v > 0x7fffffff) {
    // hi * 10^8 + lo: hi below 2^53 / 10^8 (an int), lo written as exactly 8 digits
    const hi = Math.floor(v / 1e8);
    const lo = v - hi * 1e8;
    pos = writeUint(b, pos, hi);
    writePadded(b, pos, lo, 8);
    return pos + 8;
  }
  const n =
    v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5 : v < 1000000 ? 6 : v < 10000000 ? 7 : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
  writePadded(b, pos, v, n);
  return pos + n;
}

/** `v` (an int below 10^n) as exactly n digits at `pos`, zero-padded. */
function writePadded(b: Uint8Array, pos: number, v: number, n: number): void {
  let e = pos + n;
  let t = v | 0;
  while (e - pos >= 2) {
    const q = (t / 100) | 0;
    const r = (t - q * 100) * 2;
    b[--e] = PAIRS[r + 1]!;
    b[--e] = PAIRS[r]!;
    t = q;
  }
  if (e > pos) b[pos] = 48 + t;
}

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const END = new Map<EndReason, Uint8Array>((['idle', 'active', 'fin', 'rst', 'eof', 'forced'] as const).map((r) => [r, ascii(`,"end":"${r}","initiator":"`)]));
const HOW = INITIATOR_HOWS.map((h) => ascii(`${h}"`));

/**
 * Encodes flow records as JSON lines into a buffer and hands full chunks to `write` (which
 * must consume the bytes before returning: the buffer is reused).
 */
export class JsonLines {
  private readonly buf: Uint8Array;
  private pos = 0;
  private readonly names = new Map<string, Uint8Array>();

  constructor(
    private readonly write: (chunk: Uint8Array) => void,
    size = 1 << 16,
  ) {
    this.buf = new Uint8Array(Math.max(size, 8 * MAX_LINE));
  }

  /** Appends the line for flow f's current segment, oriented by `or` (the fields of flowRecord(), in its key order). */
  record(store: FlowStore, f: number, reason: EndReason, ifaceNames: ReadonlyArray<string | null>, or: number): void {
    if (this.pos > this.buf.length - MAX_LINE) this.flush();
    const u = store.u32;
    const d = store.f64;
    const o = f * WORDS;
    const meta = u[o + W_META]!;
    const proto = meta & 0xff;
    const vlan = ((meta >>> 8) & 0x1fff) - 1;
    const ports = u[o + W_PORTS]!;
    const icmp = proto === 1 || proto === 58;
    const aPort = icmp ? 0 : ports >>> 16;
    const bPort = icmp ? ports : ports & 0xffff;
    const misc = u[o + W_MISC]!;
    const initB = (or & INIT_B) !== 0;
    const v6 = (meta & META_V6) !== 0;
    this.text('{"src":"');
    if (v6) this.text(addressOf(store, f, initB));
    else this.ipv4(u[o + (initB ? W_B : W_A)]!);
    this.text('","dst":"');
    if (v6) this.text(addressOf(store, f, !initB));
    else this.ipv4(u[o + (initB ? W_A : W_B)]!);
    this.text('","proto":');
    this.uint(proto);
    this.text(',"sport":');
    this.uint(icmp ? 0 : initB ? bPort : aPort);
    this.text(',"dport":');
    this.uint(icmp ? bPort : initB ? aPort : bPort);
    this.text(',"packets":');
    this.uint(u[o + (initB ? W_PK_B : W_PK_A)]!);
    this.text(',"bytes":');
    this.uint(u[o + (initB ? W_BY_B : W_BY_A)]!);
    this.text(',"rpackets":');
    this.uint(u[o + (initB ? W_PK_A : W_PK_B)]!);
    this.text(',"rbytes":');
    this.uint(u[o + (initB ? W_BY_A : W_BY_B)]!);
    this.text(',"first":');
    this.uint(Math.floor(d[f * DOUBLES + D_FIRST]!));
    this.text(',"last":');
    this.uint(Math.floor(d[f * DOUBLES + D_LAST]!));
    const flagsA = (misc >>> 8) & 255;
    const flagsB = (misc >>> 16) & 255;
    this.text(',"tcpFlags":');
    this.uint(initB ? flagsB : flagsA);
    this.text(',"rtcpFlags":');
    this.uint(initB ? flagsA : flagsB);
    this.text(',"vlan":');
    if (vlan >= 0) this.uint(vlan);
    else this.text('null');
    this.bytes(END.get(reason)!);
    this.bytes(HOW[or >>> HOW_SHIFT]!);
    if (misc & CONT) this.text(',"cont":true');
    const name = ifaceNames[misc >>> 24];
    if (name) {
      this.text(',"iface":');
      const nb = this.nameBytes(name);
      if (this.pos + nb.length + 2 > this.buf.length) this.flush(); // a stream: a line may span chunks
      this.bytes(nb);
    }
    this.buf[this.pos++] = 0x7d; // }
    this.buf[this.pos++] = 0x0a; // \n
  }

  /** Hands what is buffered to `write`. */
  flush(): void {
    if (this.pos === 0) return;
    const n = this.pos;
    this.pos = 0;
    this.write(this.buf.subarray(0, n));
  }

  private nameBytes(name: string): Uint8Array {
    let b = this.names.get(name);
    if (!b) {
      b = Buffer.from(JSON.stringify(name), 'utf8');
      this.names.set(name, b);
    }
    return b;
  }

  private ipv4(a: number): void {
    this.octet(a >>> 24);
    this.buf[this.pos++] = 0x2e;
    this.octet((a >>> 16) & 255);
    this.buf[this.pos++] = 0x2e;
    this.octet((a >>> 8) & 255);
    this.buf[this.pos++] = 0x2e;
    this.octet(a & 255);
  }

  private octet(v: number): void {
    const b = this.buf;
    const x = v * 4;
    const n = OCTETS[x + 3]!;
    b[this.pos] = OCTETS[x]!;
    if (n > 1) b[this.pos + 1] = OCTETS[x + 1]!;
    if (n > 2) b[this.pos + 2] = OCTETS[x + 2]!;
    this.pos += n;
  }

  private uint(v: number): void {
    this.pos = writeUint(this.buf, this.pos, v);
  }

  /** ASCII text (constants and addresses). */
  private text(s: string): void {
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  private bytes(src: Uint8Array): void {
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }
}
