import type { EdgeModel } from './model.js';
import type { Accumulator } from './accumulate.js';
import type { CellIndex } from './cell-index.js';
import type { MatrixCell } from './query.js';
import { serviceName } from '../analysis/service.js';
import { topK } from './topk.js';

/** Services listed per matrix cell (the busiest first). */
const MATRIX_SERVICES = 10;

/**
 * The segment matrix from per-edge totals over a range: one pass over the edges in range gives
 * each cell's edges, flows, packets and bytes and the flows of each (cell, service) pair touched;
 * a counting sort groups those pairs by cell for each cell's busiest services. Buffers are reused
 * between queries (they run one at a time on the event loop).
 */
export class MatrixView {
  constructor(
    private readonly model: EdgeModel,
    private readonly cells: CellIndex,
  ) {}

  build(acc: Accumulator, ids: Uint32Array, n: number): { segments: string[]; cells: MatrixCell[] } {
    const m = this.model;
    const names = m.resolver.names;
    const ci = this.cells;
    const S = ci.refresh();
    const b = this.matrixBuffers(S * S, ci.pairCell.length);
    const { edges, flows, packets, bytes, pairFlows, pairStamp, touched } = b;
    const gen = ++b.gen;
    let nt = 0;
    const cellOf = ci.cellOf;
    const pairOf = ci.pairOf;
    const aFlows = acc.flows;
    const aPackets = acc.packets;
    const aBytes = acc.bytes;
    // One pass over the edges in range: cell totals, and flows per (cell, service) pair touched.
    for (let i = 0; i < n; i++) {
      const e = ids[i]!;
      const cell = cellOf[e]!;
      const fl = aFlows[e]!;
      edges[cell]!++;
      flows[cell] += fl;
      packets[cell] += aPackets[e]!;
      bytes[cell] += aBytes[e]!;
      const p = pairOf[e]!;
      if (pairStamp[p] !== gen) {
        pairStamp[p] = gen;
        pairFlows[p] = 0;
        touched[nt++] = p;
      }
      pairFlows[p] += fl;
    }
    // The touched pairs grouped by cell (a counting sort), then each cell's busiest services.
    const C = S * S;
    const start = new Uint32Array(C + 1);
    for (let i = 0; i < nt; i++) start[ci.pairCell[touched[i]!]! + 1]!++;
    for (let c = 1; c <= C; c++) start[c] += start[c - 1]!;
    const fill = start.slice(0, C);
    const grouped = new Uint32Array(nt);
    for (let i = 0; i < nt; i++) {
      const p = touched[i]!;
      grouped[fill[ci.pairCell[p]!]!++] = p;
    }
    const byFlows = (x: number, y: number) => pairFlows[y]! - pairFlows[x]! || ci.pairSvcKey[x]! - ci.pairSvcKey[y]!;
    const cells: MatrixCell[] = [];
    const used = new Set<number>();
    for (let cell = 0; cell < C; cell++) {
      if (edges[cell] === 0) continue;
      const s = Math.floor(cell / S);
      const d = cell % S;
      used.add(s);
      used.add(d);
      const group = grouped.subarray(start[cell]!, start[cell + 1]!);
      const services = topK(group, group.length, MATRIX_SERVICES, byFlows).map((p) => {
        const k = ci.pairSvcKey[p]!;
        const proto = Math.floor(k / 65536);
        return { proto, port: k % 65536, service: serviceName(proto, k % 65536), flows: pairFlows[p]! };
      });
      cells.push({ src: names[s]!, dst: names[d]!, edges: edges[cell]!, flows: flows[cell]!, packets: packets[cell]!, bytes: bytes[cell]!, services });
      edges[cell] = flows[cell] = packets[cell] = bytes[cell] = 0; // the buffers are reused
    }
    // Defined segments always appear; "unassigned" and "external" only when some traffic lands there.
    const segments = names.filter((_, i) => i < m.resolver.unassigned || used.has(i));
    return { segments, cells };
  }

  private mb: {
    edges: Float64Array;
    flows: Float64Array;
    packets: Float64Array;
    bytes: Float64Array;
    pairFlows: Float64Array;
    pairStamp: Uint32Array;
    touched: Uint32Array;
    gen: number;
  } | null = null;

  /** Buffers for matrix(), reused between queries (queries run one at a time on the event loop). */
  private matrixBuffers(cells: number, pairs: number) {
    let b = this.mb;
    if (!b || b.edges.length < cells) {
      const n = Math.max(cells, 16);
      b = {
        edges: new Float64Array(n),
        flows: new Float64Array(n),
        packets: new Float64Array(n),
        bytes: new Float64Array(n),
        pairFlows: new Float64Array(0),
        pairStamp: new Uint32Array(0),
        touched: new Uint32Array(0),
        gen: 0,
      };
      this.mb = b;
    }
    if (b.pairStamp.length < pairs) {
      const n = Math.max(pairs, b.pairStamp.length * 2, 1024);
      b.pairFlows = new Float64Array(n);
      b.pairStamp = new Uint32Array(n);
      b.touched = new Uint32Array(n);
      b.gen = 0;
    }
    return b;
  }
}
