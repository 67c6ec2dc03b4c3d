import type { SummaryBatch } from '@spanmap/shared';
import type { ConsoleStore, IngestResult } from '../store/console-store.js';
import { HOUR_MS } from '../store/console-store.js';
import { Catalog } from './catalog.js';
import { DayRollup } from './day-rollup.js';
import { SegmentResolver, type SegmentDef } from '../segments/segments.js';

/**
 * The in-memory view the queries run on: every edge (catalog), a daily rollup of their activity,
 * and the current segment set with a per-host segment cache. Loaded once from the store at start
 * and kept current after each ingest commit; redefining segments only clears the host cache, so
 * nothing is ever re-ingested.
 */
export class EdgeModel {
  readonly catalog = new Catalog();
  readonly rollup = new DayRollup();
  resolver = new SegmentResolver([]);
  /** Segment index per host id, -1 = not resolved yet. */
  private hostSegment = new Int32Array(1024).fill(-1);
  /** VLANs each host was seen on (only hosts seen tagged). */
  private readonly hostVlans = new Map<number, number[]>();
  /** Bumps whenever the data or the segments change (caches key on it). */
  version = 0;
  /** Bumps whenever any host's segment may have changed (not when hosts or edges are only added). */
  segmentsVersion = 0;

  constructor(private readonly store: ConsoleStore) {}

  load(segments: SegmentDef[]): void {
    this.resolver = new SegmentResolver(segments);
    for (const e of this.store.allEdges()) {
      this.catalog.addEdge(e.id, e);
      for (const v of e.vlans) {
        this.noteVlan(this.catalog.src[e.id]!, v);
        this.noteVlan(this.catalog.dst[e.id]!, v);
      }
    }
    for (const [hour, edge, v] of this.store.hoursBetween(0, 2 ** 31)) this.rollup.add(edge, hour * HOUR_MS, v[0], v[2] + v[4], v[3] + v[5], v[6], v[7]);
    this.version++;
  }

  /** Called after each ingest commit. */
  applyIngest(result: IngestResult, batches: SummaryBatch[]): void {
    for (const e of result.newEdges) this.catalog.addEdge(e.id, e);
    for (const { hour, edge, c } of result.hourDeltas)
      this.rollup.add(edge, hour * HOUR_MS, c.flows, c.packets + c.rpackets, c.bytes + c.rbytes, c.first, c.last);
    for (const b of batches) {
      for (const e of b.entries) {
        if (e.vlan === null) continue;
        this.noteVlan(this.catalog.host(e.src), e.vlan);
        this.noteVlan(this.catalog.host(e.dst), e.vlan);
      }
    }
    this.version++;
  }

  setSegments(defs: SegmentDef[]): void {
    this.resolver = new SegmentResolver(defs);
    this.hostSegment.fill(-1);
    this.version++;
    this.segmentsVersion++;
  }

  private noteVlan(host: number, vlan: number): void {
    const list = this.hostVlans.get(host);
    if (!list) this.hostVlans.set(host, [vlan]);
    else if (!list.includes(vlan) && list.length < 8) {
      list.push(vlan);
      if (host < this.hostSegment.length && this.hostSegment[host]! >= 0) {
        this.hostSegment[host] = -1; // its VLAN verdict may change
        this.segmentsVersion++;
      }
    }
  }

  /** Segment index of every known host, resolved in one pass (hot loops index this directly). */
  hostSegments(): Int32Array {
    const n = this.catalog.hosts.length;
    this.segmentOfHost(Math.max(0, n - 1)); // grows the cache
    const seg = this.hostSegment;
    for (let h = 0; h < n; h++) if (seg[h]! < 0) this.segmentOfHost(h);
    return seg;
  }

  /** The segment index of a host (into resolver.names). */
  segmentOfHost(host: number): number {
    if (host >= this.hostSegment.length) {
      const bigger = new Int32Array(Math.max(host + 1, this.hostSegment.length * 2)).fill(-1);
      bigger.set(this.hostSegment);
      this.hostSegment = bigger;
    }
    let s = this.hostSegment[host]!;
    if (s < 0) {
      s = this.resolver.resolve(this.catalog.hosts[host]!, this.catalog.hostIps[host]!, this.hostVlans.get(host));
      this.hostSegment[host] = s;
    }
    return s;
  }

  segmentOf(ip: string): string {
    return this.resolver.names[this.segmentOfHost(this.catalog.host(ip))]!;
  }
}
