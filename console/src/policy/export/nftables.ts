import type { EdgeModel } from '../../matrix/model.js';
import type { Policy, PolicyVersion, Rule } from '../model.js';
import { resolveSelector, type Resolved } from './addresses.js';
import { namesComment, type NameLookup } from '../../names/label.js';

const PORT_PROTOS: Record<number, string> = { 6: 'tcp', 17: 'udp', 132: 'sctp', 33: 'dccp', 136: 'udplite' };

/**
 * A complete nftables ruleset (for `nft -f`): an inet table with a forward chain whose policy is
 * drop, connection tracking for replies, and one accept per rule and address family. Address lists
 * become named interval sets; "external"/"unassigned" are written as exclusions of the site-local
 * ranges and of the defined segments.
 */
export function toNftables(p: Policy, v: PolicyVersion, model: EdgeModel, now: number, names?: NameLookup): string {
  const sets = new Map<string, { name: string; family: 'v4' | 'v6'; elements: string[] }>();
  const setFor = (family: 'v4' | 'v6', elements: string[]) => {
    const key = `${family}|${[...elements].sort().join(',')}`;
    let s = sets.get(key);
    if (!s) sets.set(key, (s = { name: `s${sets.size + 1}`, family, elements }));
    return s.name;
  };
  const lines: string[] = [];
  for (const r of v.rules) {
    const src = resolveSelector(r.src, model);
    const dst = resolveSelector(r.dst, model);
    const l4 = l4Matches(r);
    const comment = ` comment "${esc(`${r.id} ${r.comment}`)}"`;
    const named = namesComment(names, r); // the hosts' names, as a comment line above the rule
    if (named) lines.push(`    # ${named}`);
    const before = lines.length;
    const familyFree = src.any && dst.any && src.exclude.v4.length + src.exclude.v6.length + dst.exclude.v4.length + dst.exclude.v6.length === 0;
    if (familyFree) {
      const fam = r.proto === 1 ? 'meta nfproto ipv4 ' : r.proto === 58 ? 'meta nfproto ipv6 ' : '';
      for (const m of l4) lines.push(`    ${fam}${m}accept${comment}`);
      continue;
    }
    for (const family of ['v4', 'v6'] as const) {
      if ((r.proto === 1 && family === 'v6') || (r.proto === 58 && family === 'v4')) continue;
      const s = addr(src, family, 'saddr', setFor);
      const d = addr(dst, family, 'daddr', setFor);
      if (s === null || d === null) continue; // a side with no address of this family
      for (const m of l4) lines.push(`    ${s}${d}${m}accept${comment}`);
    }
    if (lines.length === before)
      lines.push(
        `    # rule ${r.id} (${esc(r.comment)}): no addresses known for its ${src.any || src.include.v4.length + src.include.v6.length > 0 ? 'destination' : 'source'} (a VLAN-only segment none of whose hosts was seen yet, or families that do not meet)`,
      );
  }
  const out: string[] = [];
  out.push(`#!/usr/sbin/nft -f`);
  out.push(`# spanmap policy "${esc(p.name)}" (${p.id}) version ${v.version}, ${p.granularity} granularity, default deny`);
  out.push(`# generated ${new Date(now).toISOString()}; ${v.rules.length} rules; apply with: nft -f FILE (check first with nft -c -f FILE)`);
  out.push('table inet spanmap');
  out.push('flush table inet spanmap');
  out.push('table inet spanmap {');
  for (const s of sets.values()) {
    out.push(`  set ${s.name} {`);
    out.push(`    type ${s.family === 'v4' ? 'ipv4_addr' : 'ipv6_addr'}; flags interval; auto-merge;`);
    out.push(`    elements = { ${s.elements.join(', ')} }`);
    out.push('  }');
  }
  out.push('  chain forward {');
  out.push('    type filter hook forward priority filter; policy drop;');
  out.push('    ct state established,related accept');
  out.push('    ct state invalid drop');
  out.push(...lines);
  out.push('  }');
  out.push('}');
  return out.join('\n') + '\n';
}

function addr(r: Resolved, family: 'v4' | 'v6', dir: 'saddr' | 'daddr', setFor: (f: 'v4' | 'v6', e: string[]) => string): string | null {
  const kw = family === 'v4' ? 'ip' : 'ip6';
  let s = '';
  if (!r.any) {
    const inc = r.include[family];
    if (inc.length === 0) return null;
    s += inc.length === 1 ? `${kw} ${dir} ${inc[0]} ` : `${kw} ${dir} @${setFor(family, inc)} `;
  }
  const exc = r.exclude[family];
  if (exc.length > 0) s += `${kw} ${dir} != @${setFor(family, exc)} `;
  return s; // empty for "any": the other side's addresses (or exclusions) pin the family
}

/** Transport matches: ports as a set, ICMP type/code one rule each, other protocols by number. */
function l4Matches(r: Rule): string[] {
  if (r.proto === null) return [''];
  const name = PORT_PROTOS[r.proto];
  if (name) {
    if (r.ports.length === 0) return [`meta l4proto ${name} `];
    const list = r.ports.map((x) => (typeof x === 'number' ? String(x) : `${x[0]}-${x[1]}`));
    return [`${name} dport ${list.length === 1 ? list[0] : `{ ${list.join(', ')} }`} `];
  }
  if (r.proto === 1 || r.proto === 58) {
    const kw = r.proto === 1 ? 'icmp' : 'icmpv6';
    if (r.ports.length === 0) return [`meta l4proto ${kw === 'icmp' ? 'icmp' : 'ipv6-icmp'} `];
    return r.ports.flatMap((x) => (typeof x === 'number' ? [x] : range(x[0], x[1]))).map((tc) => `${kw} type ${tc >> 8} ${kw} code ${tc & 255} `);
  }
  return [`meta l4proto ${r.proto} `];
}

function range(a: number, b: number): number[] {
  return Array.from({ length: Math.min(b - a + 1, 256) }, (_, i) => a + i);
}

function esc(s: string): string {
  return s
    .replace(/[\\"]/g, "'")
    .replace(/[\r\n]/g, ' ')
    .slice(0, 120);
}
