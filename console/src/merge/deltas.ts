import { HOUR_MS, type Contribution, type HourCounts } from './contribution.js';
import type { ViewRecord } from './view-record.js';

/** What one ingest transaction changes on one edge: counts per hour (signed), and row details added. */
export interface EdgeDelta {
  src: string;
  dst: string;
  proto: number;
  port: number;
  hours: Map<number, HourCounts>;
  tcpFlags: number;
  rtcpFlags: number;
  init: [number, number, number];
  probes: Map<string, number>;
  vlans: number[];
  ifaces: string[];
}

export function edgeKeyOf(e: { src: string; dst: string; proto: number; port: number }): string {
  return `${e.src}|${e.dst}|${e.proto}|${e.port}`;
}

/**
 * Accumulates conversation contributions added (+1) and retracted (-1) into per-edge, per-hour
 * deltas. A conversation that moves (a better view changes its initiator, or merges it with
 * another) is retracted where it was and added where it now is; counts can go down, first/last
 * times only widen (a retracted time is not taken back).
 */
export class Deltas {
  readonly edges = new Map<string, EdgeDelta>();
  /**
   * Overlap between probes: for probe p and another probe q, the records p delivered into
   * conversations q also saw (where mirror ports overlap). Keyed "p|q".
   */
  readonly overlap = new Map<string, number>();

  /** A record alone in its conversation (the common case): its own counts, without building a contribution. */
  addRecord(r: ViewRecord): void {
    const key = `${r.src}|${r.dst}|${r.proto}|${r.dport}`;
    let d = this.edges.get(key);
    if (!d) {
      d = {
        src: r.src,
        dst: r.dst,
        proto: r.proto,
        port: r.dport,
        hours: new Map(),
        tcpFlags: 0,
        rtcpFlags: 0,
        init: [0, 0, 0],
        probes: new Map(),
        vlans: [],
        ifaces: [],
      };
      this.edges.set(key, d);
    }
    const hour = Math.floor(r.first / HOUR_MS);
    let t = d.hours.get(hour);
    if (!t) d.hours.set(hour, (t = { flows: 0, records: 0, packets: 0, bytes: 0, rpackets: 0, rbytes: 0, first: Infinity, last: -Infinity }));
    t.flows += r.flows;
    t.records += r.records;
    t.packets += r.packets;
    t.bytes += r.bytes;
    t.rpackets += r.rpackets;
    t.rbytes += r.rbytes;
    if (r.first < t.first) t.first = r.first;
    if (r.last > t.last) t.last = r.last;
    d.init[r.how]! += r.records;
    d.probes.set(r.probe, (d.probes.get(r.probe) ?? 0) + r.records);
    d.tcpFlags |= r.tcpFlags;
    d.rtcpFlags |= r.rtcpFlags;
    if (r.vlan !== null && !d.vlans.includes(r.vlan)) d.vlans.push(r.vlan);
    if (r.iface !== null && !d.ifaces.includes(r.iface)) d.ifaces.push(r.iface);
  }

  add(c: Contribution, sign: 1 | -1): void {
    if (c.probes.size > 1) {
      for (const [p, n] of c.probes)
        for (const q of c.probes.keys()) if (q !== p) this.overlap.set(`${p}|${q}`, (this.overlap.get(`${p}|${q}`) ?? 0) + sign * n);
    }
    const key = edgeKeyOf(c);
    let d = this.edges.get(key);
    if (!d) {
      d = {
        src: c.src,
        dst: c.dst,
        proto: c.proto,
        port: c.port,
        hours: new Map(),
        tcpFlags: 0,
        rtcpFlags: 0,
        init: [0, 0, 0],
        probes: new Map(),
        vlans: [],
        ifaces: [],
      };
      this.edges.set(key, d);
    }
    for (const [hour, h] of c.hours) {
      let t = d.hours.get(hour);
      if (!t) d.hours.set(hour, (t = { flows: 0, records: 0, packets: 0, bytes: 0, rpackets: 0, rbytes: 0, first: Infinity, last: -Infinity }));
      t.flows += sign * h.flows;
      t.records += sign * h.records;
      t.packets += sign * h.packets;
      t.bytes += sign * h.bytes;
      t.rpackets += sign * h.rpackets;
      t.rbytes += sign * h.rbytes;
      if (sign > 0) {
        if (h.first < t.first) t.first = h.first;
        if (h.last > t.last) t.last = h.last;
      }
    }
    for (let i = 0; i < 3; i++) d.init[i]! += sign * c.init[i]!;
    for (const [p, n] of c.probes) d.probes.set(p, (d.probes.get(p) ?? 0) + sign * n);
    if (sign > 0) {
      d.tcpFlags |= c.tcpFlags;
      d.rtcpFlags |= c.rtcpFlags;
      for (const v of c.vlans) if (!d.vlans.includes(v)) d.vlans.push(v);
      for (const i of c.ifaces) if (!d.ifaces.includes(i)) d.ifaces.push(i);
    }
  }

  /** Drops what cancelled out (a conversation retracted and added back unchanged). */
  compact(): void {
    for (const [k, n] of this.overlap) if (n === 0) this.overlap.delete(k);
    for (const [key, d] of this.edges) {
      for (const [hour, h] of d.hours) {
        if (h.flows === 0 && h.records === 0 && h.packets === 0 && h.bytes === 0 && h.rpackets === 0 && h.rbytes === 0 && h.first === Infinity)
          d.hours.delete(hour);
      }
      for (const [p, n] of d.probes) if (n === 0) d.probes.delete(p);
      if (
        d.hours.size === 0 &&
        d.probes.size === 0 &&
        d.init.every((x) => x === 0) &&
        d.vlans.length === 0 &&
        d.ifaces.length === 0 &&
        d.tcpFlags === 0 &&
        d.rtcpFlags === 0
      )
        this.edges.delete(key);
    }
  }
}
