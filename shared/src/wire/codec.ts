import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../ip.js';
import { isValidProbeId, WIRE_VERSION } from '../topics.js';
import { ByteReader, ByteWriter, WireFormatError } from './varint.js';
import type { SummaryBatch, SummaryEntry } from './batch.js';

/*
 * Binary summary batches: "SM", version, flags, then a body that is deflated when that is smaller.
 * Body: probe id, 16-byte store epoch, seq, flow-time bounds, an address dictionary (4 or 16 bytes
 * each), an interface-name dictionary, and one row of varints per entry (dictionary indexes,
 * counters, times as deltas). Measured in bench/wire-size.mjs against NetFlow v9.
 */

const MAGIC0 = 0x53; // 'S'
const MAGIC1 = 0x4d; // 'M'
const FLAG_DEFLATE = 1;

export const WIRE_LIMITS = {
  /** Largest payload accepted, compressed or not. */
  maxBytes: 4 << 20,
  /** Largest body after inflating (protects against decompression bombs). */
  maxInflated: 32 << 20,
  maxEntries: 200_000,
};

export function encodeBatch(b: SummaryBatch): Uint8Array {
  const w = new ByteWriter(64 + b.entries.length * 24);
  w.string(b.probe);
  w.bytes(hexToBytes(b.epoch));
  w.varint(b.seq);
  w.varint(b.from);
  w.varint(b.to - b.from);
  const addrs = new Map<string, number>();
  const ifaces = new Map<string, number>();
  for (const e of b.entries) {
    if (!addrs.has(e.src)) addrs.set(e.src, addrs.size);
    if (!addrs.has(e.dst)) addrs.set(e.dst, addrs.size);
    if (e.iface !== null && !ifaces.has(e.iface)) ifaces.set(e.iface, ifaces.size);
  }
  w.varint(addrs.size);
  for (const a of addrs.keys()) writeAddress(w, a);
  w.varint(ifaces.size);
  for (const i of ifaces.keys()) w.string(i);
  w.varint(b.entries.length);
  for (const e of b.entries) {
    w.varint(addrs.get(e.src)!);
    w.varint(addrs.get(e.dst)!);
    w.u8(e.proto);
    w.varint(e.port);
    w.varint(e.vlan === null ? 0 : e.vlan + 1);
    w.varint(e.iface === null ? 0 : ifaces.get(e.iface)! + 1);
    w.varint(e.flows);
    w.varint(e.records);
    w.varint(e.packets);
    w.varint(e.bytes);
    w.varint(e.rpackets);
    w.varint(e.rbytes);
    w.zigzag(e.first - b.from);
    w.varint(e.last - e.first);
    w.u8(e.tcpFlags);
    w.u8(e.rtcpFlags);
    w.varint(e.init.syn);
    w.varint(e.init.port);
    w.varint(e.init.first);
  }
  const body = w.result();
  const deflated = deflateRawSync(body, { level: 6 });
  const useDeflate = deflated.length < body.length;
  const payload = useDeflate ? deflated : body;
  const out = new Uint8Array(4 + payload.length);
  out[0] = MAGIC0;
  out[1] = MAGIC1;
  out[2] = WIRE_VERSION;
  out[3] = useDeflate ? FLAG_DEFLATE : 0;
  out.set(payload, 4);
  return out;
}

