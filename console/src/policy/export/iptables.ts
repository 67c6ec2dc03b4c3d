import type { EdgeModel } from '../../matrix/model.js';
import type { Policy, PolicyVersion, Rule } from '../model.js';
import { resolveSelector, type Resolved } from './addresses.js';
import { namesComment, type NameLookup } from '../../names/label.js';

const PORT_PROTOS: Record<number, string> = { 6: 'tcp', 17: 'udp', 132: 'sctp', 33: 'dccp', 136: 'udplite' };

/**
 * An iptables-restore (IPv4) or ip6tables-restore (IPv6) file: FORWARD with policy DROP, replies
 * accepted by conntrack, one ACCEPT per rule and address pair. Rules that exclude addresses
 * ("external", "unassigned") jump to a chain of their own that RETURNs for the excluded ranges.
 */
export function toIptables(p: Policy, v: PolicyVersion, model: EdgeModel, now: number, family: 'v4' | 'v6', names?: NameLookup): string {
  const chains: string[] = [];
  const rules: string[] = [];
  let skipped = 0;
  v.rules.forEach((r, idx) => {
    if ((r.proto === 1 && family === 'v6') || (r.proto === 58 && family === 'v4')) return;
    const src = resolveSelector(r.src, model);
    const dst = resolveSelector(r.dst, model);
    const sList = !src.any ? src.include[family] : [null];
    const dList = !dst.any ? dst.include[family] : [null];
    if (sList.length === 0 || dList.length === 0) {
      skipped++;
      return;
    }
    const named = namesComment(names, r); // the hosts' names, as a comment line above the rule
    if (named) rules.push(`# ${named}`);
    const comment = `-m comment --comment "${esc(`${r.id} ${r.comment}`)}"`;
    const l4 = l4Args(r, family);
    const excludes = src.exclude[family].length + dst.exclude[family].length > 0;
    if (!excludes) {
      for (const s of sList)
        for (const d of dList) for (const m of l4) rules.push(`-A FORWARD${s ? ` -s ${s}` : ''}${d ? ` -d ${d}` : ''}${m} ${comment} -j ACCEPT`);
      return;
    }
    const chain = `SPANMAP-R${idx + 1}`;
    chains.push(`:${chain} - [0:0]`);
    for (const m of l4) rules.push(`-A FORWARD${m} ${comment} -j ${chain}`);
    for (const x of src.exclude[family]) rules.push(`-A ${chain} -s ${x} -j RETURN`);
    for (const x of dst.exclude[family]) rules.push(`-A ${chain} -d ${x} -j RETURN`);
    for (const s of sList) for (const d of dList) rules.push(`-A ${chain}${s ? ` -s ${s}` : ''}${d ? ` -d ${d}` : ''} -j ACCEPT`);
  });
  const tool = family === 'v4' ? 'iptables' : 'ip6tables';
  const out = [
    `# spanmap policy "${esc(p.name)}" (${p.id}) version ${v.version}, ${p.granularity} granularity, default deny (IP${family})`,
    `# generated ${new Date(now).toISOString()}; apply with: ${tool}-restore FILE (check first with ${tool}-restore --test FILE)`,
    ...(skipped > 0 ? [`# ${skipped} rules have no IP${family} addresses and are in the other family's export`] : []),
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD DROP [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ...chains,
    '-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
    '-A FORWARD -m conntrack --ctstate INVALID -j DROP',
    ...rules,
    'COMMIT',
  ];
  return out.join('\n') + '\n';
}

function l4Args(r: Rule, family: 'v4' | 'v6'): string[] {
  if (r.proto === null) return [''];
  const name = PORT_PROTOS[r.proto];
  if (name) {
    if (r.ports.length === 0) return [` -p ${name}`];
    // multiport takes at most 15 ports (a range counts twice).
    const out: string[] = [];
    let chunk: string[] = [];
    let weight = 0;
    for (const x of r.ports) {
      const w = typeof x === 'number' ? 1 : 2;
      if (weight + w > 15) {
        out.push(chunk.join(','));
        chunk = [];
        weight = 0;
      }
      chunk.push(typeof x === 'number' ? String(x) : `${x[0]}:${x[1]}`);
      weight += w;
    }
    if (chunk.length) out.push(chunk.join(','));
    return out.map((list) => ` -p ${name} -m multiport --dports ${list}`);
  }
  if (r.proto === 1 || r.proto === 58) {
    const tcs = r.ports.flatMap((x) => (typeof x === 'number' ? [x] : [])).slice(0, 256);
    if (tcs.length === 0) return [family === 'v4' ? ' -p icmp' : ' -p ipv6-icmp'];
    return tcs.map((tc) =>
      family === 'v4' ? ` -p icmp -m icmp --icmp-type ${tc >> 8}/${tc & 255}` : ` -p ipv6-icmp -m icmp6 --icmpv6-type ${tc >> 8}/${tc & 255}`,
    );
  }
  return [` -p ${r.proto}`];
}

function esc(s: string): string {
  return s
    .replace(/[\\"]/g, "'")
    .replace(/[\r\n]/g, ' ')
    .slice(0, 240);
}

export type { Resolved };
