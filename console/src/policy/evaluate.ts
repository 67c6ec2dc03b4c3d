import { cidrContains, parseCidr, parseIP, type Cidr } from '@spanmap/shared';
import type { EdgeModel } from '../matrix/model.js';
import type { EdgeKey } from '../catalog/catalog.js';
import { portMatches, type Rule, type Selector } from './model.js';

type Compiled = { rule: Rule; src: (ip: string) => boolean; dst: (ip: string) => boolean };

/**
 * A policy version compiled for evaluation: rules indexed by protocol, selectors turned into
 * predicates (segment membership from the console's current segment set). An edge is allowed only
 * when a rule matches it in its own direction, initiator → responder; everything else is denied.
 */
export class Evaluator {
  private readonly byProto = new Map<number | null, Compiled[]>();

  constructor(
    rules: Rule[],
    private readonly model: EdgeModel,
  ) {
    for (const rule of rules) {
      const c: Compiled = { rule, src: this.selector(rule.src), dst: this.selector(rule.dst) };
      const list = this.byProto.get(rule.proto) ?? [];
      list.push(c);
      this.byProto.set(rule.proto, list);
    }
  }

  private selector(s: Selector): (ip: string) => boolean {
    if ('any' in s) return () => true;
    if ('host' in s) return (ip) => ip === s.host;
    if ('cidr' in s) {
      const c: Cidr = parseCidr(s.cidr);
      return (ip) => {
        const p = parseIP(ip);
        return p !== null && cidrContains(c, p);
      };
    }
    const name = s.segment;
    return (ip) => this.model.segmentOf(ip) === name;
  }

  /** The rule that allows the edge, or null when the policy would block it. */
  match(e: EdgeKey): Rule | null {
    for (const list of [this.byProto.get(e.proto), this.byProto.get(null)]) {
      if (!list) continue;
      for (const c of list) if (portMatches(c.rule.ports, e.port) && c.src(e.src) && c.dst(e.dst)) return c.rule;
    }
    return null;
  }
}
