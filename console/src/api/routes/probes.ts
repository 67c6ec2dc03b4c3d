import type { Hono } from 'hono';
import type { AppEnv } from '../env.js';
import type { Probes } from '../../store/probes.js';

/** A probe counts as online while its retained status says so and is recent. */
const STATUS_FRESH_MS = 60_000;

export function probeRoutes(api: Hono<AppEnv>, deps: { probes: Probes; now?: () => number }): void {
  api.get('/probes', (c) => {
    const now = (deps.now ?? Date.now)();
    return c.json(
      deps.probes.list().map((p) => ({
        id: p.id,
        flows: p.flows,
        packets: p.packets,
        bytes: p.bytes,
        lastSeen: p.lastSeen,
        firstSeen: p.firstSeen,
        records: p.records,
        batches: p.batches,
        duplicateBatches: p.duplicates,
        names: p.names,
        overlap: overlapOf(p),
        lastFlow: p.lastFlow || null,
        online: p.status !== null && p.status.online && now - p.status.time < STATUS_FRESH_MS,
        status: p.status,
      })),
    );
  });
}

/** How much of what a probe delivered another probe also saw (records), and as a share. */
function overlapOf(p: { records: number; overlap: Record<string, number> }) {
  const shared = Object.values(p.overlap).reduce((a, b) => Math.max(a, b), 0);
  return {
    probes: Object.entries(p.overlap)
      .map(([probe, records]) => ({ probe, records, share: p.records > 0 ? Math.round((records / p.records) * 1000) / 1000 : 0 }))
      .sort((a, b) => b.records - a.records),
    share: p.records > 0 ? Math.round((shared / p.records) * 1000) / 1000 : 0,
  };
}
