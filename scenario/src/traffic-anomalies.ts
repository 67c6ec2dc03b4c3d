import { DAY_MS, HOUR_MS, MINUTE_MS } from './calendar.js';
import type { EdgeLabel, Shape } from './conversation.js';
import { L } from './labels.js';
import { TCP, conversation, rngFor, us, type PlanContext } from './plan.js';
import type { Rng } from './prng.js';
import * as S from './shapes.js';
import type { Addr } from './topology.js';

export type AnomalyKind = 'web-to-db' | 'ssh-user-to-app' | 'external' | 'smb-user-to-dc';

/** Room kept before the window end so that anomaly conversations finish inside it. */
export const ANOMALY_END_MARGIN_MS = HOUR_MS;

/**
 * Policy violations, all starting strictly after `anomaliesFrom`: a web server querying the
 * database directly, SSH from a user into the app tier, an app server calling an external
 * address, SMB from a user to the domain controller. Each is a few conversations on one edge,
 * spread over at most two days after `anomaliesFrom`.
 */
export function planAnomalies(ctx: PlanContext): void {
  const from = ctx.anomaliesFrom;
  if (from === null) return;
  const { topo } = ctx;
  const span = Math.min(2 * DAY_MS, ctx.endMs - ANOMALY_END_MARGIN_MS - from);
  if (span <= MINUTE_MS) throw new Error('anomaliesFrom leaves no room for anomalies before the window ends');
  const lastUser = topo.users[topo.users.length - 1]!;
  const cases: Array<{ kind: AnomalyKind; client: Addr; server: Addr; port: number; label: EdgeLabel; count: number; shape: (r: Rng) => Shape }> = [
    { kind: 'web-to-db', client: topo.web[0]!.v4, server: topo.db[0]!.v4, port: 5432, label: L.anomalyWebDb, count: 3, shape: (r) => S.pgShort(r) },
    {
      kind: 'ssh-user-to-app',
      client: topo.users[0]!.v4,
      server: topo.app[0]!.v4,
      port: 22,
      label: L.anomalySsh,
      count: 2,
      shape: (r) => S.sshSession(r, r.int(20, 60)),
    },
    {
      kind: 'external',
      client: topo.app[topo.app.length - 1]!.v4,
      server: topo.external.v4,
      port: 443,
      label: L.anomalyExternal,
      count: 3,
      shape: (r) => S.httpsSession(r, r.int(1, 3), 4000),
    },
    {
      kind: 'smb-user-to-dc',
      client: lastUser.v4,
      server: topo.infra.dc.v4,
      port: 445,
      label: L.anomalySmb,
      count: 2,
      shape: (r) => S.smbSession(r, r.int(2, 8)),
    },
  ];
  for (const c of cases) {
    const rng = rngFor(ctx, `anomaly:${c.kind}`);
    // The first one somewhere in the span, the rest within the following hour, all inside (from, from + span).
    let t = from + 1 + rng.uniform(0, span * 0.9);
    for (let i = 0; i < c.count && t < from + span; i++) {
      const shape = c.shape(rng);
      if (c.kind === 'external') shape.rttUs = rng.int(15_000, 60_000);
      ctx.add(conversation(c.client, c.server, TCP, c.port, Math.ceil(us(t)), shape, c.label));
      t += rng.uniform(2, 20) * MINUTE_MS;
    }
  }
}
