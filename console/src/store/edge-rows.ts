import type { Database } from 'lmdb';
import type { EdgeDelta } from '../merge/deltas.js';
import type { ConsoleStore } from './console-store.js';

/** What an edge row shows beyond its counts per range: totals, flags, evidence, who saw it. */
export interface EdgeDetail {
  flows: number;
  records: number;
  packets: number;
  bytes: number;
  rpackets: number;
  rbytes: number;
  first: number;
  last: number;
  tcpFlags: number;
  rtcpFlags: number;
  /** Records counted, by how the initiator was decided: syn, port, first. */
  init: { syn: number; port: number; first: number };
  /** Records each probe delivered into this edge's conversations. */
  probeRecords: Record<string, number>;
  vlans: number[];
  ifaces: string[];
}

/** One edge's counts in one hour: flows, records, packets, bytes, rpackets, rbytes, first, last. */
export type HourValue = [number, number, number, number, number, number, number, number];

/**
 * Per-edge rows (totals and details, read for the rows a query shows) and per-edge-hour buckets
 * keyed edge first (an edge's timeline and its activity for period analysis are one range read),
 * written inside the ingest transaction with the deltas of the merge.
 */
export class EdgeRows {
  constructor(private readonly store: ConsoleStore) {}

  private get details(): Database<EdgeDetail, number> {
    return this.store.db<EdgeDetail, number>('edges');
  }

  private get hours(): Database<HourValue, [number, number]> {
    return this.store.db<HourValue, [number, number]>('hours');
  }

  get(id: number): EdgeDetail | undefined {
    return this.details.get(id);
  }

  /** Applies one edge's delta (inside a transaction); returns whether an hour went from empty to active. */
  apply(id: number, d: EdgeDelta): void {
    const t = this.details.get(id) ?? empty();
    for (const [hour, h] of d.hours) {
      t.flows += h.flows;
      t.records += h.records;
      t.packets += h.packets;
      t.bytes += h.bytes;
      t.rpackets += h.rpackets;
      t.rbytes += h.rbytes;
      if (h.first < t.first) t.first = h.first;
      if (h.last > t.last) t.last = h.last;
      const old = this.hours.get([id, hour]);
      const v: HourValue = old
        ? [
            old[0] + h.flows,
            old[1] + h.records,
            old[2] + h.packets,
            old[3] + h.bytes,
            old[4] + h.rpackets,
            old[5] + h.rbytes,
            Math.min(old[6], h.first),
            Math.max(old[7], h.last),
          ]
        : [h.flows, h.records, h.packets, h.bytes, h.rpackets, h.rbytes, h.first, h.last];
      void this.hours.put([id, hour], v);
    }
    t.tcpFlags |= d.tcpFlags;
    t.rtcpFlags |= d.rtcpFlags;
    t.init.syn += d.init[0];
    t.init.port += d.init[1];
    t.init.first += d.init[2];
    for (const [p, n] of d.probes) {
      const v = (t.probeRecords[p] ?? 0) + n;
      if (v > 0) t.probeRecords[p] = v;
      else delete t.probeRecords[p];
    }
    for (const v of d.vlans) if (!t.vlans.includes(v) && t.vlans.length < 16) t.vlans.push(v);
    for (const i of d.ifaces) if (!t.ifaces.includes(i) && t.ifaces.length < 16) t.ifaces.push(i);
    void this.details.put(id, t);
  }

  /** One edge's active hour buckets in [fromHour, toHour), in hour order. */
  edgeHours(edge: number, fromHour: number, toHour: number): Array<[number, HourValue]> {
    const out: Array<[number, HourValue]> = [];
    for (const { key, value } of this.hours.getRange({ start: [edge, fromHour], end: [edge, toHour] })) if (value[1] > 0) out.push([key[1], value]);
    return out;
  }

  /** Retention: removes an edge's hour buckets before `hour`; returns how many. */
  pruneEdge(edge: number, hour: number): number {
    let n = 0;
    for (const key of this.hours.getKeys({ start: [edge, -Infinity], end: [edge, hour] })) {
      void this.hours.remove(key);
      n++;
    }
    return n;
  }
}

function empty(): EdgeDetail {
  return {
    flows: 0,
    records: 0,
    packets: 0,
    bytes: 0,
    rpackets: 0,
    rbytes: 0,
    first: Infinity,
    last: -Infinity,
    tcpFlags: 0,
    rtcpFlags: 0,
    init: { syn: 0, port: 0, first: 0 },
    probeRecords: {},
    vlans: [],
    ifaces: [],
  };
}
