import { SpanmapError } from '@spanmap/shared';
import type { EdgeModel } from './model.js';
import { Accumulator, type Range } from './accumulate.js';
import { serviceName, infrastructureByPort } from '../analysis/service.js';
import type { Reviews, Review } from '../review/reviews.js';
import { pageOf } from './topk.js';
import { CellIndex } from './cell-index.js';
import { MatrixView } from './matrix-view.js';

export type Period = 'continuous' | 'hourly' | 'daily' | 'weekly' | 'monthly' | null;

/** What the long-tail analysis knows about an edge (period, refined infrastructure flag). */
export interface EdgeLabels {
  period: Period;
  nextExpected: number | null;
  confidence: number | null;
  /** "seen once, possibly monthly" and similar findings. */
  note?: string | null;
  infrastructure?: boolean;
  service?: string | null;
}

export interface LabelSource {
  labels(edge: number): EdgeLabels | null;
  /** Active hours and days over the analysis window, for long-tail ranking. */
  activity?(edge: number): { activeHours: number; activeDays: number } | null;
}

export interface LongTailRow extends EdgeRow {
  activeHours: number;
  activeDays: number;
  /** 0..1, higher is rarer (rank among the edges of the query). */
  rarity: number;
}

export interface EdgeRow {
  src: string;
  dst: string;
  proto: number;
  port: number;
  srcSegment: string;
  dstSegment: string;
  flows: number;
  packets: number;
  bytes: number;
  firstSeen: number;
  lastSeen: number;
  daysSeen: number;
  service: string | null;
  infrastructure: boolean;
  period: Period;
  nextExpected: number | null;
  periodConfidence: number | null;
  periodNote: string | null;
  review: Review | null;
  /** The probes that saw the edge's conversations. */
  probes: string[];
  /** The names the addresses had at the edge's last-seen time in the range (console/src/names); null when unknown. */
  srcName: string | null;
  dstName: string | null;
}

/** The name seam (console/src/names): the name an address had at a time, and who ever had a name with a prefix. */
export interface HostNames {
  nameAt(ip: string, time: number): string | null;
  /** Addresses that ever had a name starting with `prefix` (lower case). */
  addressesNamed(prefix: string): Set<string>;
}

