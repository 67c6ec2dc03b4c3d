import { serviceName } from '../analysis/service.js';
import type { PortSpec, Rule } from './model.js';
import type { Group } from './draft.js';

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const portsText = (ports: PortSpec[]) => ports.map((p) => (Array.isArray(p) ? `${p[0]}-${p[1]}` : String(p))).join(', ');

/**
 * A drafted rule's comment: what it allows and why — the services and the evidence, and for the
 * shared layer which side was shared (from the graph), for related connections which control port
 * and range.
 */
export function groupComment(g: Group, ports: PortSpec[], granularity: 'segment' | 'host', kept: Rule['keptPeriodic'], fixed = false): string {
  const flows = g.members.reduce((s, m) => s + m.flows, 0);
  const evidence = `${plural(g.members.length, 'edge')}, ${plural(flows, 'flow')} in the window`;
  const services = [...new Set(g.members.map((m) => serviceName(m.key.proto, m.key.port) ?? `${m.key.proto}/${m.key.port}`))].slice(0, 5).join(', ');
  const rel = g.members[0]!.related;
  if (rel) {
    const distinct = new Set(g.members.map((m) => m.key.port)).size;
    const allowed = fixed ? `the data port is fixed, not dynamic: allowed as ${portsText(ports)} only` : `allowed as the documented range ${portsText(ports)}`;
    return (
      `related ${rel.kind.service}: data connections after ${rel.kind.title}, ${plural(g.members.length, 'edge')} on ${plural(distinct, 'port')}, ` +
      `${plural(flows, 'flow')} in the window; ${allowed} for the ${granularity} pairs that used the control port`
    );
  }
  if (kept)
    return `${g.shared ? 'infrastructure: ' : ''}${kept.period} job last seen ${day(kept.lastSeen)}, kept though the window missed its run (${services})`;
  if (g.shared) {
    const how = [...g.why.entries()]
      .slice(0, 5)
      .map(([k, so]) => {
        const [proto, port] = k.split('/').map(Number) as [number, number];
        return `${serviceName(proto, port) ?? k} ${so.initiators}→${so.responders}`;
      })
      .join(', ');
    const side =
      g.shared.orientation === 'in'
        ? 'many → one, the responder is the shared side: any source to this server'
        : `one → many, the initiator is the shared side: this manager to the devices' ${granularity === 'host' ? 'hosts' : 'segment'}`;
    return `infrastructure (${side}; initiators→responders: ${how}); ${evidence}`;
  }
  return `${services}; ${evidence}`;
}
