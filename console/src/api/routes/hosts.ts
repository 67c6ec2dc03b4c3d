import type { Hono } from 'hono';
import type { AppEnv } from '../env.js';
import { bad, boolParam, intParam, queryParams, timeParam } from '../params.js';
import { canonicalIP } from '@spanmap/shared';
import type { HostDirectory, HostQuery } from '../../names/hosts.js';

const MAX_LIMIT = 10_000;

/**
 * `GET /hosts[?ip=IP|q=TEXT]` → `[{ip,name,source,segment,firstSeen,lastSeen,...}]`, paged like
 * /edges (limit, cursor; X-Total-Count and X-Next-Cursor headers). Without `ip` or `q`: every
 * address seen in traffic or named, with its name now (or at `at`); `ip`: every name that address
 * had, newest first; `q`: addresses starting with TEXT and every name containing it (any time).
 */
export function hostRoutes(api: Hono<AppEnv>, deps: { hosts: HostDirectory }): void {
  api.get('/hosts', (c) => {
    const q = queryParams(c, ['ip', 'q', 'at', 'named', 'sort', 'limit', 'cursor']);
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
    const limit = intParam(q, 'limit', 1, MAX_LIMIT) ?? 1000;
    const offset = q.cursor === undefined ? 0 : decodeCursor(q.cursor);
    const { rows, total } = deps.hosts.list(query, offset, limit);
    c.header('X-Total-Count', String(total));
    if (offset + rows.length < total) c.header('X-Next-Cursor', Buffer.from(JSON.stringify({ o: offset + rows.length })).toString('base64url'));
    return c.json(rows);
  });
}

function decodeCursor(s: string): number {
  try {
    const o = (JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as { o?: unknown }).o;
    if (typeof o === 'number' && Number.isInteger(o) && o >= 0) return o;
  } catch {
    // fall through
  }
  return bad('cursor', 'not a cursor this console issued');
}
