import { parseCidr } from '@spanmap/shared';
import type { EdgeModel } from '../../matrix/model.js';
import { EXTERNAL, UNASSIGNED } from '../../segments/segments.js';
import type { Selector } from '../model.js';

/** Site-local ranges (what is not "external"), without overlaps, so they can form interval sets. */
export const LOCAL_V4 = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '224.0.0.0/4',
  '255.255.255.255/32',
];
export const LOCAL_V6 = ['::/127', '::ffff:0:0/96', 'fc00::/7', 'fe80::/10', 'ff00::/8'];

export interface AddressSet {
  v4: string[];
  v6: string[];
}

/**
 * What an enforcement point needs for a selector: positive address lists per family, and for the
 * pseudo-segments "unassigned"/"external", lists to exclude. Segments are their CIDRs, their named
 * hosts, and the hosts that joined them through their VLANs (as single addresses).
 */
export interface Resolved {
  any: boolean;
  include: AddressSet;
  exclude: AddressSet;
}

export function resolveSelector(s: Selector, model: EdgeModel): Resolved {
  const empty = (): AddressSet => ({ v4: [], v6: [] });
  if ('any' in s) return { any: true, include: empty(), exclude: empty() };
  if ('host' in s) return { any: false, include: split([s.host.includes(':') ? `${s.host}/128` : `${s.host}/32`]), exclude: empty() };
  if ('cidr' in s) return { any: false, include: split([s.cidr]), exclude: empty() };
  const defs = model.resolver.defs;
  if (s.segment === EXTERNAL) return { any: true, include: empty(), exclude: { v4: LOCAL_V4, v6: LOCAL_V6 } };
  if (s.segment === UNASSIGNED) {
    const all = defs.flatMap((d) => segmentCidrs(d.name, model));
    return { any: false, include: { v4: LOCAL_V4, v6: LOCAL_V6 }, exclude: split(all) };
  }
  return { any: false, include: split(segmentCidrs(s.segment, model)), exclude: empty() };
}

function segmentCidrs(name: string, model: EdgeModel): string[] {
  const d = model.resolver.defs.find((x) => x.name === name);
  const out = new Set<string>();
  for (const c of d?.cidrs ?? []) out.add(c);
  for (const h of d?.hosts ?? []) out.add(h.includes(':') ? `${h}/128` : `${h}/32`);
  if (d && d.vlans.length > 0) {
    // Members by VLAN are known only by the addresses seen: list them one by one.
    const idx = model.resolver.names.indexOf(name);
    const seg = model.hostSegments();
    const cidrs = d.cidrs.map((c) => parseCidr(c));
    model.catalog.hosts.forEach((ip, hid) => {
      if (seg[hid] !== idx || d.hosts.includes(ip)) return;
      const p = model.catalog.hostIp(hid);
      if (
        cidrs.some(
          (c) =>
            c.family === p.family && p.value >> BigInt((c.family === 4 ? 32 : 128) - c.prefix) === c.network >> BigInt((c.family === 4 ? 32 : 128) - c.prefix),
        )
      )
        return;
      out.add(ip.includes(':') ? `${ip}/128` : `${ip}/32`);
    });
  }
  return [...out];
}

function split(cidrs: string[]): AddressSet {
  return { v4: cidrs.filter((c) => !c.includes(':')), v6: cidrs.filter((c) => c.includes(':')) };
}
