import { serviceFor } from '@spanmap/shared';

const ICMP_V4: Record<number, string> = {
  8: 'ping',
  13: 'icmp-timestamp',
  15: 'icmp-info',
  17: 'icmp-addrmask',
  3: 'icmp-unreachable',
  11: 'icmp-time-exceeded',
  5: 'icmp-redirect',
  9: 'icmp-router-adv',
  10: 'icmp-router-sol',
};
const ICMP_V6: Record<number, string> = {
  128: 'ping',
  1: 'icmp-unreachable',
  2: 'icmp-packet-too-big',
  3: 'icmp-time-exceeded',
  133: 'ndp-router-sol',
  134: 'ndp-router-adv',
  135: 'ndp-neighbor-sol',
  136: 'ndp-neighbor-adv',
  130: 'mld-query',
  131: 'mld-report',
  143: 'mld-report',
};
const OTHER: Record<number, string> = { 2: 'igmp', 47: 'gre', 50: 'esp', 51: 'ah', 89: 'ospf', 103: 'pim', 112: 'vrrp', 4: 'ipip', 41: 'ipv6-in-ip' };

/** Service name of an edge's (protocol, responder port): the well-known table, ICMP types, or the protocol. */
export function serviceName(proto: number, port: number): string | null {
  if (proto === 1) return ICMP_V4[port >> 8] ?? null;
  if (proto === 58) return ICMP_V6[port >> 8] ?? null;
  const s = serviceFor(proto, port);
  if (s) return s.name;
  return OTHER[proto] ?? null;
}

/** Port-based infrastructure flag (the long-tail analysis refines it with behaviour). */
export function infrastructureByPort(proto: number, port: number): boolean {
  return serviceFor(proto, port)?.infra ?? false;
}
