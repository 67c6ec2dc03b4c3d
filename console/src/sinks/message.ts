import type { EdgeKey } from '../catalog/catalog.js';
import type { Alert } from '../alerts/model.js';

/**
 * An alert as sinks deliver it: the webhook sends this object (README "Alerts"); syslog puts the
 * same fields into structured data. Times are milliseconds since the epoch, as everywhere in the API.
 */
export interface AlertMessage {
  id: string;
  kind: Alert['kind'];
  src: string;
  dst: string | null;
  proto: number | null;
  port: number | null;
  policy: string;
  policyName: string;
  flows: number;
  firstSeen: number;
  lastSeen: number;
  raisedAt: number;
  srcSegment: string;
  dstSegment: string | null;
  srcName: string | null;
  dstName: string | null;
  reason: Alert['reason'];
  previous: string | null;
  /** A storm: the new edges it groups, distinct destinations and ports, its first edges. */
  edges: number;
  dsts?: number;
  ports?: number;
  sample?: EdgeKey[];
  /** The alert in the console. */
  url: string;
}

export function alertUrl(consoleUrl: string, id: string): string {
  return `${consoleUrl.replace(/\/+$/, '')}/alerts?id=${encodeURIComponent(id)}`;
}

export function toMessage(a: Alert, consoleUrl: string): AlertMessage {
  return {
    id: a.id,
    kind: a.kind,
    src: a.src,
    dst: a.dst,
    proto: a.proto,
    port: a.port,
    policy: a.policy,
    policyName: a.policyName,
    flows: a.flows,
    firstSeen: a.firstSeen,
    lastSeen: a.lastSeen,
    raisedAt: a.raisedAt,
    srcSegment: a.srcSegment,
    dstSegment: a.dstSegment,
    srcName: a.srcName ?? null,
    dstName: a.dstName ?? null,
    reason: a.reason,
    previous: a.previous,
    edges: a.edges,
    ...(a.kind === 'storm' ? { dsts: a.dsts ?? 0, ports: a.ports ?? 0, sample: a.sample ?? [] } : {}),
    url: alertUrl(consoleUrl, a.id),
  };
}

const PROTO: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6', 132: 'sctp' };

/** One line for people (syslog MSG, and the webhook's `text`). */
export function describe(m: AlertMessage): string {
  const host = (ip: string, name: string | null, seg: string | null) => `${ip}${name ? ` (${name})` : ''}${seg ? ` [${seg}]` : ''}`;
  if (m.kind === 'storm')
    return `storm outside policy "${m.policyName}": ${m.edges} new edges from ${host(m.src, m.srcName, m.srcSegment)} to ${m.dsts ?? 0} destinations on ${m.ports ?? 0} ports, ${m.flows} flows`;
  const proto = m.proto === null ? '' : (PROTO[m.proto] ?? `proto ${m.proto}`);
  const again = m.previous ? ` (again: ${m.reason}, follows alert ${m.previous})` : '';
  return `new connection outside policy "${m.policyName}": ${host(m.src, m.srcName, m.srcSegment)} -> ${host(m.dst!, m.dstName, m.dstSegment)} ${proto}/${m.port}, ${m.flows} flow${m.flows === 1 ? '' : 's'}${again}`;
}
