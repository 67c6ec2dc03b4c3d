import { describe, it, expect } from 'vitest';
import { Chunk } from './chunk.js';
import { EdgeTotals } from './totals.js';

type Row = [number, number, number, number, number, number, number]; // flows, records, packets, bytes, first, last (per edge)

/** Adds `n` rows of pseudo-random edges (repeats included) to `c` and to the expected map. */
function fill(c: Chunk, want: Map<number, Row>, n: number, seed: number, edges: number): void {
  let x = seed;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < n; i++) {
    const e = next() % edges;
    const rec = next() % 3; // some rows stay without records
    const first = 1000 + (next() % 500);
    const row: Row = [e, 1, rec, 10, 100, first, first + 7];
    c.add(e, 1, rec, 10, 100, first, first + 7);
    const w = want.get(e);
    if (!w) want.set(e, row);
    else want.set(e, [e, w[1] + 1, w[2] + rec, w[3] + 10, w[4] + 100, Math.min(w[5], first), Math.max(w[6], first + 7)]);
  }
}

function check(c: Chunk, want: Map<number, Row>): void {
  expect(c.size).toBe(want.size);
  expect(c.active).toBe([...want.values()].filter((w) => w[2] > 0).length);
  for (const [e, w] of want) {
    const r = c.row(e);
    expect(r).toBeGreaterThanOrEqual(0);
    expect([c.edge[r], c.flows[r], c.records[r], c.packets[r], c.bytes[r], c.first[r], c.last[r]]).toEqual(w);
  }
  expect(c.row(0xfffffff)).toBe(-1);
}

describe('rollup chunk', () => {
  it('reads back what it wrote from an unaligned blob, then takes new rows past the stored size', () => {
    const c = new Chunk(20000);
    const want = new Map<number, Row>();
    fill(c, want, 5000, 7, 3000);
    const blob = c.serialize();
    const padded = new Uint8Array(blob.length + 3);
    padded.set(blob, 3); // at an odd offset, as a value may come from the store
    const back = Chunk.deserialize(padded.subarray(3));
    expect(back.bucket).toBe(20000);
    check(back, want);
    // Columns are sized to the rows stored: new edges grow them, old rows keep their counts.
    fill(back, want, 4000, 11, 6000);
    check(back, want);
  });

  it('refuses a blob that is not a chunk', () => {
    expect(() => Chunk.deserialize(new Uint8Array(32))).toThrow(/not a rollup chunk/);
  });
});

describe('edge totals', () => {
  it('a whole chunk at once (start) gives what its rows one by one (ingest) give, reserved or grown', () => {
    const c = new Chunk(3);
    fill(c, new Map(), 3000, 5, 2500);
    const rows = new EdgeTotals();
    for (let r = 0; r < c.size; r++) {
      const active = c.records[r]! > 0;
      rows.add(
        c.edge[r]!,
        c.flows[r]!,
        c.records[r]!,
        c.packets[r]!,
        c.bytes[r]!,
        active ? c.first[r]! : Infinity,
        active ? c.last[r]! : -Infinity,
        active ? 1 : 0,
      );
    }
    const reserved = new EdgeTotals();
    reserved.reserve(2500);
    reserved.addChunk(c);
    const grown = new EdgeTotals();
    grown.addChunk(c);
    const cols = (t: EdgeTotals) => [t.flows, t.records, t.packets, t.bytes, t.first, t.last, t.days].map((a) => [...a.subarray(0, 2500)]);
    expect(cols(reserved)).toEqual(cols(rows));
    expect(cols(grown)).toEqual(cols(rows));
    expect(reserved.flows.length).toBe(2500);
  });
});
