import { viewId, type ViewRecord } from './view-record.js';

/*
 * The merge index's raw encoding (no serialisation library on the hot path: one put per record).
 * Key, 24 bytes: the hour the record started (uint32), the conversation key's two 32-bit hashes,
 * the record's start in µs (uint64, big-endian), a 32-bit hash of the view. Value: the counts and
 * times as float64s, flags, the cluster id, then the conversation key, probe, VLAN and interface as
 * text (the key's hashes are checked against the text on reading).
 *
 * Why the hour first: records arrive roughly in time order, so each ingest transaction writes into
 * the last hour's pages of the B-tree instead of a random leaf per record (keyed by conversation
 * alone, a 5,000-record batch dirtied up to 5,000 pages of a tree of millions of records), and
 * retention drops whole hours from the start of the tree. A lookup (only when the key filter says a
 * conversation may be there) seeks once per hour of its window (keyRanges()).
 */

export const KEY_BYTES = 24;
export const BUCKET_MS = 3_600_000;

export function encodeKey(h1: number, h2: number, first: number, view: string): Buffer {
  const b = Buffer.allocUnsafe(KEY_BYTES);
  writeKey(b, 0, h1, h2, first, view);
  return b;
}

/** Writes a key at `o` (the staging arena takes records without a buffer of their own). */
export function writeKey(b: Buffer, o: number, h1: number, h2: number, first: number, view: string): void {
  b.writeUInt32BE(bucketOf(first), o);
  b.writeUInt32BE(h1, o + 4);
  b.writeUInt32BE(h2, o + 8);
  const us = Math.max(0, Math.round(first * 1000));
  b.writeUInt32BE(Math.floor(us / 2 ** 32), o + 12);
  b.writeUInt32BE(us >>> 0, o + 16);
  b.writeUInt32BE(hash32(view), o + 20);
}

export function bucketOf(ms: number): number {
  return Math.min(0xffffffff, Math.max(0, Math.floor(ms / BUCKET_MS)));
}

/**
 * The key ranges holding conversation (h1, h2)'s records that started within [from, to] ms: one
 * per hour bucket, [start, end] inclusive.
 */
export function* keyRanges(h1: number, h2: number, from: number, to: number): Generator<{ start: Buffer; end: Buffer }> {
  const last = bucketOf(to);
  for (let bucket = bucketOf(from); bucket <= last; bucket++) {
    yield { start: rangeKey(bucket, h1, h2, from, false), end: rangeKey(bucket, h1, h2, to, true) };
  }
}

function rangeKey(bucket: number, h1: number, h2: number, at: number, end: boolean): Buffer {
  const b = Buffer.alloc(KEY_BYTES, end ? 0xff : 0);
  b.writeUInt32BE(bucket, 0);
  b.writeUInt32BE(h1, 4);
  b.writeUInt32BE(h2, 8);
  const us = rangeMicros(at);
  b.writeUInt32BE(Math.floor(us / 2 ** 32), 12);
  b.writeUInt32BE(us >>> 0, 16);
  return b;
}

/** A range bound's start time in the key, µs (records staged in memory are matched with it too). */
export function rangeMicros(at: number): number {
  return Math.min(2 ** 53, Math.max(0, Math.round(at * 1000)));
}

/** The first key of hour bucket `bucket` (retention drops everything before it). */
export function bucketKey(bucket: number): Buffer {
  return rangeKey(bucket, 0, 0, 0, false);
}

/** The conversation key's hashes of a stored key (the key filter's input). */
export function keyHashes(key: Buffer): [number, number] {
  return [key.readUInt32BE(4), key.readUInt32BE(8)];
}

export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function encodeValue(r: ViewRecord): Buffer {
  const b = Buffer.allocUnsafe(valueBytes(r));
  writeValue(b, 0, r);
  return b;
}

/** The length of a record's value (its texts are latin1, the interface's name UTF-8). */
export function valueBytes(r: ViewRecord): number {
  return 48 + 4 + 4 + 2 + r.k.length + 1 + r.probe.length + 2 + 1 + (r.iface === null ? 0 : Buffer.byteLength(r.iface, 'utf8'));
}

/** Writes a record's value at `o` (valueBytes(r) bytes). */
export function writeValue(b: Buffer, o: number, r: ViewRecord): void {
  o = b.writeDoubleLE(r.first, o);
  o = b.writeDoubleLE(r.last, o);
  o = b.writeDoubleLE(r.packets, o);
  o = b.writeDoubleLE(r.bytes, o);
  o = b.writeDoubleLE(r.rpackets, o);
  o = b.writeDoubleLE(r.rbytes, o);
  b[o++] = r.tcpFlags;
  b[o++] = r.rtcpFlags;
  b[o++] = r.how | (r.flows << 2) | (r.fwd ? 8 : 0);
  b[o++] = 0;
  o = b.writeUInt32LE(r.cl, o);
  o = b.writeUInt16LE(r.k.length, o);
  o += b.write(r.k, o, 'latin1');
  b[o++] = r.probe.length;
  o += b.write(r.probe, o, 'latin1');
  o = b.writeInt16LE(r.vlan ?? -1, o);
  b[o] = r.iface === null ? 255 : b.write(r.iface, o + 1, 'utf8');
}

/** A stored record back as a view record (null when the text does not match the key: a hash collision). */
export function decodeValue(v: Buffer, expectK?: string): ViewRecord | null {
  let o = 48;
  const first = v.readDoubleLE(0);
  const last = v.readDoubleLE(8);
  const packets = v.readDoubleLE(16);
  const bytes = v.readDoubleLE(24);
  const rpackets = v.readDoubleLE(32);
  const rbytes = v.readDoubleLE(40);
  const tcpFlags = v[o++]!;
  const rtcpFlags = v[o++]!;
  const bits = v[o++]!;
  o++;
  const cl = v.readUInt32LE(o);
  o += 4;
  const kl = v.readUInt16LE(o);
  o += 2;
  const k = v.toString('latin1', o, o + kl);
  o += kl;
  if (expectK !== undefined && k !== expectK) return null;
  const pl = v[o++]!;
  const probe = v.toString('latin1', o, o + pl);
  o += pl;
  const vl = v.readInt16LE(o);
  o += 2;
  const il = v[o++]!;
  const iface = il === 255 ? null : v.toString('utf8', o, o + il);
  const vlan = vl < 0 ? null : vl;
  const fwd = (bits & 8) !== 0;
  const parts = k.split('|');
  const proto = Number(parts[0]);
  let lo: string, hi: string, sport: number, dport: number;
  if (parts.length === 4) {
    // ICMP: proto|lo|hi|type-code; the request's type-code is the dport whichever way the record points.
    lo = parts[1]!;
    hi = parts[2]!;
    sport = 0;
    dport = Number(parts[3]);
  } else {
    lo = parts[1]!;
    hi = parts[3]!;
    sport = Number(parts[fwd ? 2 : 4]);
    dport = Number(parts[fwd ? 4 : 2]);
  }
  return {
    k,
    first,
    last,
    view: viewId(probe, vlan, iface),
    probe,
    vlan,
    iface,
    src: fwd ? lo : hi,
    dst: fwd ? hi : lo,
    proto,
    sport,
    dport,
    fwd,
    packets,
    bytes,
    rpackets,
    rbytes,
    tcpFlags,
    rtcpFlags,
    how: bits & 3,
    flows: (bits >> 2) & 1,
    records: 1,
    cl,
  };
}
