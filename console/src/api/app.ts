import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { SpanmapError } from '@spanmap/shared';
import { bearerAuth, type ApiToken, type Principal } from './auth.js';
import { errorResponse } from './errors.js';
import type { ConsoleStore } from '../store/console-store.js';
import type { ConsoleCore } from '../core.js';
import { probeRoutes } from './routes/probes.js';
import { statsRoutes } from './routes/stats.js';
import { segmentRoutes } from './routes/segments.js';
import { edgeRoutes } from './routes/edges.js';
import { matrixRoutes } from './routes/matrix.js';
import { timelineRoutes } from './routes/timeline.js';
import { longtailRoutes } from './routes/longtail.js';
import { policyRoutes } from './routes/policies.js';
import type { ConsoleMetrics } from '../metrics/metrics.js';

export interface AppDeps {
  store: ConsoleStore;
  core: ConsoleCore;
  tokens: () => ApiToken[];
  /** Ingest and broker counters for /stats. */
  stats?: () => unknown;
  now?: () => number;
  /** Prometheus metrics at /metrics (bearer token of any role unless `auth` is false) and request latency. */
  metrics?: { metrics: ConsoleMetrics; auth: boolean };
  /** Largest request body accepted (bytes); default 1 MiB. */
  bodyLimit?: number;
}

export type AppEnv = { Variables: { principal: Principal } };

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
  const core = deps.core;
  probeRoutes(api, deps);
  statsRoutes(api, { ingest: deps.stats ?? (() => ({})) });
  segmentRoutes(api, { getSegments: () => core.getSegments(), setSegments: (defs, by) => core.setSegments(defs, by, now()) });
  timelineRoutes(api, deps);
  edgeRoutes(api, {
    query: core.query,
    reviews: core.reviews,
    edgeExists: (k) => deps.store.edgeIdOf(k) !== undefined,
    version: () => core.model.version,
    now,
  });
  matrixRoutes(api, { query: core.query, now });
  longtailRoutes(api, { core, now });
  policyRoutes(api, { core, now });
  app.route('/api/v1', api);
  app.use('*', (c, next) => import('../http/ui.js').then((ui) => ui.serveUi(c, next))); // the web UI (console/ui/dist) at /, after the API
  return app;
}
