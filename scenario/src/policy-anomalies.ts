import { DAY_MS, MINUTE_MS } from './calendar.js';
import type { EdgeLabel, Shape } from './conversation.js';
import { TCP, UDP, conversation, rngFor, us, type PlanContext } from './plan.js';
import type { Rng } from './prng.js';
import * as S from './shapes.js';
import type { Addr, Topology } from './topology.js';

export type PolicyAnomalyKind = 'snmp-from-workstation' | 'high-port-without-control' | 'ssh-user-to-app' | 'external';

const label = (service: string | null, anomaly: PolicyAnomalyKind): EdgeLabel =>
  Object.freeze({ service, infrastructure: false, period: null, tag: 'anomaly', anomaly });

/** The port of the "high-port-without-control" anomaly: in the MS-RPC dynamic range, but no endpoint-mapper call precedes it. */
export const ANOMALY_HIGH_PORT = 51234;

/**
 * The policy site's anomalies, strictly after `from`: a workstation querying a web server's SNMP
 * agent (only the management station polls), a workstation connecting to a web server on a port
 * in the dynamic RPC range with no endpoint-mapper call before it, SSH from a user into the app
 * tier, and an application server calling an external address. Each is a few conversations on one
 * edge, within two days after `from`.
 */
export function planPolicyAnomalies(ctx: PlanContext, from: number): void {
  const t: Topology = ctx.topo;
  const cases: Array<{
    kind: PolicyAnomalyKind;
    client: Addr;
    server: Addr;
    proto: number;
    port: number;
    service: string | null;
    count: number;
    shape: (r: Rng) => Shape;
  }> = [
    {
      kind: 'snmp-from-workstation',
      client: t.users[2]!.v4,
      server: t.web[0]!.v4,
      proto: UDP,
      port: 161,
      service: 'snmp',
      count: 2,
      shape: (r) => S.snmpPoll(r),
    },
    {
      kind: 'high-port-without-control',
      client: t.users[3]!.v4,
      server: t.web[1]!.v4,
      proto: TCP,
      port: ANOMALY_HIGH_PORT,
      service: null,
      count: 2,
      shape: (r) => S.httpsSession(r, 2, 3000),
    },
    {
      kind: 'ssh-user-to-app',
      client: t.users[0]!.v4,
      server: t.app[0]!.v4,
      proto: TCP,
      port: 22,
      service: 'ssh',
      count: 2,
      shape: (r) => S.sshSession(r, r.int(10, 30)),
    },
    {
      kind: 'external',
      client: t.app[1]!.v4,
      server: t.external.v4,
      proto: TCP,
      port: 443,
      service: 'https',
      count: 3,
      shape: (r) => S.httpsSession(r, 2, 4000),
    },
  ];
  for (const c of cases) {
    const rng = rngFor(ctx, `policy-anomaly:${c.kind}`);
    const l = label(c.service, c.kind); // one label object per edge (the truth checks it)
    let at = from + 1 + rng.uniform(0, 2 * DAY_MS * 0.9);
    for (let i = 0; i < c.count; i++) {
      const shape = c.shape(rng);
      if (c.kind === 'external') shape.rttUs = rng.int(15_000, 60_000);
      ctx.add(conversation(c.client, c.server, c.proto, c.port, Math.ceil(us(at)), shape, l));
      at += rng.uniform(2, 20) * MINUTE_MS;
    }
  }
}
