import type { Database } from 'lmdb';
import type { EdgeDelta } from '../merge/deltas.js';
import type { ConsoleStore } from './console-store.js';

/** What an edge row shows beyond its counts per range (those come from the rollup). */
export interface EdgeDetail {
  tcpFlags: number;
  rtcpFlags: number;
  /** How the initiator of its conversations was decided: bit 0 a SYN, bit 1 a port, bit 2 the first packet. */
  hows: number;
  /** Probes that delivered traffic of this edge (sorted). */
  probes: string[];
  vlans: number[];
  ifaces: string[];
}

/** One edge's counts in one hour: flows, records, packets, bytes (both directions), first, last. */
export type HourValue = [number, number, number, number, number, number];

/**
 * Per-edge details (read for the rows a query shows) and per-edge-hour buckets keyed edge first
 * (an edge's timeline and its activity for period analysis are one range read), written inside the
 * ingest transaction. Details change rarely (a new flag, probe or VLAN): an in-memory summary of
 * what each edge's row already holds lets most transactions skip reading and writing it. Hour
 * buckets are six float64s stored raw (no serialisation on the hot path).
 */
export class EdgeRows {
  private flags = new Uint16Array(1024);
  private hows = new Uint8Array(1024);
  private probeMask = new Uint32Array(1024);
  private vlanA = new Int16Array(1024).fill(-1);
  private vlanB = new Int16Array(1024).fill(-1);
  private known = new Uint8Array(1024);
  /**
   * For edges created since start: 2 + the latest hour bucket written, 1 none yet (0: not known,
   * read first).
   * Ingest runs roughly in time order, so most hour buckets written are past the edge's latest:
   * they are new, and the B-tree read before the write is skipped.
   */
  private nextHour = new Uint32Array(1024);
  private readonly probeBits = new Map<string, number>();

  constructor(private readonly store: ConsoleStore) {}

  private get details(): Database<EdgeDetail, number> {
    return this.store.db<EdgeDetail, number>('edge-details');
  }

  private get hours(): Database<Buffer, [number, number]> {
    return this.store.db<Buffer, [number, number]>('edge-hours', 'binary');
  }

  get(id: number): EdgeDetail | undefined {
    return this.details.get(id);
  }

  /** Applies one edge's delta (inside the ingest transaction); `created`: the edge is new (no hours yet). */
  apply(id: number, d: EdgeDelta, created = false): void {
    if (id >= this.nextHour.length) this.grow(id + 1);
    let next = created ? 1 : this.nextHour[id]!;
    for (const [hour, h] of d.hours) {
      const fresh = next > 0 && hour >= 0 && hour + 2 > next;
      const old = fresh ? undefined : this.hours.get([id, hour]);
      if (fresh) next = hour + 2;
      else if (hour < 0) next = 0;
      const v = new Float64Array(6);
      if (old) {
        const o = new Float64Array(old.buffer.slice(old.byteOffset, old.byteOffset + 48));
        v[0] = o[0]! + h.flows;
        v[1] = o[1]! + h.records;
        v[2] = o[2]! + h.packets + h.rpackets;
        v[3] = o[3]! + h.bytes + h.rbytes;
        v[4] = Math.min(o[4]!, h.first);
        v[5] = Math.max(o[5]!, h.last);
      } else {
        v[0] = h.flows;
        v[1] = h.records;
        v[2] = h.packets + h.rpackets;
        v[3] = h.bytes + h.rbytes;
        v[4] = h.first;
        v[5] = h.last;
      }
      void this.hours.put([id, hour], Buffer.from(v.buffer));
    }
    this.nextHour[id] = next;
    if (!this.changes(id, d)) return;
    const t = this.details.get(id) ?? { tcpFlags: 0, rtcpFlags: 0, hows: 0, probes: [], vlans: [], ifaces: [] };
    t.tcpFlags |= d.tcpFlags;
    t.rtcpFlags |= d.rtcpFlags;
    t.hows |= (d.init[0] > 0 ? 1 : 0) | (d.init[1] > 0 ? 2 : 0) | (d.init[2] > 0 ? 4 : 0);
    for (const [p, n] of d.probes) if (n > 0 && !t.probes.includes(p) && t.probes.length < 64) t.probes.push(p);
    t.probes.sort();
    for (const v of d.vlans) if (!t.vlans.includes(v) && t.vlans.length < 16) t.vlans.push(v);
    for (const i of d.ifaces) if (!t.ifaces.includes(i) && t.ifaces.length < 16) t.ifaces.push(i);
    void this.details.put(id, t);
    this.remember(id, t);
  }

  /** Whether the delta adds anything the edge's row does not hold yet (true when not known). */
  private changes(id: number, d: EdgeDelta): boolean {
    if (id >= this.known.length || !this.known[id] || d.ifaces.length > 0) return true;
    if (((d.tcpFlags | (d.rtcpFlags << 8)) & ~this.flags[id]!) !== 0) return true;
    const hows = (d.init[0] > 0 ? 1 : 0) | (d.init[1] > 0 ? 2 : 0) | (d.init[2] > 0 ? 4 : 0);
    if ((hows & ~this.hows[id]!) !== 0) return true;
    for (const [p, n] of d.probes) {
      if (n <= 0) continue;
      const bit = this.probeBits.get(p);
      if (bit === undefined || (this.probeMask[id]! & (1 << bit)) === 0) return true;
    }
    for (const v of d.vlans) if (v !== this.vlanA[id] && v !== this.vlanB[id]) return true;
    return false;
  }

  private remember(id: number, t: EdgeDetail): void {
    if (id >= this.known.length) this.grow(id + 1);
    this.flags[id] = t.tcpFlags | (t.rtcpFlags << 8);
    this.hows[id] = t.hows;
    let mask = 0;
    for (const p of t.probes) {
      let bit = this.probeBits.get(p);
      if (bit === undefined && this.probeBits.size < 31) this.probeBits.set(p, (bit = this.probeBits.size));
      if (bit !== undefined) mask |= 1 << bit;
    }
    this.probeMask[id] = mask >>> 0;
    this.vlanA[id] = t.vlans[0] ?? -1;
    this.vlanB[id] = t.vlans.length === 2 ? t.vlans[1]! : -1; // more than two: always checked
    this.known[id] = t.vlans.length > 2 ? 0 : 1;
  }

  private grow(n: number): void {
    const size = Math.max(n, this.known.length * 2);
    const g = <T extends Uint8Array | Uint16Array | Uint32Array | Int16Array>(a: T, fill = 0): T => {
      const x = new (a.constructor as { new (n: number): T })(size);
      if (fill) x.fill(fill);
      x.set(a);
      return x;
    };
    this.flags = g(this.flags);
    this.hows = g(this.hows);
    this.probeMask = g(this.probeMask);
    this.vlanA = g(this.vlanA, -1);
    this.vlanB = g(this.vlanB, -1);
    this.known = g(this.known);
    this.nextHour = g(this.nextHour);
  }

  /** One edge's active hour buckets in [fromHour, toHour), in hour order. */
  edgeHours(edge: number, fromHour: number, toHour: number): Array<[number, HourValue]> {
    const out: Array<[number, HourValue]> = [];
    for (const { key, value } of this.hours.getRange({ start: [edge, fromHour], end: [edge, toHour] })) {
      const v = new Float64Array(value.buffer.slice(value.byteOffset, value.byteOffset + 48));
      if (v[1]! > 0) out.push([key[1], [v[0]!, v[1]!, v[2]!, v[3]!, v[4]!, v[5]!]]);
    }
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
