import type { EdgeKey } from '../catalog/catalog.js';
import type { EdgeModel } from '../matrix/model.js';
import type { RelatedLabel } from '../related/related.js';
import { rangesUsed } from '../related/kinds.js';
import { ruleId, type PortSpec, type Rule, type Selector } from './model.js';

/** The rule allowing a would-be-blocked edge would add, before anyone confirms it. */
export interface Proposal {
  src: Selector;
  dst: Selector;
  proto: number;
  ports: PortSpec[];
  /** "host pair": this pair and port only; "related range": this pair, the related connection's range; "segment pair": widened on request. */
  scope: 'host pair' | 'related range' | 'segment pair';
  why: string;
  related?: Rule['related'];
}

/**
 * The narrowest rule that covers a would-be-blocked edge: its host pair and port — or, for the
 * data connection of a related pair (it followed its control connection), the host pair and the
 * kind's documented range, so the next session's port is covered too. A segment pair only when
 * asked for explicitly ("segment"), never silently.
 */
export function narrowest(e: EdgeKey, related: RelatedLabel | null, model: EdgeModel, widen: 'segment' | null = null): Proposal {
  const ports: PortSpec[] = related ? rangesUsed(related.kind, [e.port]) : [e.port];
  const rel = related ? { service: related.kind.service, control: { proto: related.control.proto, port: related.control.port } } : undefined;
  if (widen === 'segment') {
    const src = { segment: model.segmentOf(e.src) };
    const dst = { segment: model.segmentOf(e.dst) };
    return {
      src,
      dst,
      proto: e.proto,
      ports,
      scope: 'segment pair',
      why: `widened on request to every host of segment ${src.segment} → ${dst.segment}`,
      ...(rel ? { related: rel } : {}),
    };
  }
  const why = related
    ? `${related.kind.service}: it followed ${related.kind.title}, so this pair's next data port is covered too`
    : 'only this host pair and port';
  return {
    src: { host: e.src },
    dst: { host: e.dst },
    proto: e.proto,
    ports,
    scope: related ? 'related range' : 'host pair',
    why,
    ...(rel ? { related: rel } : {}),
  };
}

/** The proposal as a rule of the policy. */
export function proposalRule(p: Proposal, e: EdgeKey, by: string, note: string): Rule {
  return {
    id: ruleId(p),
    src: p.src,
    dst: p.dst,
    proto: p.proto,
    ports: p.ports,
    comment: `allowed from monitor mode by ${by} (${p.scope}: ${p.why})${note ? `: ${note}` : ''}`,
    justifiedBy: [e],
    edges: 1,
    layer: 'application',
    ...(p.related ? { related: p.related } : {}),
  };
}
