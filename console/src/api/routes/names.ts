import type { Hono } from 'hono';
import type { AppEnv } from '../env.js';
import { bad, queryParams } from '../params.js';
import { requireEditor } from '../auth.js';
import type { Names } from '../../names/names.js';
import { parseChanges, type ImportFormat } from '../../names/import.js';

/** What PUT /names answers: how many operator names were set, removed, or already so. */
export interface NamesResult {
  set: number;
  removed: number;
  unchanged: number;
}

/** GET /names: what the console knows of names. */
export interface NamesSummary {
  /** Addresses with learned names, with an operator's name. */
  learned: number;
  operator: number;
  /** Since the console started: learned observations kept and refused (by reason), old runs forgotten. */
  observations: number;
  rejected: Record<string, number>;
  runsDropped: number;
}

const FORMATS: Record<string, ImportFormat> = { 'application/json': 'json', 'text/csv': 'csv', 'text/plain': 'hosts' };

/**
 * Operator names. `PUT /names` sets or removes the listed addresses' names only (never a
 * replacement of all): JSON `[{"ip","name"}]` (name null removes), or an import — a CSV
 * (`text/csv`: ip,name; an empty name removes) or a hosts file (`text/plain`). All or nothing:
 * one bad line refuses the request, naming the line. Audited.
 */
export function nameRoutes(api: Hono<AppEnv>, deps: { names: Names; now(): number }): void {
  api.put('/names', requireEditor(), async (c) => {
    queryParams(c, []);
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const format = FORMATS[type] ?? bad('content-type', 'expected application/json ([{"ip","name"}]), text/csv (ip,name) or text/plain (a hosts file)');
    let body: unknown;
    if (format === 'json') {
      try {
        body = await c.req.json();
      } catch {
        bad('body', 'not valid JSON');
      }
    } else body = await c.req.text();
    const changes = parseChanges(format, body);
    const r: NamesResult = await deps.names.setOperator(changes, c.get('principal').name, deps.now(), format);
    return c.json(r);
  });

  api.get('/names', (c) => {
    queryParams(c, []);
    const { learned, operator } = deps.names.size;
    const k = deps.names.counters;
    const s: NamesSummary = { learned, operator, observations: k.observations, rejected: k.rejected, runsDropped: k.runsDropped };
    return c.json(s);
  });
}