export const SORT_KEYS = ['flows', 'bytes', 'packets', 'firstSeen', 'lastSeen', 'daysSeen', 'src', 'dst', 'port'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface EdgeFilter {
  segment?: string;
  srcSegment?: string;
  dstSegment?: string;
  host?: string;
  /** Either side had, at the edge's last-seen time in the range, a name starting with this (lower case). */
  hostName?: string;
  proto?: number;
  port?: number;
  minFlows?: number;
  service?: string;
  review?: Review['status'] | 'none';
  infrastructure?: boolean;
}

export interface MatrixCell {
  src: string;
  dst: string;
  edges: number;
  flows: number;
  packets: number;
  bytes: number;
  services: Array<{ proto: number; port: number; service: string | null; flows: number }>;
}

/**
 * Edges and the segment matrix over a time range, computed at query time from host-level edges:
 * redefining segments never needs a re-ingest.
 */
export class QueryEngine {
  private readonly acc: Accumulator;
  private readonly matrixView: MatrixView;
  labels: LabelSource = { labels: () => null };
  /** The probes that saw an edge (its stored row), for the rows a query shows. */
  probesOf: (edge: number) => string[] = () => [];
  names: HostNames | null = null;

  constructor(
    private readonly model: EdgeModel,
    private readonly reviews: Reviews,
  ) {
    this.acc = new Accumulator(model);
    this.matrixView = new MatrixView(model, new CellIndex(model));
  }

  /** Every edge active in the range (ids into the catalog) with its totals. */
  active(range: Range): { acc: Accumulator; ids: Uint32Array; n: number } {
    return this.select(range, {});
  }

  /** Ids of edges active in the range that pass the filter. */
  private select(range: Range, f: EdgeFilter): { acc: Accumulator; ids: Uint32Array; n: number } {
    const acc = this.acc.run(range);
    if (Object.keys(f).length === 0) return { acc, ids: acc.touched, n: acc.count };
    const m = this.model;
    const cat = m.catalog;
    const names = m.resolver.names;
    const segIndex = (name: string | undefined, field: string) => {
      if (name === undefined) return undefined;
      const i = names.indexOf(name);
      if (i < 0) throw new SpanmapError('bad_request', `${field}: no segment named "${name}" (known: ${names.join(', ')})`, { field });
      return i;
    };
    const seg = segIndex(f.segment, 'segment');
    const srcSeg = segIndex(f.srcSegment, 'srcSegment');
    const dstSeg = segIndex(f.dstSegment, 'dstSegment');
    const host = f.host === undefined ? undefined : (cat.hostIds.get(f.host) ?? -1);
    const byName = f.hostName === undefined ? undefined : this.namedHosts(f.hostName);
    const ids = new Uint32Array(acc.count);
    const hostSeg = seg !== undefined || srcSeg !== undefined || dstSeg !== undefined ? m.hostSegments() : null;
    let n = 0;
    for (let i = 0; i < acc.count; i++) {
      const e = acc.touched[i]!;
      if (f.minFlows !== undefined && acc.flows[e]! < f.minFlows) continue;
      if (f.proto !== undefined && cat.proto[e] !== f.proto) continue;
      if (f.port !== undefined && cat.port[e] !== f.port) continue;
      if (host !== undefined && cat.src[e] !== host && cat.dst[e] !== host) continue;
      if (byName !== undefined && !this.nameMatches(byName, e, acc.last[e]!, f.hostName!)) continue;
      if (hostSeg) {
        const s = hostSeg[cat.src[e]!]!;
        const d = hostSeg[cat.dst[e]!]!;
        if (seg !== undefined && s !== seg && d !== seg) continue;
        if (srcSeg !== undefined && s !== srcSeg) continue;
        if (dstSeg !== undefined && d !== dstSeg) continue;
      }
      if (f.service !== undefined && this.service(e) !== f.service) continue;
      if (f.review !== undefined) {
        const r = this.reviews.get(cat.key(e));
        if ((r?.status ?? 'none') !== f.review) continue;
      }
      if (f.infrastructure !== undefined && this.infrastructure(e) !== f.infrastructure) continue;
      ids[n++] = e;
    }
    return { acc, ids, n };
  }

  /** Host ids that ever had a name starting with the prefix: the name filter's candidates. */
  private namedHosts(prefix: string): Uint8Array {
    const cat = this.model.catalog;
    const mask = new Uint8Array(cat.hosts.length);
    for (const ip of this.names?.addressesNamed(prefix) ?? []) {
      const h = cat.hostIds.get(ip);
      if (h !== undefined) mask[h] = 1;
    }
    return mask;
  }

  /** Either side had a name starting with the prefix at the edge's last-seen time. */
  private nameMatches(mask: Uint8Array, e: number, time: number, prefix: string): boolean {
    const cat = this.model.catalog;
    for (const h of [cat.src[e]!, cat.dst[e]!]) {
      if (mask[h] !== 1) continue;
      if (this.names!.nameAt(cat.hosts[h]!, time)?.toLowerCase().startsWith(prefix)) return true;
    }
    return false;
  }

  private service(e: number): string | null {
    const l = this.labels.labels(e);
    if (l?.service !== undefined) return l.service;
    return serviceName(this.model.catalog.proto[e]!, this.model.catalog.port[e]!);
  }

  private infrastructure(e: number): boolean {
    const l = this.labels.labels(e);
    if (l?.infrastructure !== undefined) return l.infrastructure;
    return infrastructureByPort(this.model.catalog.proto[e]!, this.model.catalog.port[e]!);
  }

  edges(range: Range, f: EdgeFilter, sort: SortKey, desc: boolean, offset: number, limit: number): { rows: EdgeRow[]; total: number } {
    const { acc, ids, n } = this.select(range, f);
    const cat = this.model.catalog;
    const num: Partial<Record<SortKey, Float64Array | Uint16Array>> = {
      flows: acc.flows,
      bytes: acc.bytes,
      packets: acc.packets,
      firstSeen: acc.first,
      lastSeen: acc.last,
      daysSeen: acc.days,
    };
    const arr = num[sort];
    const dir = desc ? -1 : 1;
    let cmp: (a: number, b: number) => number;
    if (arr) cmp = (a, b) => dir * (arr[a]! - arr[b]!) || a - b;
    else if (sort === 'port') cmp = (a, b) => dir * (cat.port[a]! - cat.port[b]!) || a - b;
    else {
      const side = sort === 'src' ? cat.src : cat.dst;
      cmp = (a, b) => dir * compareText(cat.hosts[side[a]!]!, cat.hosts[side[b]!]!) || a - b;
    }
    const page = pageOf(ids, n, offset, limit, cmp);
    return { rows: page.map((e) => this.row(e, acc)), total: n };
  }

  /**
   * The reviewer's worklist: edges ranked rarest first — fewest active days in the range, then
   * fewest active hours, then fewest flows.
   */
  longtail(range: Range, f: EdgeFilter, offset: number, limit: number): { rows: LongTailRow[]; total: number } {
    const { acc, ids, n } = this.select(range, f);
    const hours = new Float64Array(this.model.catalog.maxId);
    for (let i = 0; i < n; i++) hours[ids[i]!] = this.labels.activity?.(ids[i]!)?.activeHours ?? 0;
    const cmp = (a: number, b: number) => acc.days[a]! - acc.days[b]! || hours[a]! - hours[b]! || acc.flows[a]! - acc.flows[b]! || a - b;
    const page = pageOf(ids, n, offset, limit, cmp);
    return {
      rows: page.map((e, i) => {
        const act = this.labels.activity?.(e);
        return {
          ...this.row(e, acc),
          activeHours: act?.activeHours ?? 0,
          activeDays: act?.activeDays ?? 0,
          rarity: n <= 1 ? 1 : Math.round((1 - (offset + i) / (n - 1)) * 1000) / 1000,
        };
      }),
      total: n,
    };
  }

  private row(e: number, acc: Accumulator): EdgeRow {
    const m = this.model;
    const k = m.catalog.key(e);
    const l = this.labels.labels(e);
    return {
      ...k,
      srcSegment: m.resolver.names[m.segmentOfHost(m.catalog.src[e]!)]!,
      dstSegment: m.resolver.names[m.segmentOfHost(m.catalog.dst[e]!)]!,
      flows: acc.flows[e]!,
      packets: acc.packets[e]!,
      bytes: acc.bytes[e]!,
      firstSeen: acc.first[e]!,
      lastSeen: acc.last[e]!,
      daysSeen: acc.days[e]!,
      service: this.service(e),
      infrastructure: this.infrastructure(e),
      period: l?.period ?? null,
      nextExpected: l?.nextExpected ?? null,
      periodConfidence: l?.confidence ?? null,
      periodNote: l?.note ?? null,
      review: this.reviews.get(k),
      probes: this.probesOf(e),
      srcName: this.names?.nameAt(k.src, acc.last[e]!) ?? null,
      dstName: this.names?.nameAt(k.dst, acc.last[e]!) ?? null,
    };
  }

  matrix(range: Range, f: EdgeFilter = {}): { segments: string[]; cells: MatrixCell[] } {
    const { acc, ids, n } = this.select(range, f);
    return this.matrixView.build(acc, ids, n);
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
