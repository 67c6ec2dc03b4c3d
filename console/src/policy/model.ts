import { createHash } from 'node:crypto';
import { canonicalIP, parseCidr, SpanmapError } from '@spanmap/shared';
import type { EdgeKey } from '../catalog/catalog.js';

/** Who a rule applies to: anything, a segment (incl. "unassigned"/"external"), a CIDR or one host. */
export type Selector = { any: true } | { segment: string } | { cidr: string } | { host: string };

export type PortSpec = number | [number, number];

/** An allow rule, for traffic initiated by `src` towards `dst` (the direction it was written for). */
export interface Rule {
  /** Stable id: a hash of what the rule allows. */
  id: string;
  src: Selector;
  dst: Selector;
  /** Protocol number, or null for any. */
  proto: number | null;
  /** Responder ports (ICMP: type*256+code); empty = any. */
  ports: PortSpec[];
  comment: string;
  /** Edges that justified the rule (at most 50 listed) and how many there were. */
  justifiedBy: EdgeKey[];
  edges: number;
  layer: 'infrastructure' | 'application';
  /** Shared infrastructure: which side was shared (in: any → server; out: manager → devices). */
  orientation?: 'in' | 'out';
  /** The data connections of a control/data pair, allowed as a range after their control port. */
  related?: { service: string; control: { proto: number; port: number } };
  /** The rule is kept for a periodic job the drafting window missed. */
  keptPeriodic?: { period: string; lastSeen: number; nextExpected: number | null };
}

export interface PolicyVersion {
  version: number;
  at: number;
  by: string;
  reason: string;
  rules: Rule[];
}

export interface Policy {
  id: string;
  name: string;
  createdAt: number;
  createdBy: string;
  granularity: 'segment' | 'host';
  include: 'observed' | 'expected';
  window: { from: number; to: number };
  mode: 'off' | 'monitor';
  monitorSince: number | null;
  defaultAction: 'deny';
  versions: PolicyVersion[];
}

export const MAX_JUSTIFICATION = 50;

export function selectorText(s: Selector): string {
  if ('any' in s) return 'any';
  if ('segment' in s) return `segment:${s.segment}`;
  if ('cidr' in s) return `cidr:${s.cidr}`;
  return `host:${s.host}`;
}

/** Sorted, merged port list (adjacent numbers stay numbers; ranges stay ranges). */
export function normalizePorts(ports: PortSpec[]): PortSpec[] {
  const singles = [...new Set(ports.filter((p): p is number => typeof p === 'number'))].sort((a, b) => a - b);
  const ranges = ports.filter((p): p is [number, number] => Array.isArray(p)).sort((a, b) => a[0] - b[0]);
  const inRange = (p: number) => ranges.some(([lo, hi]) => p >= lo && p <= hi);
  return [...singles.filter((p) => !inRange(p)), ...ranges].sort((a, b) => (Array.isArray(a) ? a[0] : a) - (Array.isArray(b) ? b[0] : b));
}

export function ruleId(r: Pick<Rule, 'src' | 'dst' | 'proto' | 'ports'>): string {
  const canon = JSON.stringify([selectorText(r.src), selectorText(r.dst), r.proto, normalizePorts(r.ports)]);
  return createHash('sha256').update(canon).digest('hex').slice(0, 12);
}

export function portMatches(ports: PortSpec[], port: number): boolean {
  if (ports.length === 0) return true;
  for (const p of ports) if (typeof p === 'number' ? p === port : port >= p[0] && port <= p[1]) return true;
  return false;
}

const bad = (field: string, message: string): never => {
  throw new SpanmapError('bad_request', `${field}: ${message}`, { field });
};

/** Validates a selector from an API body. */
export function parseSelector(v: unknown, field: string, segments: readonly string[]): Selector {
  if (!v || typeof v !== 'object' || Array.isArray(v)) bad(field, 'expected {"any":true}, {"segment":NAME}, {"cidr":CIDR} or {"host":IP}');
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length !== 1) bad(field, 'exactly one of any, segment, cidr, host');
  const k = keys[0]!;
  if (k === 'any' && o.any === true) return { any: true };
  if (k === 'segment' && typeof o.segment === 'string') {
    if (!segments.includes(o.segment)) bad(`${field}.segment`, `no segment named "${o.segment}" (known: ${segments.join(', ')})`);
    return { segment: o.segment };
  }
  if (k === 'cidr') return { cidr: parseCidr(o.cidr, `${field}.cidr`).text };
  if (k === 'host' && typeof o.host === 'string') {
    const ip = canonicalIP(o.host);
    if (!ip) bad(`${field}.host`, `"${o.host}" is not an IP address`);
    return { host: ip! };
  }
  return bad(field, `unknown selector "${k}" (expected any, segment, cidr or host)`);
}

export function parsePorts(v: unknown, field: string): PortSpec[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length > 1000) bad(field, 'expected an array of ports or [low, high] ranges');
  return normalizePorts(
    (v as unknown[]).map((p, i) => {
      const ok = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535;
      if (ok(p)) return p as number;
      if (Array.isArray(p) && p.length === 2 && ok(p[0]) && ok(p[1]) && (p[0] as number) <= (p[1] as number)) return [p[0], p[1]] as [number, number];
      return bad(`${field}[${i}]`, 'expected a port (0-65535) or a [low, high] range');
    }),
  );
}
