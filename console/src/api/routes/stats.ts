import type { Hono } from 'hono';
import type { AppEnv } from '../env.js';

export interface StatsSource {
  ingest: () => unknown;
}

/** Ingest counters (received, applied, duplicates, rejected by reason) as JSON. */
export function statsRoutes(api: Hono<AppEnv>, src: StatsSource): void {
  api.get('/stats', (c) => c.json(src.ingest()));
}
