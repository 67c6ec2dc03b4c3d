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

export interface AppDeps {
  store: ConsoleStore;
  core: ConsoleCore;
  tokens: () => ApiToken[];
  /** Ingest and broker counters for /stats. */
  stats?: () => unknown;
  now?: () => number;
}

export type AppEnv = { Variables: { principal: Principal } };

/** The console's HTTP API under /api/v1 (JSON; bearer token on everything but /health). */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError((e, c) => errorResponse(c, e));
  app.notFound((c) => errorResponse(c, new SpanmapError('not_found', `no such endpoint: ${c.req.method} ${c.req.path}`)));

  const api = new Hono<AppEnv>();
  api.get('/health', (c) => c.json({ status: 'ok' }));
  api.use('*', bearerAuth(deps.tokens));
  api.use('*', bodyLimit({ maxSize: 1 << 20, onError: () => { throw new SpanmapError('too_large', 'request body larger than 1 MiB'); } }));
  const now = deps.now ?? Date.now;
  const core = deps.core;
  probeRoutes(api, deps);
  statsRoutes(api, { ingest: deps.stats ?? (() => ({})) });
  segmentRoutes(api, { getSegments: () => core.getSegments(), setSegments: (defs, by) => core.setSegments(defs, by, now()) });
  timelineRoutes(api, deps);
  edgeRoutes(api, { query: core.query, reviews: core.reviews, edgeExists: (k) => deps.store.edgeIdOf(k) !== undefined, version: () => core.model.version, now });
  matrixRoutes(api, { query: core.query, now });
  longtailRoutes(api, { core, now });
  policyRoutes(api, { core, now });
  app.route('/api/v1', api);
  app.use('*', (c, next) => import('../http/ui.js').then((ui) => ui.serveUi(c, next))); // the web UI (console/ui/dist) at /, after the API
  return app;
}
