import type { Hono } from 'hono';
import { SpanmapError, canonicalIP, nameProblem, normalizeName } from '@spanmap/shared';
import type { AppEnv } from '../env.js';
import { bad, boolParam, fields, intParam, jsonBody, queryParams, rangeParams } from '../params.js';
import { PAGE_PARAMS, pageHeaders, pageParams } from '../paging.js';
import { requireEditor } from '../auth.js';
import { SORT_KEYS, type QueryEngine, type SortKey, type EdgeFilter } from '../../matrix/query.js';
import { REVIEW_STATUSES, type ReviewStatus, type Reviews } from '../../review/reviews.js';
import type { EdgeKey } from '../../catalog/catalog.js';

export interface EdgeDeps {
  query: QueryEngine;
  reviews: Reviews;
  edgeExists(k: EdgeKey): boolean;
  version(): number;
  now(): number;
}

const FILTERS = ['from', 'to', 'segment', 'srcSegment', 'dstSegment', 'host', 'proto', 'port', 'minFlows', 'service', 'review', 'infrastructure'];
const MAX_LIMIT = 10_000;

export function parseFilter(q: Record<string, string>): EdgeFilter {
  const f: EdgeFilter = {};
  for (const k of ['segment', 'srcSegment', 'dstSegment', 'service'] as const) if (q[k] !== undefined) f[k] = q[k];
  if (q.host !== undefined) Object.assign(f, hostFilter(q.host));
  const proto = intParam(q, 'proto', 0, 255);
  if (proto !== undefined) f.proto = proto;
  const port = intParam(q, 'port', 0, 65535);
  if (port !== undefined) f.port = port;
  const minFlows = intParam(q, 'minFlows', 0, Number.MAX_SAFE_INTEGER);
  if (minFlows !== undefined) f.minFlows = minFlows;
  if (q.review !== undefined) {
    if (![...REVIEW_STATUSES, 'none'].includes(q.review)) bad('review', `expected one of ${REVIEW_STATUSES.join(', ')}, none`);
    f.review = q.review as EdgeFilter['review'];
  }
  const infra = boolParam(q, 'infrastructure');
  if (infra !== undefined) f.infrastructure = infra;
  return f;
}

/**
 * `host=`: an address (either side is it), or else a name prefix, case-insensitive: either side
 * had, at the edge's last-seen time in the range, a name starting with it ("dc01" finds
 * dc01.corp.example, "pay-db" every pay-db-N) — the names the rows show, so a filtered list never
 * holds a row whose names do not match.
 */
export function hostFilter(v: string): Pick<EdgeFilter, 'host' | 'hostName'> {
  const ip = canonicalIP(v.trim());
  if (ip) return { host: ip };
  const prefix = normalizeName(v.trim());
  const problem = nameProblem(prefix);
  if (problem) bad('host', `"${v.slice(0, 80)}" is neither an IP address nor a host name (${problem})`);
  return { hostName: prefix };
}

export function edgeKeyFrom(v: unknown, at: string): EdgeKey {
  const o = fields(v, at, ['src', 'dst', 'proto', 'port']);
  const src = typeof o.src === 'string' ? canonicalIP(o.src) : null;
  const dst = typeof o.dst === 'string' ? canonicalIP(o.dst) : null;
  if (!src) bad(`${at}.src`, 'expected an IP address');
  if (!dst) bad(`${at}.dst`, 'expected an IP address');
  if (typeof o.proto !== 'number' || !Number.isInteger(o.proto) || o.proto < 0 || o.proto > 255) bad(`${at}.proto`, 'expected a protocol number from 0 to 255');
  if (typeof o.port !== 'number' || !Number.isInteger(o.port) || o.port < 0 || o.port > 65535) bad(`${at}.port`, 'expected a port from 0 to 65535');
  return { src: src!, dst: dst!, proto: o.proto as number, port: o.port as number };
}

export function edgeRoutes(api: Hono<AppEnv>, deps: EdgeDeps): void {
  api.get('/edges', (c) => {
    const q = queryParams(c, [...FILTERS, 'sort', 'order', ...PAGE_PARAMS]);
    const range = rangeParams(q, deps.now());
    const filter = parseFilter(q);
    const sort = (q.sort ?? 'flows') as SortKey;
    if (!SORT_KEYS.includes(sort)) bad('sort', `expected one of ${SORT_KEYS.join(', ')}`);
    if (q.order !== undefined && q.order !== 'asc' && q.order !== 'desc') bad('order', 'expected asc or desc');
    const desc = (q.order ?? (['src', 'dst', 'port', 'firstSeen'].includes(sort) ? 'asc' : 'desc')) === 'desc';
    const { offset, limit } = pageParams(q, MAX_LIMIT);
    const { rows, total } = deps.query.edges(range, filter, sort, desc, offset, limit);
    // The body stays a plain array (DESIGN); paging travels in headers.
    pageHeaders(c, offset, rows.length, total);
    return c.json(rows);
  });

  api.post('/edges/review', requireEditor(), async (c) => {
    const body = fields(await jsonBody(c), 'body', ['edges', 'status', 'note']);
    if (!Array.isArray(body.edges) || body.edges.length === 0) bad('edges', 'expected a non-empty array of {src, dst, proto, port}');
    if ((body.edges as unknown[]).length > 10_000) bad('edges', 'at most 10000 edges per review');
    const edges = (body.edges as unknown[]).map((e, i) => edgeKeyFrom(e, `edges[${i}]`));
    edges.forEach((e, i) => {
      if (!deps.edgeExists(e))
        throw new SpanmapError('not_found', `edges[${i}]: no such edge ${e.src} → ${e.dst} proto ${e.proto} port ${e.port}`, { field: `edges[${i}]` });
    });
    if (typeof body.status !== 'string' || !REVIEW_STATUSES.includes(body.status as ReviewStatus))
      bad('status', `expected one of ${REVIEW_STATUSES.join(', ')}`);
    if (body.note !== undefined && (typeof body.note !== 'string' || body.note.length > 4000)) bad('note', 'expected a string of at most 4000 characters');
    const review = await deps.reviews.review(edges, body.status as ReviewStatus, (body.note as string | undefined) ?? '', c.get('principal').name, deps.now());
    return c.json({ reviewed: edges.length, review });
  });

  api.get('/audit', (c) => {
    const q = queryParams(c, ['from', 'to', 'limit']);
    const from = q.from === undefined ? 0 : Number(q.from);
    const to = q.to === undefined ? Infinity : Number(q.to);
    if (!Number.isFinite(from) || Number.isNaN(to)) bad('from', 'expected milliseconds');
    return c.json(deps.reviews.history(from, to, intParam(q, 'limit', 1, 100_000) ?? 1000));
  });
}
