import type { Hono } from 'hono';
import type { AppEnv } from '../env.js';
import { queryParams, rangeParams } from '../params.js';
import type { QueryEngine } from '../../matrix/query.js';
import { parseFilter } from './edges.js';

export function matrixRoutes(api: Hono<AppEnv>, deps: { query: QueryEngine; now(): number }): void {
  api.get('/matrix', (c) => {
    const q = queryParams(c, ['from', 'to', 'proto', 'port', 'minFlows', 'service', 'review', 'infrastructure', 'host']);
    return c.json(deps.query.matrix(rangeParams(q, deps.now()), parseFilter(q)));
  });
}
