import type { EdgeModel } from '../../matrix/model.js';
import { selectorText, type Policy, type PolicyVersion } from '../model.js';
import { resolveSelector } from './addresses.js';
import { csvText as cell, namedRule, ruleHostNames, type NameLookup } from '../../names/label.js';

/** One row per rule, for spreadsheets and change tickets. */
export function toCsv(p: Policy, v: PolicyVersion, names?: NameLookup): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const rows = v.rules.map((r) =>
    [
      r.id,
      r.layer,
      selectorText(r.src),
      selectorText(r.dst),
      r.proto === null ? 'any' : String(r.proto),
      r.ports.map((x) => (typeof x === 'number' ? x : `${x[0]}-${x[1]}`)).join(' '),
      r.comment,
      String(r.edges),
      r.keptPeriodic ? `${r.keptPeriodic.period} last seen ${new Date(r.keptPeriodic.lastSeen).toISOString()}` : '',
      cell(ruleHostNames(names, r).srcName),
      cell(ruleHostNames(names, r).dstName),
    ]
      .map(q)
      .join(','),
  );
  return (
    [
      `# spanmap policy "${p.name}" (${p.id}) version ${v.version}: default deny`,
      'id,layer,src,dst,protocol,ports,comment,edges,kept_periodic,src_name,dst_name',
      ...rows,
    ].join('\n') + '\n'
  );
}

/** The policy version with every selector's addresses resolved, for other tools. */
export function toJson(p: Policy, v: PolicyVersion, model: EdgeModel, names?: NameLookup): string {
  return JSON.stringify(
    {
      policy: { id: p.id, name: p.name, version: v.version, granularity: p.granularity, defaultAction: 'deny', at: v.at, by: v.by, reason: v.reason },
      rules: v.rules.map((r) => ({
        ...namedRule(names, r, p.window.to),
        srcAddresses: resolveSelector(r.src, model),
        dstAddresses: resolveSelector(r.dst, model),
      })),
    },
    null,
    2,
  );
}