/** Decodes and validates a batch; throws WireFormatError with a stable `reason` for anything malformed. */
export function decodeBatch(payload: Uint8Array, limits = WIRE_LIMITS): SummaryBatch {
  if (payload.length > limits.maxBytes) throw new WireFormatError('too-large', `payload of ${payload.length} bytes exceeds ${limits.maxBytes}`);
  if (payload.length < 4 || payload[0] !== MAGIC0 || payload[1] !== MAGIC1) throw new WireFormatError('bad-magic', 'not a spanmap summary batch');
  if (payload[2] !== WIRE_VERSION) throw new WireFormatError('unknown-version', `unknown wire version ${payload[2]} (this console speaks ${WIRE_VERSION})`);
  const flags = payload[3]!;
  if (flags & ~FLAG_DEFLATE) throw new WireFormatError('bad-flags', `unknown flags 0x${flags.toString(16)}`);
  let body = payload.subarray(4);
  if (flags & FLAG_DEFLATE) {
    try {
      body = inflateRawSync(body, { maxOutputLength: limits.maxInflated });
    } catch (e) {
      throw new WireFormatError('bad-compression', `cannot inflate: ${(e as Error).message}`);
    }
  }
  const r = new ByteReader(body);
  const probe = r.string(64);
  if (!isValidProbeId(probe)) throw new WireFormatError('bad-probe-id', `invalid probe id "${probe}"`);
  const epoch = bytesToHex(r.bytes(16));
  const seq = r.varint();
  if (seq < 1) throw new WireFormatError('bad-seq', 'sequence numbers start at 1');
  const from = r.varint();
  const to = from + r.varint();
  const nAddr = r.varint();
  if (nAddr > limits.maxEntries * 2) throw new WireFormatError('too-large', `${nAddr} addresses`);
  const addrs: string[] = [];
  for (let i = 0; i < nAddr; i++) addrs.push(readAddress(r));
  const nIface = r.varint();
  if (nIface > 4096) throw new WireFormatError('too-large', `${nIface} interfaces`);
  const ifaces: string[] = [];
  for (let i = 0; i < nIface; i++) ifaces.push(r.string(128));
  const n = r.varint();
  if (n > limits.maxEntries) throw new WireFormatError('too-large', `${n} entries exceeds ${limits.maxEntries}`);
  const entries: SummaryEntry[] = [];
  for (let i = 0; i < n; i++) entries.push(readEntry(r, addrs, ifaces, from));
  if (r.remaining !== 0) throw new WireFormatError('trailing-bytes', `${r.remaining} bytes after the last entry`);
  return { v: WIRE_VERSION, probe, epoch, seq, from, to, entries };
}

function readEntry(r: ByteReader, addrs: string[], ifaces: string[], from: number): SummaryEntry {
  const pick = (list: string[], i: number, what: string) => {
    const v = list[i];
    if (v === undefined) throw new WireFormatError('bad-index', `${what} index ${i} out of range`);
    return v;
  };
  const src = pick(addrs, r.varint(), 'address');
  const dst = pick(addrs, r.varint(), 'address');
  const proto = r.u8();
  const port = r.varint();
  const vlanCode = r.varint();
  const ifaceCode = r.varint();
  const e: SummaryEntry = {
    src,
    dst,
    proto,
    port,
    vlan: vlanCode === 0 ? null : vlanCode - 1,
    iface: ifaceCode === 0 ? null : pick(ifaces, ifaceCode - 1, 'interface'),
    flows: r.varint(),
    records: r.varint(),
    packets: r.varint(),
    bytes: r.varint(),
    rpackets: r.varint(),
    rbytes: r.varint(),
    first: 0,
    last: 0,
    tcpFlags: 0,
    rtcpFlags: 0,
    init: { syn: 0, port: 0, first: 0 },
  };
  e.first = from + r.zigzag();
  e.last = e.first + r.varint();
  e.tcpFlags = r.u8();
  e.rtcpFlags = r.u8();
  e.init = { syn: r.varint(), port: r.varint(), first: r.varint() };
  if (port > 65535) throw new WireFormatError('bad-entry', `port ${port} out of range`);
  if (e.vlan !== null && e.vlan > 4095) throw new WireFormatError('bad-entry', `vlan ${e.vlan} out of range`);
  if (e.flows > e.records) throw new WireFormatError('bad-entry', 'more flows than records');
  if (e.init.syn + e.init.port + e.init.first !== e.records) throw new WireFormatError('bad-entry', 'initiator counts do not add up to the records');
  if (e.records === 0) throw new WireFormatError('bad-entry', 'an entry without records');
  if (e.first < 0) throw new WireFormatError('bad-entry', 'negative time');
  return e;
}

function writeAddress(w: ByteWriter, a: string): void {
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

function readAddress(r: ByteReader): string {
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

function hexToBytes(hex: string): Uint8Array {
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new RangeError('epoch must be 32 lowercase hex characters');
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function bytesToHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** Parses an ack message ({"epoch":"…","seqs":[…]}); null when it is not one. */
export function parseAck(payload: Uint8Array | string): { epoch: string; seqs: number[] } | null {
  try {
    const j = JSON.parse(typeof payload === 'string' ? payload : new TextDecoder().decode(payload)) as unknown;
    if (!j || typeof j !== 'object') return null;
    const { epoch, seqs } = j as { epoch?: unknown; seqs?: unknown };
    if (typeof epoch !== 'string' || !/^[0-9a-f]{32}$/.test(epoch)) return null;
    if (!Array.isArray(seqs) || seqs.length > 100_000 || !seqs.every((s) => Number.isSafeInteger(s) && s > 0)) return null;
    return { epoch, seqs: seqs as number[] };
  } catch {
    return null;
  }
}
