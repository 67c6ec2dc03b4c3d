import type { EdgeKey } from '../catalog/catalog.js';

/**
 * Services a manager initiates towards many devices: SNMP polling, IPMI, monitoring agents
 * (Zabbix, NRPE, Check_MK, NSClient++, Munin), backup agents (Bacula, NetBackup, Veeam,
 * Commvault) and remote management (WinRM). In the shared infrastructure layer they are drafted
 * like the other shared services, and are the ones a tie in the graph leaves with the manager.
 */
const MANAGER_INITIATED = new Set([
  '17/161',
  '17/623',
  '6/10050',
  '6/5666',
  '6/6556',
  '6/12489',
  '6/4949',
  '6/9102',
  '6/1556',
  '6/13724',
  '6/6160',
  '6/8400',
  '6/5985',
  '6/5986',
]);

export function isManagerService(proto: number, port: number): boolean {
  return MANAGER_INITIATED.has(`${proto}/${port}`);
}

/** "in": many → one, the responder is the shared side; "out": one → many, the initiator is. */
export type Orientation = 'in' | 'out';

export interface ServiceOrientation {
  orientation: Orientation;
  initiators: number;
  responders: number;
  /** Why, for the rule's comment. */
  why: string;
}

export const serviceKey = (proto: number, port: number) => `${proto}/${port}`;

/**
 * Which side of each shared service (protocol, responder port) is the shared one, from the
 * observed graph: more distinct initiators than responders is fan-in (clients → a few servers:
 * DNS, NTP, LDAP, syslog; the rule is any → the server); more responders than initiators is
 * fan-out (a manager → many devices: SNMP polling, agents, backup, scanners; the rule is the
 * manager → the devices). A tie goes to the service's convention: manager-initiated services
 * (above) out, the others in.
 */
export function orient(edges: Iterable<EdgeKey>): Map<string, ServiceOrientation> {
  const sides = new Map<string, { src: Set<string>; dst: Set<string> }>();
  for (const e of edges) {
    const k = serviceKey(e.proto, e.port);
    let s = sides.get(k);
    if (!s) sides.set(k, (s = { src: new Set(), dst: new Set() }));
    s.src.add(e.src);
    s.dst.add(e.dst);
  }
  const out = new Map<string, ServiceOrientation>();
  for (const [k, { src, dst }] of sides) {
    const [proto, port] = k.split('/').map(Number) as [number, number];
    const i = src.size;
    const r = dst.size;
    const manager = isManagerService(proto, port);
    const orientation: Orientation = r > i ? 'out' : r < i ? 'in' : manager ? 'out' : 'in';
    const counts = `${i} initiator${i === 1 ? '' : 's'}, ${r} responder${r === 1 ? '' : 's'}`;
    const why =
      orientation === 'out'
        ? `one → many (${counts}${r === i ? ', a manager-initiated service' : ''}): the initiator is the shared side`
        : `many → one (${counts}): the responder is the shared side`;
    out.set(k, { orientation, initiators: i, responders: r, why });
  }
  return out;
}
