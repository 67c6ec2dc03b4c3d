import type { Endpoint, PolicyRule } from '../api.js';
import { protoName } from '../format.js';

/** "segment web", "10.0.0.0/24", "host 10.0.0.5" (or "host db1 (10.0.0.5)" when named), "any". Pure. */
export function endpointText(e: Endpoint | null | undefined, name?: string | null): string {
  if (!e) return 'any';
  const o = e as Record<string, unknown>;
  if (typeof o.segment === 'string') return `segment ${o.segment}`;
  if (typeof o.cidr === 'string') return o.cidr;
  if (typeof o.host === 'string') return name ? `host ${name} (${o.host})` : `host ${o.host}`;
  if (o.any) return 'any';
  return JSON.stringify(e);
}

/** "443, 8000–8080"; no ports means any port. */
export function portsText(ports: PolicyRule['ports'] | null | undefined): string {
  if (!ports || ports.length === 0) return 'any';
  return ports.map((p) => (Array.isArray(p) ? `${p[0]}–${p[1]}` : String(p))).join(', ');
}

/** A rule's selectors, ports and (when the API gave them) its hosts' names. */
export type RuleLike = Pick<PolicyRule, 'src' | 'dst' | 'proto' | 'ports'> & { srcName?: string | null; dstName?: string | null };

export function ruleText(r: RuleLike): string {
  const proto = r.proto === null || r.proto === undefined ? 'any protocol' : protoName(r.proto);
  return `allow ${endpointText(r.src, r.srcName)} → ${endpointText(r.dst, r.dstName)} ${proto} ${r.proto === 1 || r.proto === 58 ? '' : `port ${portsText(r.ports)}`}`.trim();
}

/** A rule's identity for diffs and lists (rules may lack a stable id across versions). */
export function ruleKey(r: PolicyRule): string {
  return r.id || ruleText(r);
}

/**
 * "443, 8000-8080" → [443, [8000, 8080]]. Anything else is sent as typed, for the API to name
 * (rule.ports[i]: expected a port…). Empty means any port.
 */
export function parsePortsText(text: string): Array<number | [number, number] | string> {
  return text
    .split(/[\s,;]+/)
    .filter((t) => t !== '')
    .map((t) => {
      if (/^\d+$/.test(t)) return Number(t);
      const m = /^(\d+)\s*[-–]\s*(\d+)$/.exec(t);
      return m ? ([Number(m[1]), Number(m[2])] as [number, number]) : t;
    });
}

export type SelectorKind = 'any' | 'segment' | 'cidr' | 'host';

export function selector(kind: SelectorKind, value: string): Endpoint {
  const v = value.trim();
  if (kind === 'segment') return { segment: v };
  if (kind === 'cidr') return { cidr: v };
  if (kind === 'host') return { host: v };
  return { any: true };
}
