import type { EdgeKey } from '../catalog/catalog.js';
import type { Range } from '../matrix/accumulate.js';
import type { EdgeModel } from '../matrix/model.js';
import type { QueryEngine } from '../matrix/query.js';
import type { Evaluator } from './evaluate.js';

export interface SimulateResult {
  policy: string;
  version: number;
  blocked: Array<EdgeKey & { flows: number; firstSeen: number; lastSeen: number; srcSegment: string; dstSegment: string }>;
  allowedFlows: number;
  blockedFlows: number;
}

/** Stored history replayed against a version (the draft included): what would have been blocked. */
export function simulate(model: EdgeModel, query: QueryEngine, ev: Evaluator, range: Range, id: { policy: string; version: number }): SimulateResult {
  const { acc, ids, n } = query.active(range);
  const cat = model.catalog;
  const out: SimulateResult = { ...id, blocked: [], allowedFlows: 0, blockedFlows: 0 };
  for (let i = 0; i < n; i++) {
    const e = ids[i]!;
    const k = cat.key(e);
    if (ev.match(k)) out.allowedFlows += acc.flows[e]!;
    else {
      out.blockedFlows += acc.flows[e]!;
      out.blocked.push({
        ...k,
        flows: acc.flows[e]!,
        firstSeen: acc.first[e]!,
        lastSeen: acc.last[e]!,
        srcSegment: model.segmentOf(k.src),
        dstSegment: model.segmentOf(k.dst),
      });
    }
  }
  out.blocked.sort((a, b) => b.flows - a.flows || a.firstSeen - b.firstSeen);
  return out;
}
