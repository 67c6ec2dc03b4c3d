import type { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../app.js';

/** A probe counts as online while its retained status says so and is recent. */
const STATUS_FRESH_MS = 60_000;

export function probeRoutes(api: Hono<AppEnv>, deps: AppDeps): void {
  api.get('/probes', (c) => {
    const now = (deps.now ?? Date.now)();
    return c.json(
      deps.store.listProbes().map((p) => ({
        id: p.id,
        flows: p.flows,
        packets: p.packets,
        bytes: p.bytes,
        lastSeen: p.lastSeen,
        firstSeen: p.firstSeen,
        records: p.records,
        batches: p.batches,
        duplicateBatches: p.duplicates,
        lastFlow: p.lastFlow || null,
        online: p.status !== null && p.status.online && now - p.status.time < STATUS_FRESH_MS,
        status: p.status,
      })),
    );
  });
}
