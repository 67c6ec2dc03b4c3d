import { Rng } from './prng.js';
import type { Conversation, EdgeLabel, Shape } from './conversation.js';
import type { Addr, Topology } from './topology.js';

/** What every traffic source gets: the site, the window, randomness, and a sink for conversations. */
export interface PlanContext {
  topo: Topology;
  seed: number;
  /** Window [startMs, endMs). */
  startMs: number;
  endMs: number;
  /** Multiplier on the rates of business traffic (the scenario's scale). */
  density: number;
  /** Set when anomalies are injected. */
  anomaliesFrom: number | null;
  add(c: Conversation): void;
}

/** A random stream private to one traffic source (keyed, so sources don't disturb each other). */
export function rngFor(ctx: PlanContext, key: string): Rng {
  return Rng.derive(ctx.seed, key);
}

export const TCP = 6;
export const UDP = 17;
export const ICMP = 1;
export const ICMPV6 = 58;

/** A conversation from `client` to `server` starting at `startUs`; the port is allocated later. */
export function conversation(
  client: Addr,
  server: Addr,
  proto: number,
  dport: number,
  startUs: number,
  shape: Shape,
  label: EdgeLabel,
  fixedSport = 0,
): Conversation {
  if (client.family !== server.family) throw new Error(`address family mismatch ${client.ip} → ${server.ip}`);
  return {
    client,
    server,
    proto,
    dport,
    startUs: Math.round(startUs),
    shape,
    label,
    sport: fixedSport,
    fixedSport: fixedSport > 0 || proto === ICMP || proto === ICMPV6,
    vlan: null,
    firstPacket: 0,
    packetCount: 0,
    endUs: 0,
    packets: 0,
    bytes: 0,
    rpackets: 0,
    rbytes: 0,
    close: null,
  };
}

/** Microseconds from milliseconds. */
export function us(ms: number): number {
  return ms * 1000;
}
