import { serviceFor } from '@spanmap/shared';
import type { EdgeLabel, Shape } from './conversation.js';
import { HOUR_MS, MINUTE_MS, daysOverlapping, isWeekday } from './calendar.js';
import { TCP, conversation, rngFor, us, type PlanContext } from './plan.js';
import type { Rng } from './prng.js';
import { lanRtt, ftpControl, ftpData } from './shapes.js';
import { END_MARGIN_MS, periodic } from './traffic-infra.js';
import type { Host } from './topology.js';

const label = (service: string | null, infrastructure: boolean, tag: string): EdgeLabel =>
  Object.freeze({ service, infrastructure, period: null, tag, anomaly: null });

/**
 * Labels of the related-connection traffic. `tag` names what the console must recognise:
 * "msrpc-dynamic" and "ftp-data" edges are data connections that follow their control
 * connection within a second. Period labels are not part of this site's truth (null).
 */
export const RL = {
  epm: label('msrpc', true, 'msrpc-control'),
  rpcData: label('msrpc-dynamic', false, 'msrpc-dynamic'),
  legacyEpm: label('msrpc', false, 'msrpc-control'),
  legacyRpcData: label('msrpc-dynamic', false, 'msrpc-dynamic'),
  ftpControl: label('ftp', false, 'ftp-control'),
  ftpData: label('ftp-data', false, 'ftp-data'),
};

/** Windows' dynamic RPC ranges: since Vista/2008, and before (KB 929851). */
export const RPC_DYNAMIC: readonly [number, number] = [49152, 65535];
export const RPC_DYNAMIC_OLD: readonly [number, number] = [1025, 5000];

function tcpShape(rng: Rng, ex: number[]): Shape {
  return { kind: 'tcp', rttUs: lanRtt(rng), ex, close: 'fin', seed: rng.seed() };
}

/** Endpoint mapper: bind, then one ept_map request for the interface's port. */
function epmLookup(rng: Rng): Shape {
  return tcpShape(rng, [300, 116, 84, rng.int(100, 400), rng.int(200, 1500), 156, 156, rng.int(200, 900)]);
}

/** An RPC session on the port the endpoint mapper handed out: bind, then a few calls. */
function rpcSession(rng: Rng): Shape {
  const ex = [300, 160, 108, rng.int(100, 500)];
  for (let i = rng.int(2, 6); i > 0; i--) ex.push(rng.int(500, 200_000), rng.int(100, 2000), rng.size(800, 60, 16_000), rng.int(100, 3000));
  return tcpShape(rng, ex);
}

/** A dynamic port from a range that has no well-known service of its own. */
function dynamicPort(rng: Rng, [lo, hi]: readonly [number, number]): number {
  for (;;) {
    const p = rng.int(lo, hi);
    if (!serviceFor(TCP, p)) return p;
  }
}

/** One MS-RPC call: the endpoint-mapper lookup on tcp/135, then 50-800 ms later the session on the port it returned. */
function rpcCall(ctx: PlanContext, rng: Rng, client: Host, server: Host, t: number, range: readonly [number, number], legacy: boolean): void {
  const epm = epmLookup(rng);
  ctx.add(conversation(client.v4, server.v4, TCP, 135, Math.floor(t), epm, legacy ? RL.legacyEpm : RL.epm));
  const after = t + rng.uniform(50_000, 800_000);
  ctx.add(conversation(client.v4, server.v4, TCP, dynamicPort(rng, range), Math.floor(after), rpcSession(rng), legacy ? RL.legacyRpcData : RL.rpcData));
}

/**
 * MS-RPC to the domain controller: every domain member refreshes group policy (servers every
 * 4 h ± 30 min around the clock; workstations at logon between 08:00 and 09:30 on weekdays and
 * every 90 ± 30 min until 18:00), each refresh an endpoint-mapper lookup and a session on a fresh
 * dynamic port. Servers also call an old Windows server in the legacy segment every 2 h, on the
 * pre-Vista range 1025-5000.
 */
export function planRpc(ctx: PlanContext, dc: Host, members: Host[], legacy: { server: Host; clients: Host[] }): void {
  for (const h of members) {
    const rng = rngFor(ctx, `rpc:${h.name}:${h.v4.ip}`);
    if (h.segment !== 'users') {
      periodic(ctx, rng, 4 * HOUR_MS, 30 * MINUTE_MS, (t) => rpcCall(ctx, rng, h, dc, t, RPC_DYNAMIC, false));
      continue;
    }
    for (const day of daysOverlapping(ctx.startMs, ctx.endMs)) {
      if (!isWeekday(day)) continue;
      let t = day + 8 * HOUR_MS + rng.uniform(0, 90 * MINUTE_MS);
      while (t < day + 18 * HOUR_MS && t < ctx.endMs - END_MARGIN_MS) {
        if (t >= ctx.startMs) rpcCall(ctx, rng, h, dc, us(t), RPC_DYNAMIC, false);
        t += rng.uniform(60, 120) * MINUTE_MS;
      }
    }
  }
  for (const c of legacy.clients) {
    const rng = rngFor(ctx, `rpc-legacy:${c.name}`);
    periodic(ctx, rng, 2 * HOUR_MS, 10 * MINUTE_MS, (t) => rpcCall(ctx, rng, c, legacy.server, t, RPC_DYNAMIC_OLD, true));
  }
}

/**
 * Passive FTP batch transfers from an application server to the mainframe, every 3 h ± 5 min on
 * weekdays: one control connection, and one to three data connections (a listing, files), each to
 * a port the server picks from its passive range 40000-60000, inside the control session.
 */
export function planFtpJobs(ctx: PlanContext, client: Host, server: Host): void {
  const rng = rngFor(ctx, `ftp-jobs:${client.name}`);
  periodic(ctx, rng, 3 * HOUR_MS, 5 * MINUTE_MS, (t) => {
    if (!isWeekday(t / 1000)) return;
    const transfers = rng.int(1, 3);
    const gaps = Array.from({ length: transfers }, () => rng.int(200_000, 1_500_000));
    const control = ftpControl(rng, gaps.reduce((a, b) => a + b, 0) + transfers * 2_000_000);
    ctx.add(conversation(client.v4, server.v4, TCP, 21, t, control, RL.ftpControl));
    let at = t + 150_000 + 20 * control.rttUs;
    for (const gap of gaps) {
      ctx.add(conversation(client.v4, server.v4, TCP, dynamicPort(rng, [40000, 60000]), Math.floor(at), ftpData(rng, rng.int(20_000, 400_000)), RL.ftpData));
      at += gap + 2_000_000;
    }
  });
}
