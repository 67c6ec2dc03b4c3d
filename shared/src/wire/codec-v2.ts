import { END_REASONS, INITIATOR_HOWS, type FlowRecord } from '../flow-record.js';
import { LEARNED_SOURCES, nameProblem, type NameObservation } from '../names.js';
import { ByteReader, ByteWriter, WireFormatError } from './varint.js';
import { Dictionary, pick, readDictionaries, writeDictionaries } from './addresses.js';
import type { WireLimits } from './codec.js';

/*
 * Wire version 2 bodies after the common header: the address and interface dictionaries, one row
 * per flow record, then the learned names. A record row:
 *   src, dst (dictionary indexes), proto (u8), sport, dport, vlan+1 (0 untagged), iface+1 (0 none),
 *   packets, bytes, rpackets, rbytes, first - batch.from (zigzag), last - first, tcpFlags (u8),
 *   rtcpFlags (u8), meta (u8: initiator in bits 0-1, end reason in bits 2-4, cont in bit 5,
 *   sampling present in bit 6) [, sampling].
 * A name row: address index, name (≤ 253 bytes), source (u8 index into LEARNED_SOURCES), time - from.
 * Rows are sorted by (src, dst, dport) so that deflate finds the repetition.
 */

const CONT = 1 << 5;
const SAMPLED = 1 << 6;

export function encodeRecords(w: ByteWriter, records: readonly FlowRecord[], names: readonly NameObservation[], from: number): void {
  const addrs = new Dictionary();
  const ifaces = new Dictionary();
  for (const r of records) {
    addrs.add(r.src);
    addrs.add(r.dst);
    if (r.iface !== undefined && r.iface !== null) ifaces.add(r.iface);
  }
  for (const n of names) addrs.add(n.ip);
  writeDictionaries(w, addrs, ifaces);
  const order = records.map((_, i) => i);
  const a = (i: number) => records[i]!;
  order.sort((x, y) => addrs.get(a(x).src) - addrs.get(a(y).src) || addrs.get(a(x).dst) - addrs.get(a(y).dst) || a(x).dport - a(y).dport || x - y);
  w.varint(records.length);
  for (const i of order) {
    const r = records[i]!;
    w.varint(addrs.get(r.src));
    w.varint(addrs.get(r.dst));
    w.u8(r.proto);
    w.varint(r.sport);
    w.varint(r.dport);
    w.varint(r.vlan === null ? 0 : r.vlan + 1);
    w.varint(r.iface === undefined || r.iface === null ? 0 : ifaces.get(r.iface) + 1);
    w.varint(r.packets);
    w.varint(r.bytes);
    w.varint(r.rpackets);
    w.varint(r.rbytes);
    w.zigzag(r.first - from);
    w.varint(r.last - r.first);
    w.u8(r.tcpFlags);
    w.u8(r.rtcpFlags);
    const sampled = r.sampling !== undefined;
    w.u8(INITIATOR_HOWS.indexOf(r.initiator) | (END_REASONS.indexOf(r.end) << 2) | (r.cont ? CONT : 0) | (sampled ? SAMPLED : 0));
    if (sampled) w.varint(r.sampling!);
  }
  w.varint(names.length);
  for (const n of names) {
    w.varint(addrs.get(n.ip));
    w.string(n.name);
    w.u8(LEARNED_SOURCES.indexOf(n.source));
    w.zigzag(n.time - from);
  }
}

export function decodeRecords(r: ByteReader, from: number, limits: WireLimits): { records: FlowRecord[]; names: NameObservation[] } {
  const { addrs, ifaces } = readDictionaries(r, limits.maxEntries * 2 + limits.maxNames);
  const n = r.varint();
  if (n > limits.maxEntries) throw new WireFormatError('too-large', `${n} records exceeds ${limits.maxEntries}`);
  const records: FlowRecord[] = [];
  for (let i = 0; i < n; i++) records.push(readRecord(r, addrs, ifaces, from));
  const m = r.varint();
  if (m > limits.maxNames) throw new WireFormatError('too-large', `${m} names exceeds ${limits.maxNames}`);
  const names: NameObservation[] = [];
  for (let i = 0; i < m; i++) {
    const ip = pick(addrs, r.varint(), 'address');
    const name = r.string(253);
    const source = LEARNED_SOURCES[r.u8()];
    const time = from + r.zigzag();
    if (source === undefined) throw new WireFormatError('bad-name', 'unknown name source');
    const problem = nameProblem(name);
    if (problem) throw new WireFormatError('bad-name', `name for ${ip}: ${problem}`);
    if (time < 0) throw new WireFormatError('bad-name', 'negative time');
    names.push({ ip, name, source, time });
  }
  return { records, names };
}

function readRecord(r: ByteReader, addrs: string[], ifaces: string[], from: number): FlowRecord {
  const src = pick(addrs, r.varint(), 'address');
  const dst = pick(addrs, r.varint(), 'address');
  const proto = r.u8();
  const sport = r.varint();
  const dport = r.varint();
  const vlanCode = r.varint();
  const ifaceCode = r.varint();
  const packets = r.varint();
  const bytes = r.varint();
  const rpackets = r.varint();
  const rbytes = r.varint();
  const first = from + r.zigzag();
  const last = first + r.varint();
  const tcpFlags = r.u8();
  const rtcpFlags = r.u8();
  const meta = r.u8();
  const initiator = INITIATOR_HOWS[meta & 3];
  const end = END_REASONS[(meta >> 2) & 7];
  if (initiator === undefined || end === undefined || meta & 0x80) throw new WireFormatError('bad-record', `bad record flags 0x${meta.toString(16)}`);
  if (sport > 65535 || dport > 65535) throw new WireFormatError('bad-record', 'port out of range');
  if (vlanCode > 4096) throw new WireFormatError('bad-record', `vlan ${vlanCode - 1} out of range`);
  if (first < 0) throw new WireFormatError('bad-record', 'negative time');
  if (packets + rpackets === 0) throw new WireFormatError('bad-record', 'a record without packets');
  const rec: FlowRecord = {
    src,
    dst,
    proto,
    sport,
    dport,
    packets,
    bytes,
    rpackets,
    rbytes,
    first,
    last,
    tcpFlags,
    rtcpFlags,
    vlan: vlanCode === 0 ? null : vlanCode - 1,
    end,
    initiator,
  };
  if (meta & CONT) rec.cont = true;
  if (ifaceCode !== 0) rec.iface = pick(ifaces, ifaceCode - 1, 'interface');
  if (meta & SAMPLED) {
    const s = r.varint();
    if (s < 1) throw new WireFormatError('bad-record', 'sampling rate below 1');
    rec.sampling = s;
  }
  return rec;
}
