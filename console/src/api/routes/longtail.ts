import type { Hono } from 'hono';
import type { AppEnv } from '../env.js';
import { intParam, queryParams, rangeParams, bad } from '../params.js';
import { parseFilter } from './edges.js';
import { coverage } from '../../analysis/coverage.js';
import type { ConsoleData } from '../../data.js';

export type LongtailDeps = Pick<ConsoleData, 'analyzer' | 'query' | 'model' | 'probes'> & { now(): number };

export function longtailRoutes(api: Hono<AppEnv>, deps: LongtailDeps): void {
  /** The review worklist: edges rarest first, with their period, first/last seen and review state. */
  api.get('/longtail', (c) => {
    const q = queryParams(c, [
      'from',
      'to',
      'segment',
      'srcSegment',
      'dstSegment',
      'host',
      'proto',
      'port',
      'service',
      'review',
      'infrastructure',
      'limit',
      'cursor',
    ]);
    const range = rangeParams(q, deps.now());
    const limit = intParam(q, 'limit', 1, 10_000) ?? 1000;
    let offset = 0;
    if (q.cursor !== undefined) {
      offset = Number(Buffer.from(q.cursor, 'base64url').toString('utf8'));
      if (!Number.isInteger(offset) || offset < 0) bad('cursor', 'not a cursor this console issued');
    }
    deps.analyzer.refresh(true);
    const { rows, total } = deps.query.longtail(range, parseFilter(q), offset, limit);
    c.header('X-Total-Count', String(total));
    if (offset + rows.length < total) c.header('X-Next-Cursor', Buffer.from(String(offset + rows.length)).toString('base64url'));
    return c.json(rows);
  });

  /** How completely each segment was observed in the window, and why not. */
  api.get('/coverage', (c) => {
    const q = queryParams(c, ['from', 'to']);
    const span = deps.model.rollup.span();
    const range = rangeParams({ from: q.from ?? String(span?.from ?? 0), to: q.to ?? String(span?.to ?? deps.now()) }, deps.now());
    return c.json(coverage(deps.model, deps.probes, range, deps.model.segmentProbes()));
  });
}
