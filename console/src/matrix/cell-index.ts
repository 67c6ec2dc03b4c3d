import type { EdgeModel } from './model.js';

/**
 * For every edge: its matrix cell (source segment × destination segment) and a dense id of its
 * (cell, protocol/port) pair, with the pairs grouped by cell. None of this depends on the query's
 * time range, so it is kept up to date incrementally (new edges are appended) and rebuilt only when
 * segment membership changes; a matrix query is then typed-array sums.
 */
export class CellIndex {
  cellOf = new Uint32Array(0);
  pairOf = new Uint32Array(0);
  pairCell: number[] = [];
  pairSvcKey: number[] = [];
  /** Pairs grouped by cell: ids in `byCell[start[c] .. start[c+1])`. */
  byCell = new Uint32Array(0);
  start = new Uint32Array(0);
  private pairIds = new Map<number, number>();
  private indexedEdges = 0;
  private segmentsVersion = -1;
  private grouped = -1;
  private segments = 0;

  constructor(private readonly model: EdgeModel) {}

  /** Brings the index up to date; returns the number of segments (cells are segments²). */
  refresh(): number {
    const m = this.model;
    const S = m.resolver.names.length;
    if (m.segmentsVersion !== this.segmentsVersion || S !== this.segments) {
      this.segmentsVersion = m.segmentsVersion;
      this.segments = S;
      this.indexedEdges = 0;
      this.pairIds = new Map();
      this.pairCell = [];
      this.pairSvcKey = [];
      this.grouped = -1;
    }
    const cat = m.catalog;
    if (this.indexedEdges < cat.maxId) {
      if (this.cellOf.length < cat.maxId) {
        const n = Math.max(cat.maxId, this.cellOf.length * 2, 1024);
        const c = new Uint32Array(n);
        c.set(this.cellOf);
        this.cellOf = c;
        const p = new Uint32Array(n);
        p.set(this.pairOf);
        this.pairOf = p;
      }
      const hostSeg = m.hostSegments();
      for (let e = this.indexedEdges; e < cat.maxId; e++) {
        const cell = hostSeg[cat.src[e]!]! * S + hostSeg[cat.dst[e]!]!;
        this.cellOf[e] = cell;
        const svcKey = cat.proto[e]! * 65536 + cat.port[e]!;
        // Keys stay Smis: cells < 2^13 for up to ~90 segments; beyond that a string key.
        const key = S * S < 8192 ? cell * 16_777_216 + svcKey : `${cell}|${svcKey}`;
        let id = this.pairIds.get(key as never);
        if (id === undefined) {
          id = this.pairCell.length;
          this.pairIds.set(key as never, id);
          this.pairCell.push(cell);
          this.pairSvcKey.push(svcKey);
        }
        this.pairOf[e] = id;
      }
      this.indexedEdges = cat.maxId;
    }
    if (this.grouped !== this.pairCell.length) this.group(S);
    return S;
  }

  private group(S: number): void {
    const P = this.pairCell.length;
    const start = new Uint32Array(S * S + 1);
    for (let p = 0; p < P; p++) start[this.pairCell[p]! + 1]!++;
    for (let c = 1; c <= S * S; c++) start[c] += start[c - 1]!;
    const fill = start.slice(0, S * S);
    const byCell = new Uint32Array(P);
    for (let p = 0; p < P; p++) byCell[fill[this.pairCell[p]!]!++] = p;
    this.byCell = byCell;
    this.start = start;
    this.grouped = P;
  }
}
