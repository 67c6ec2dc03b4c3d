import { ByteReader, ByteWriter, WireFormatError } from './varint.js';
import { Dictionary, pick, readDictionaries, writeDictionaries } from './addresses.js';
import type { SummaryEntry } from './batch.js';
import type { WireLimits } from './codec.js';

/*
 * Wire version 1 bodies after the common header: the dictionaries, then one row of varints per
 * summary entry (an aggregate of records). Decoded for probes not yet upgraded; encoded only by tests.
 */

export function encodeEntries(w: ByteWriter, entries: SummaryEntry[], from: number): void {
  const addrs = new Dictionary();
  const ifaces = new Dictionary();
  for (const e of entries) {
    addrs.add(e.src);
    addrs.add(e.dst);
    if (e.iface !== null) ifaces.add(e.iface);
  }
  writeDictionaries(w, addrs, ifaces);
  w.varint(entries.length);
  for (const e of entries) {
    w.varint(addrs.get(e.src));
    w.varint(addrs.get(e.dst));
    w.u8(e.proto);
    w.varint(e.port);
    w.varint(e.vlan === null ? 0 : e.vlan + 1);
    w.varint(e.iface === null ? 0 : ifaces.get(e.iface) + 1);
    w.varint(e.flows);
    w.varint(e.records);
    w.varint(e.packets);
    w.varint(e.bytes);
    w.varint(e.rpackets);
    w.varint(e.rbytes);
    w.zigzag(e.first - from);
    w.varint(e.last - e.first);
    w.u8(e.tcpFlags);
    w.u8(e.rtcpFlags);
    w.varint(e.init.syn);
    w.varint(e.init.port);
    w.varint(e.init.first);
  }
}

export function decodeEntries(r: ByteReader, from: number, limits: WireLimits): SummaryEntry[] {
  const { addrs, ifaces } = readDictionaries(r, limits.maxEntries * 2);
  const n = r.varint();
  if (n > limits.maxEntries) throw new WireFormatError('too-large', `${n} entries exceeds ${limits.maxEntries}`);
  const entries: SummaryEntry[] = [];
  for (let i = 0; i < n; i++) entries.push(readEntry(r, addrs, ifaces, from));
  return entries;
}

function readEntry(r: ByteReader, addrs: string[], ifaces: string[], from: number): SummaryEntry {
  const src = pick(addrs, r.varint(), 'address');
  const dst = pick(addrs, r.varint(), 'address');
  const proto = r.u8();
  const port = r.varint();
  const vlanCode = r.varint();
  const ifaceCode = r.varint();
  const flows = r.varint();
  const records = r.varint();
  const packets = r.varint();
  const bytes = r.varint();
  const rpackets = r.varint();
  const rbytes = r.varint();
  const first = from + r.zigzag();
  const last = first + r.varint();
  const tcpFlags = r.u8();
  const rtcpFlags = r.u8();
  const init = { syn: r.varint(), port: r.varint(), first: r.varint() };
  const e: SummaryEntry = {
    src,
    dst,
    proto,
    port,
    vlan: vlanCode === 0 ? null : vlanCode - 1,
    iface: ifaceCode === 0 ? null : pick(ifaces, ifaceCode - 1, 'interface'),
    flows,
    records,
    packets,
    bytes,
    rpackets,
    rbytes,
    first,
    last,
    tcpFlags,
    rtcpFlags,
    init,
  };
  if (port > 65535) throw new WireFormatError('bad-entry', `port ${port} out of range`);
  if (e.vlan !== null && e.vlan > 4095) throw new WireFormatError('bad-entry', `vlan ${e.vlan} out of range`);
  if (flows > records) throw new WireFormatError('bad-entry', 'more flows than records');
  if (init.syn + init.port + init.first !== records) throw new WireFormatError('bad-entry', 'initiator counts do not add up to the records');
  if (records === 0) throw new WireFormatError('bad-entry', 'an entry without records');
  if (first < 0) throw new WireFormatError('bad-entry', 'negative time');
  return e;
}
