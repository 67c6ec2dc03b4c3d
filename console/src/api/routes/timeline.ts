import type { Hono } from 'hono';
import { SpanmapError } from '@spanmap/shared';
import type { AppEnv } from '../env.js';
import { queryParams, rangeParams, intParam, ipParam, bad } from '../params.js';
import { HOUR_MS } from '../../rollup/rollup.js';
import type { ConsoleData } from '../../data.js';

/** At most this many hours per timeline request (~1 year). */
const MAX_HOURS = 24 * 400;

export function timelineRoutes(api: Hono<AppEnv>, deps: Pick<ConsoleData, 'catalog' | 'rows' | 'probes' | 'model'> & { now?: () => number }): void {
  /** One edge's hourly activity: columns for a chart (hour start ms, flows, packets, bytes). */
  api.get('/edges/timeline', (c) => {
    const q = queryParams(c, ['src', 'dst', 'proto', 'port', 'from', 'to']);
    const src = ipParam(q, 'src') ?? bad('src', 'required');
    const dst = ipParam(q, 'dst') ?? bad('dst', 'required');
    const proto = intParam(q, 'proto', 0, 255) ?? bad('proto', 'required');
    const port = intParam(q, 'port', 0, 65535) ?? bad('port', 'required');
    const id = deps.catalog.find({ src, dst, proto, port });
    const totals = deps.model.rollup.totals;
    if (id < 0 || !(totals.records[id]! > 0)) throw new SpanmapError('not_found', `no such edge ${src} → ${dst} proto ${proto} port ${port}`);
    const now = (deps.now ?? Date.now)();
    const r = rangeParams({ from: String(q.from ?? Math.floor(totals.first[id]! / HOUR_MS) * HOUR_MS), to: String(q.to ?? totals.last[id]! + 1) }, now);
    const fromHour = Math.floor(r.from / HOUR_MS);
    const toHour = Math.min(Math.ceil(r.to / HOUR_MS), fromHour + MAX_HOURS);
    const t: number[] = [];
    const flows: number[] = [];
    const packets: number[] = [];
    const bytes: number[] = [];
    const got = new Map(deps.rows.edgeHours(id, fromHour, toHour));
    for (let h = fromHour; h < toHour; h++) {
      const v = got.get(h);
      t.push(h * HOUR_MS);
      flows.push(v ? v[0] : 0);
      packets.push(v ? v[2] : 0);
      bytes.push(v ? v[3] : 0);
    }
    return c.json({ edge: { src, dst, proto, port }, from: fromHour * HOUR_MS, to: toHour * HOUR_MS, t, flows, packets, bytes });
  });

  /** A probe's status over time (capture counters, drops, backlog, online), for charts and coverage. */
  api.get('/probes/:id/history', (c) => {
    const q = queryParams(c, ['from', 'to', 'limit']);
    const id = c.req.param('id');
    if (!deps.probes.list().some((p) => p.id === id)) throw new SpanmapError('not_found', `no probe "${id}"`);
    const r = rangeParams(q, (deps.now ?? Date.now)());
    const limit = intParam(q, 'limit', 1, 100_000) ?? 10_000;
    return c.json(deps.probes.statusHistory(id, r.from, r.to).slice(-limit));
  });
}
