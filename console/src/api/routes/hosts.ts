import type { Hono } from 'hono';
import type { AppEnv } from '../env.js';
import { bad, boolParam, queryParams, timeParam } from '../params.js';
import { PAGE_PARAMS, pageHeaders, pageParams } from '../paging.js';
import { canonicalIP } from '@spanmap/shared';
import type { HostDirectory, HostQuery } from '../../names/hosts.js';

const MAX_LIMIT = 10_000;

/**
 * `GET /hosts[?ip=IP|q=TEXT]` → `[{ip,name,source,segment,firstSeen,lastSeen,...}]`, paged like
 * /edges (limit, cursor or offset; X-Total-Count and X-Next-Cursor headers). Without `ip` or `q`: every
 * address seen in traffic or named, with its name now (or at `at`); `ip`: every name that address
 * had, newest first; `q`: addresses starting with TEXT and every name containing it (any time).
 */
export function hostRoutes(api: Hono<AppEnv>, deps: { hosts: HostDirectory }): void {
  api.get('/hosts', (c) => {
    const q = queryParams(c, ['ip', 'q', 'at', 'named', 'sort', ...PAGE_PARAMS]);
    const query: HostQuery = {};
    if (q.ip !== undefined) query.ip = canonicalIP(q.ip) ?? bad('ip', `"${q.ip.slice(0, 80)}" is not an IP address`);
    if (q.q !== undefined) {
      const text = q.q.trim();
      if (text === '' || text.length > 253) bad('q', 'expected 1-253 characters: an address prefix or part of a name');
      if (query.ip !== undefined) bad('q', 'give ip or q, not both');
      query.q = text;
    }
    const at = timeParam(q, 'at');
    if (at !== undefined) query.at = at;
    const named = boolParam(q, 'named');
    if (named !== undefined) query.named = named;
    if (q.sort !== undefined && q.sort !== 'ip' && q.sort !== 'name') bad('sort', 'expected ip or name');
    if (q.sort !== undefined) query.sort = q.sort as 'ip' | 'name';
    const { offset, limit } = pageParams(q, MAX_LIMIT);
    const { rows, total } = deps.hosts.list(query, offset, limit);
    pageHeaders(c, offset, rows.length, total);
    return c.json(rows);
  });
}
