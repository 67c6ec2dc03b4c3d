import { cidrContains, cidrOverlaps, parseCidr, parseIP, type Cidr } from '@spanmap/shared';
import type { EdgeModel } from '../matrix/model.js';
import { selectorText, type PortSpec, type Rule, type Selector } from './model.js';

/** Protocols whose "port" space is 65536 wide (ICMP: type*256+code); the others count 1. */
const PORTED = new Set([6, 17, 132, 1, 58]);
/** "Any protocol" is counted as TCP, UDP and ICMP on every port. */
const ANY_PROTO = [6, 17, 1];
/** Class pairs a surface computation visits before it settles for a per-rule upper bound. */
const MAX_CELLS = 5_000_000;

type Interval = [number, number];

const inside = (outer: Cidr, inner: Cidr) => cidrContains(outer, { family: inner.family, value: inner.network });
const within = (c: Cidr, host: string) => {
  const ip = parseIP(host);
  return ip !== null && cidrContains(c, ip);
};

function intervals(proto: number, ports: PortSpec[]): Interval[] {
  if (ports.length === 0) return [[0, PORTED.has(proto) ? 65535 : 0]];
  return ports.map((p) => (Array.isArray(p) ? [p[0], p[1]] : [p, p]));
}

function merged(list: Interval[]): Interval[] {
  const s = [...list].sort((a, b) => a[0] - b[0]);
  const out: Interval[] = [];
  for (const [lo, hi] of s) {
    const last = out.at(-1);
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

const width = (list: Interval[]) => merged(list).reduce((n, [lo, hi]) => n + hi - lo + 1, 0);

/** (protocol, port) combinations a rule allows per host pair. */
export function portCount(r: Pick<Rule, 'proto' | 'ports'>): number {
  return (r.proto === null ? ANY_PROTO : [r.proto]).reduce((n, p) => n + width(intervals(p, r.ports)), 0);
}

/** Whether the ports of `a` include every port of `b` (same protocol). */
export function portsCover(a: PortSpec[], b: PortSpec[]): boolean {
  if (a.length === 0) return true;
  if (b.length === 0) return false;
  const m = merged(intervals(6, a));
  return intervals(6, b).every(([lo, hi]) => m.some(([x, y]) => lo >= x && hi <= y));
}

/**
 * The hosts the console knows, partitioned into classes by which of a policy's selectors they
 * match: what a rule allows among known hosts is then counted per class pair, not per host pair.
 */
export class HostClasses {
  readonly size: number[] = [];
  readonly hosts: number;
  private readonly bySelector = new Map<string, number[]>();

  constructor(
    private readonly model: EdgeModel,
    selectors: Selector[],
  ) {
    const cat = model.catalog;
    const uniq = new Map(selectors.map((s) => [selectorText(s), s]));
    const texts = [...uniq.keys()];
    const hostSel = new Map<string, number[]>();
    const segSel = new Map<string, number[]>();
    const cidrs: Array<[number, Cidr]> = [];
    const any: number[] = [];
    texts.forEach((t, i) => {
      const s = uniq.get(t)!;
      const push = (m: Map<string, number[]>, k: string) => m.set(k, [...(m.get(k) ?? []), i]);
      if ('any' in s) any.push(i);
      else if ('host' in s) push(hostSel, s.host);
      else if ('segment' in s) push(segSel, s.segment);
      else cidrs.push([i, parseCidr(s.cidr)]);
    });
    const segs = model.hostSegments();
    const names = model.resolver.names;
    const classOf = new Map<string, number>();
    const members: number[][] = [];
    this.hosts = cat.hosts.length;
    for (let h = 0; h < this.hosts; h++) {
      const sig = [...any, ...(hostSel.get(cat.hosts[h]!) ?? []), ...(segSel.get(names[segs[h]!]!) ?? [])];
      for (const [i, c] of cidrs) if (cidrContains(c, cat.hostIp(h))) sig.push(i);
      sig.sort((a, b) => a - b);
      const k = sig.join(',');
      let c = classOf.get(k);
      if (c === undefined) {
        classOf.set(k, (c = this.size.length));
        this.size.push(0);
        members.push(sig);
      }
      this.size[c]!++;
    }
    for (const t of texts) this.bySelector.set(t, []);
    members.forEach((sig, c) => {
      for (const i of sig) this.bySelector.get(texts[i]!)!.push(c);
    });
  }

  get count(): number {
    return this.size.length;
  }

  /** Classes whose hosts a selector matches (the selector must be one the classes were built for). */
  classesOf(s: Selector): number[] {
    return this.bySelector.get(selectorText(s)) ?? [];
  }

  hostsOf(s: Selector): number {
    return this.classesOf(s).reduce((n, c) => n + this.size[c]!, 0);
  }

  /** Ordered host pairs (a host to itself excluded) between two classes. */
  pairs(a: number, b: number): number {
    return this.size[a]! * this.size[b]! - (a === b ? this.size[a]! : 0);
  }

  /** Host pairs a rule's selectors allow among known hosts. */
  rulePairs(r: Pick<Rule, 'src' | 'dst'>): number {
    const src = this.classesOf(r.src);
    const dst = new Set(this.classesOf(r.dst));
    const both = src.filter((c) => dst.has(c)).reduce((n, c) => n + this.size[c]!, 0);
    return this.hostsOf(r.src) * this.hostsOf(r.dst) - both;
  }

  /** Whether selector `a` matches every host `b` could match, now or later: false where that cannot be proven. */
  covers(a: Selector, b: Selector): boolean {
    if ('any' in a) return true;
    if ('any' in b) return false;
    if ('host' in a) return 'host' in b && b.host === a.host;
    if ('segment' in a && 'segment' in b) return a.segment === b.segment;
    if ('segment' in a && 'host' in b) return this.model.segmentOf(b.host) === a.segment;
    if ('cidr' in a && 'host' in b) return within(parseCidr(a.cidr), b.host);
    if ('cidr' in a && 'cidr' in b) {
      const [ca, cb] = [parseCidr(a.cidr), parseCidr(b.cidr)];
      return cb.prefix >= ca.prefix && inside(ca, cb);
    }
    if ('cidr' in a && 'segment' in b) return this.cidrHoldsSegment(parseCidr(a.cidr), b.segment);
    if ('segment' in a && 'cidr' in b) return this.segmentHoldsCidr(a.segment, parseCidr(b.cidr));
    return false;
  }

  /** Only a segment made of CIDRs alone, all inside `c`, is provably inside it. */
  private cidrHoldsSegment(c: Cidr, name: string): boolean {
    const def = this.model.resolver.defs.find((d) => d.name === name);
    if (!def || def.vlans.length > 0 || def.cidrs.length === 0) return false;
    return def.hosts.every((h) => within(c, h)) && def.cidrs.map((x) => parseCidr(x)).every((x) => x.prefix >= c.prefix && inside(c, x));
  }

  /** A CIDR inside one of the segment's CIDRs, where no other segment claims a host or a more specific prefix. */
  private segmentHoldsCidr(name: string, c: Cidr): boolean {
    const defs = this.model.resolver.defs;
    const def = defs.find((d) => d.name === name);
    if (!def || !def.cidrs.map((x) => parseCidr(x)).some((x) => c.prefix >= x.prefix && inside(x, c))) return false;
    return defs.every(
      (d) => d === def || (d.hosts.every((h) => !within(c, h)) && d.cidrs.map((x) => parseCidr(x)).every((x) => !cidrOverlaps(x, c) || x.prefix < c.prefix)),
    );
  }

  /**
   * Host pairs × (protocol, port) the rules allow together among the known hosts, each counted
   * once however many rules allow it; `approximate` when there were too many class pairs to
   * visit and the per-rule sum (an upper bound) is given instead.
   */
  surface(rules: Array<Pick<Rule, 'src' | 'dst' | 'proto' | 'ports'>>): { allowed: number; allowedPairs: number; approximate: boolean } {
    let work = 0;
    for (const r of rules) work += this.classesOf(r.src).length * this.classesOf(r.dst).length;
    if (work > MAX_CELLS) {
      const allowed = rules.reduce((n, r) => n + this.rulePairs(r) * portCount(r), 0);
      return { allowed, allowedPairs: NaN, approximate: true };
    }
    const C = this.count;
    const cells = new Map<number, Map<number, Interval[]>>();
    for (const r of rules) {
      const protos = r.proto === null ? ANY_PROTO : [r.proto];
      for (const s of this.classesOf(r.src)) {
        for (const d of this.classesOf(r.dst)) {
          if (this.pairs(s, d) === 0) continue;
          let cell = cells.get(s * C + d);
          if (!cell) cells.set(s * C + d, (cell = new Map()));
          for (const p of protos) cell.set(p, [...(cell.get(p) ?? []), ...intervals(p, r.ports)]);
        }
      }
    }
    let allowed = 0;
    let allowedPairs = 0;
    for (const [k, cell] of cells) {
      const pairs = this.pairs(Math.floor(k / C), k % C);
      allowedPairs += pairs;
      for (const list of cell.values()) allowed += pairs * width(list);
    }
    return { allowed, allowedPairs, approximate: false };
  }
}
