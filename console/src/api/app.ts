import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { SpanmapError } from '@spanmap/shared';
import { bearerAuth, type ApiToken } from './auth.js';
import { errorResponse } from './errors.js';
import type { ConsoleData } from '../data.js';
import type { AppEnv } from './env.js';
import { probeRoutes } from './routes/probes.js';
import { statsRoutes } from './routes/stats.js';
import { segmentRoutes } from './routes/segments.js';
import { edgeRoutes } from './routes/edges.js';
import { matrixRoutes } from './routes/matrix.js';
import { timelineRoutes } from './routes/timeline.js';
import { longtailRoutes } from './routes/longtail.js';
import { policyRoutes } from './routes/policies.js';
import { nameRoutes } from './routes/names.js';
import { hostRoutes } from './routes/hosts.js';
import { alertRoutes } from './routes/alerts.js';
import type { SinkHealth } from '../sinks/types.js';
import type { ConsoleMetrics } from '../metrics/metrics.js';

/** What the API serves: the console's data (each route group takes only the part it needs). */
export type ApiData = Pick<
  ConsoleData,
  'catalog' | 'rows' | 'probes' | 'model' | 'query' | 'reviews' | 'analyzer' | 'segments' | 'policies' | 'alerts' | 'triage' | 'names' | 'hosts'
>;

export interface AppDeps {
  data: ApiData;
  tokens: () => ApiToken[];
  /** Ingest and broker counters for /stats. */
  stats?: () => unknown;
  now?: () => number;
  /** Prometheus metrics at /metrics (bearer token of any role unless `auth` is false) and request latency. */
  metrics?: { metrics: ConsoleMetrics; auth: boolean };
  /** Largest request body accepted (bytes); default 1 MiB. */
  bodyLimit?: number;
  /** The alert sinks' health (GET /alerts/sinks). */
  sinks?: () => SinkHealth[];
}

export type { AppEnv } from './env.js';

/** The console's HTTP API under /api/v1 (JSON; bearer token on everything but /health). */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError((e, c) => errorResponse(c, e));
  app.notFound((c) => errorResponse(c, new SpanmapError('not_found', `no such endpoint: ${c.req.method} ${c.req.path}`)));
  const m = deps.metrics;
  if (m) {
    app.use('/api/*', async (c, next) => {
      const end = m.metrics.http.startTimer();
      try {
        await next();
      } finally {
        // The route pattern (/api/v1/policies/:id), never the raw path: bounded label values.
        end({ method: c.req.method, route: c.req.routePath, status: String(c.res.status) });
      }
    });
    if (m.auth) app.use('/metrics', bearerAuth(deps.tokens));
    app.get('/metrics', async (c) => c.body(await m.metrics.text(), 200, { 'content-type': m.metrics.contentType }));
  }

  const api = new Hono<AppEnv>();
  api.use('*', async (c, next) => {
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Cache-Control', 'no-store');
    await next();
  });
  api.get('/health', (c) => c.json({ status: 'ok' }));
  api.use('*', bearerAuth(deps.tokens));
  const maxBody = deps.bodyLimit ?? 1 << 20;
  api.use(
    '*',
    bodyLimit({
      maxSize: maxBody,
      onError: () => {
        throw new SpanmapError('too_large', `request body larger than ${maxBody} bytes (api.bodyLimit)`);
      },
    }),
  );
  const now = deps.now ?? Date.now;
  const d = deps.data;
  probeRoutes(api, { probes: d.probes, now });
  statsRoutes(api, { ingest: deps.stats ?? (() => ({})) });
  segmentRoutes(api, { getSegments: () => d.segments.get(), setSegments: (defs, by) => d.segments.set(defs, by, now()) });
  timelineRoutes(api, { catalog: d.catalog, rows: d.rows, probes: d.probes, model: d.model, now });
  edgeRoutes(api, {
    query: d.query,
    reviews: d.reviews,
    edgeExists: (k) => {
      const id = d.catalog.find(k);
      return id >= 0 && d.model.rollup.totals.records[id]! > 0;
    },
    version: () => d.model.version,
    now,
  });
  matrixRoutes(api, { query: d.query, now });
  longtailRoutes(api, { analyzer: d.analyzer, query: d.query, model: d.model, probes: d.probes, now });
  policyRoutes(api, { policies: d.policies, alerts: d.alerts, model: d.model, names: d.names, now });
  nameRoutes(api, { names: d.names, now });
  hostRoutes(api, { hosts: d.hosts });
  alertRoutes(api, { alerts: d.alerts, triage: d.triage, sinks: deps.sinks ?? (() => []), now });
  app.route('/api/v1', api);
  app.use('*', (c, next) => import('../http/ui.js').then((ui) => ui.serveUi(c, next))); // the web UI (console/ui/dist) at /, after the API
  return app;
}
