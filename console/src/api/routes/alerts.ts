import type { Hono } from 'hono';
import { SpanmapError } from '@spanmap/shared';
import type { AppEnv } from '../env.js';
import { bad, fields, jsonBody, queryParams, timeParam } from '../params.js';
import { PAGE_PARAMS, pageHeaders, pageParams } from '../paging.js';
import { requireEditor } from '../auth.js';
import type { Alerts } from '../../alerts/alerts.js';
import type { Triage } from '../../alerts/triage.js';
import type { AlertFilter } from '../../alerts/query.js';
import { ALERT_ACTIONS, ALERT_STATUSES, type AlertAction } from '../../alerts/model.js';
import type { SinkHealth } from '../../sinks/types.js';

const MAX_LIMIT = 10_000;

export interface AlertRouteDeps {
  alerts: Alerts;
  triage: Triage;
  sinks: () => SinkHealth[];
  now(): number;
}

/**
 * Continuous validation's API: the alerts (filtered, paged like /edges: X-Total-Count and
 * X-Next-Cursor headers over a plain array), one alert, the sinks' health, and triage.
 */
export function alertRoutes(api: Hono<AppEnv>, deps: AlertRouteDeps): void {
  api.get('/alerts', (c) => {
    const q = queryParams(c, ['status', 'kind', 'policy', 'segment', 'host', 'since', 'until', 'id', 'order', ...PAGE_PARAMS]);
    const f: AlertFilter = {};
    if (q.status !== undefined) {
      if (q.status !== 'open' && !(ALERT_STATUSES as readonly string[]).includes(q.status))
        bad('status', `expected open or one of ${ALERT_STATUSES.join(', ')}`);
      f.status = q.status as AlertFilter['status'];
    }
    if (q.kind !== undefined) {
      if (q.kind !== 'edge' && q.kind !== 'storm') bad('kind', 'expected edge or storm');
      f.kind = q.kind as 'edge' | 'storm';
    }
    for (const k of ['policy', 'segment', 'host'] as const) if (q[k] !== undefined && q[k] !== '') f[k] = q[k];
    const since = timeParam(q, 'since');
    if (since !== undefined) f.since = since;
    const until = timeParam(q, 'until');
    if (until !== undefined) f.until = until;
    if (q.id !== undefined) {
      const ids = q.id.split(',');
      if (ids.length > 1000 || ids.some((x) => !/^\d{1,15}$/.test(x))) bad('id', 'expected alert ids (digits), comma-separated');
      f.ids = new Set(ids);
    }
    if (q.order !== undefined && q.order !== 'asc' && q.order !== 'desc') bad('order', 'expected asc or desc');
    const { offset, limit } = pageParams(q, MAX_LIMIT);
    const p = deps.alerts.query(f, (q.order ?? 'desc') as 'asc' | 'desc', offset, limit);
    pageHeaders(c, offset, p.rows.length, p.total);
    return c.json(p.rows);
  });

  api.get('/alerts/sinks', (c) => {
    queryParams(c, []);
    return c.json(deps.sinks());
  });

  api.get('/alerts/:id', (c) => {
    queryParams(c, []);
    const a = deps.alerts.get(c.req.param('id'));
    if (!a) throw new SpanmapError('not_found', `no alert "${c.req.param('id')}"`);
    return c.json(a);
  });

  api.post('/alerts/review', requireEditor(), async (c) => {
    const b = fields(await jsonBody(c), 'body', ['ids', 'action', 'note', 'owner', 'days']);
    if (!Array.isArray(b.ids) || b.ids.length === 0 || b.ids.length > 1000) bad('ids', 'expected 1-1000 alert ids');
    const ids = (b.ids as unknown[]).map((x, i) =>
      typeof x === 'string' && /^\d{1,15}$/.test(x) ? x : bad(`ids[${i}]`, 'expected an alert id (a string of digits)'),
    );
    if (new Set(ids).size !== ids.length) bad('ids', 'an alert is listed twice');
    if (!(ALERT_ACTIONS as readonly unknown[]).includes(b.action)) bad('action', `expected one of ${ALERT_ACTIONS.join(', ')}`);
    const action = b.action as AlertAction;
    if (b.note !== undefined && (typeof b.note !== 'string' || b.note.length > 4000)) bad('note', 'expected a string of at most 4000 characters');
    if (b.owner !== undefined && (action !== 'investigate' || typeof b.owner !== 'string' || b.owner.length > 200))
      bad('owner', action === 'investigate' ? 'expected a name of at most 200 characters' : 'only with action "investigate"');
    if (b.days !== undefined && (action !== 'dismiss' || typeof b.days !== 'number' || !Number.isInteger(b.days) || b.days < 1 || b.days > 3650))
      bad('days', action === 'dismiss' ? 'expected a whole number of days from 1 to 3650' : 'only with action "dismiss"');
    const r = await deps.triage.review(
      {
        ids,
        action,
        note: (b.note as string | undefined) ?? '',
        ...(b.owner !== undefined ? { owner: (b.owner as string).trim() } : {}),
        ...(b.days !== undefined ? { days: b.days as number } : {}),
      },
      c.get('principal').name,
      deps.now(),
    );
    return c.json({ reviewed: r.alerts.length, alerts: r.alerts, policies: r.policies });
  });
}
