import { parseIP } from '@spanmap/shared';
import type { Catalog } from '../catalog/catalog.js';
import type { Rollup } from '../rollup/rollup.js';
import type { IngestResult, TransactionHook } from '../ingest/batch-writer.js';
import { SegmentResolver, type SegmentDef } from '../segments/segments.js';

/**
 * The view the queries run on: every edge (catalog), its history pre-aggregated by day and hour
 * (rollup), and the current segment set with a per-host segment cache. Redefining segments only
 * clears the host cache, so nothing is ever re-ingested. The VLANs each host was seen on (which
 * can decide its segment) are kept in the ingest transaction.
 */
export class EdgeModel implements TransactionHook {
  resolver = new SegmentResolver([]);
  /** Segment index per host id, -1 = not resolved yet. */
  private hostSegment = new Int32Array(1024).fill(-1);
  /** Bumps whenever any host's segment may have changed (not when hosts or edges are only added). */
  segmentsVersion = 0;
  private ownVersion = 0;

  constructor(
    readonly catalog: Catalog,
    readonly rollup: Rollup,
  ) {}

  /** Bumps whenever the data or the segments change (caches key on it). */
  get version(): number {
    return this.rollup.version + this.catalog.edgeCount + this.ownVersion;
  }

  load(segments: SegmentDef[]): void {
    this.resolver = new SegmentResolver(segments);
  }

  /** Which probes carried each segment's traffic (for coverage gaps). */
  segmentProbes(): Map<string, Set<string>> {
    const map = new Map<string, Set<string>>();
    const cat = this.catalog;
    const seg = this.hostSegments();
    for (let h = 0; h < cat.hosts.length; h++) {
      if (cat.hostProbes[h] === 0) continue;
      const name = this.resolver.names[seg[h]!]!;
      let set = map.get(name);
      if (!set) map.set(name, (set = new Set()));
      for (const p of cat.probesOf(h)) set.add(p);
    }
    return map;
  }

  /** Inside the ingest transaction: VLANs and probes newly seen on hosts go into the catalog (persisted with it). */
  inTransaction(result: IngestResult): void {
    const cat = this.catalog;
    for (const { delta } of result.edges) {
      if (delta.vlans.length === 0 && delta.probes.size === 0) continue;
      for (const ip of [delta.src, delta.dst]) {
        const h = cat.host(ip);
        for (const [probe, n] of delta.probes) if (n > 0) cat.addProbe(h, probe);
        for (const v of delta.vlans) {
          if (!cat.addVlan(h, v)) continue;
          if (h < this.hostSegment.length && this.hostSegment[h]! >= 0) {
            this.hostSegment[h] = -1; // its VLAN verdict may change
            this.segmentsVersion++;
          }
        }
      }
    }
  }

  setSegments(defs: SegmentDef[]): void {
    this.resolver = new SegmentResolver(defs);
    this.hostSegment.fill(-1);
    this.ownVersion++;
    this.segmentsVersion++;
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
      const cat = this.catalog;
      s = this.resolver.resolve(cat.hosts[host]!, cat.hostIp(host), cat.vlansOf(host));
      this.hostSegment[host] = s;
    }
    return s;
  }

  segmentOf(ip: string): string {
    const h = this.catalog.findHost(ip);
    if (h < 0) return this.resolver.names[this.resolver.resolve(ip, parseIP(ip) ?? { family: 4, value: 0n }, undefined)]!;
    return this.resolver.names[this.segmentOfHost(h)]!;
  }
}
