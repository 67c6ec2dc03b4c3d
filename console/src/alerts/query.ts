import { canonicalIP } from '@spanmap/shared';
import type { Alert, AlertStatus } from './model.js';

/** GET /alerts filters. `status: "open"` is new or under investigation. */
export interface AlertFilter {
  status?: AlertStatus | 'open';
  kind?: Alert['kind'];
  policy?: string;
  /** Either side's segment. */
  segment?: string;
  /** An address (either side), or text found in an address or a host name. */
  host?: string;
  /** Raised at or after (ms). */
  since?: number;
  /** Raised before (ms). */
  until?: number;
  ids?: ReadonlySet<string>;
}

export function matches(a: Alert, f: AlertFilter): boolean {
  if (f.status === 'open' ? a.status !== 'new' && a.status !== 'investigate' : f.status !== undefined && a.status !== f.status) return false;
  if (f.kind !== undefined && a.kind !== f.kind) return false;
  if (f.policy !== undefined && a.policy !== f.policy) return false;
  if (f.segment !== undefined && a.srcSegment !== f.segment && a.dstSegment !== f.segment) return false;
  if (f.since !== undefined && a.raisedAt < f.since) return false;
  if (f.until !== undefined && a.raisedAt >= f.until) return false;
  if (f.ids !== undefined && !f.ids.has(a.id)) return false;
  if (f.host !== undefined && !hostMatches(a, f.host)) return false;
  return true;
}

function hostMatches(a: Alert, host: string): boolean {
  const ip = canonicalIP(host);
  if (ip) return a.src === ip || a.dst === ip || (a.sample ?? []).some((e) => e.dst === ip);
  const t = host.toLowerCase();
  return [a.src, a.dst, a.srcName, a.dstName].some((x) => typeof x === 'string' && x.toLowerCase().includes(t));
}

export interface AlertPage {
  rows: Alert[];
  total: number;
  next: number | null;
}

/** Newest first (by id, which is the order they were raised) unless `asc`; `offset`/`limit` page through. */
export function page(all: Alert[], f: AlertFilter, order: 'asc' | 'desc', offset: number, limit: number): AlertPage {
  const rows = all.filter((a) => matches(a, f));
  rows.sort((a, b) => (order === 'asc' ? Number(a.id) - Number(b.id) : Number(b.id) - Number(a.id)));
  const slice = rows.slice(offset, offset + limit);
  return { rows: slice, total: rows.length, next: offset + slice.length < rows.length ? offset + slice.length : null };
}
