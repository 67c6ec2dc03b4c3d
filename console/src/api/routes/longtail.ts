import type { Hono } from 'hono';
import type { AppEnv } from '../env.js';
import { queryParams, rangeParams } from '../params.js';
import { PAGE_PARAMS, pageHeaders, pageParams } from '../paging.js';
import { parseFilter } from './edges.js';
import { coverage } from '../../analysis/coverage.js';
import type { ConsoleData } from '../../data.js';

export type LongtailDeps = Pick<ConsoleData, 'analyzer' | 'query' | 'model' | 'probes'> & { now(): number };

/** At most this many pending edges are analysed inside a request (a few hundred ms; see README). */
export const FORCE_ANALYSIS_MAX = 10_000;

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
      ...PAGE_PARAMS,
    ]);
    const range = rangeParams(q, deps.now());
    const { offset, limit } = pageParams(q, 10_000);
    // What is pending is analysed first when that is quick; a backlog (a restart after an upgrade,
    // a big backfill) is left to the background work, and the answer says how many edges still wait.
    deps.analyzer.refresh(deps.analyzer.pending <= FORCE_ANALYSIS_MAX);
    const { rows, total } = deps.query.longtail(range, parseFilter(q), offset, limit);
    pageHeaders(c, offset, rows.length, total);
    c.header('X-Analysis-Pending', String(deps.analyzer.pending));
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
