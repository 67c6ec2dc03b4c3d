import type { Database } from 'lmdb';
import type { Rollup } from './rollup.js';

/** Values per journal row: edge, hour, flows, records, packets, bytes, first, last. */
const W = 8;

/**
 * The write-ahead side of the rollup: each ingest transaction writes its per-edge-hour deltas as
 * one blob; a checkpoint writes the changed chunks and drops the journal up to it. A start loads
 * the chunks and replays what the journal holds after the last checkpoint, so what was committed
 * and acknowledged is never missing from the queries, and nothing is counted twice.
 */
export class Journal {
  private rows: number[] = [];
  private seq = 0;

  constructor(
    private readonly journalDb: () => Database<Uint8Array, number>,
    private readonly metaDb: () => Database<unknown, string>,
    /** A second blob per entry for another stage's replay (the merge's key filter), same sequence number. */
    private readonly extraDb: () => Database<Uint8Array, number>,
  ) {}

  private get db(): Database<Uint8Array, number> {
    return this.journalDb();
  }

  private get meta(): Database<unknown, string> {
    return this.metaDb();
  }

  /** Reads where the journal stands (start). */
  open(): void {
    const last = [...this.db.getKeys({ reverse: true, limit: 1 })][0];
    this.seq = Math.max(last ?? 0, (this.meta.get('rollup:checkpoint') as number | undefined) ?? 0);
  }

  /** Adds one row to the current transaction's entry. */
  row(edge: number, hour: number, flows: number, records: number, packets: number, bytes: number, first: number, last: number): void {
    this.rows.push(edge, hour, flows, records, packets, bytes, first, last);
  }

  /** Writes the current entry (inside the ingest transaction); returns its rows for the rollup after commit. */
  write(extra?: Uint8Array): Float64Array {
    const rows = Float64Array.from(this.rows);
    this.rows = [];
    if (rows.length === 0 && !extra?.byteLength) return rows;
    this.seq++;
    void this.db.put(this.seq, new Uint8Array(rows.buffer));
    if (extra?.byteLength) void this.extraDb().put(this.seq, extra);
    return rows;
  }

  /** Discards the current entry (the transaction failed). */
  discard(): void {
    this.rows = [];
  }

  /** Entries after the last checkpoint (start): applied to the loaded chunks; returns the edges they touched. */
  replay(rollup: Rollup, extra?: (blob: Uint8Array) => void): Set<number> {
    const from = ((this.meta.get('rollup:checkpoint') as number | undefined) ?? 0) + 1;
    const edges = new Set<number>();
    if (extra) for (const { value } of this.extraDb().getRange({ start: from })) extra(value);
    for (const { value } of this.db.getRange({ start: from })) {
      const rows = new Float64Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
      apply(rollup, rows);
      for (let i = 0; i < rows.length; i += W) edges.add(rows[i]!);
    }
    return edges;
  }

  /** Entries since the last checkpoint. */
  get pending(): number {
    return this.seq - ((this.meta.get('rollup:checkpoint') as number | undefined) ?? 0);
  }

  /** Marks the journal up to now as checkpointed and removes it (inside the checkpoint transaction). */
  checkpoint(): void {
    void this.meta.put('rollup:checkpoint', this.seq);
    for (const k of this.db.getKeys({ end: this.seq + 1 })) void this.db.remove(k);
    for (const k of this.extraDb().getKeys({ end: this.seq + 1 })) void this.extraDb().remove(k);
  }
}

/** Applies journal rows to the rollup. */
export function apply(rollup: Rollup, rows: Float64Array): void {
  for (let i = 0; i < rows.length; i += W)
    rollup.apply(rows[i]!, rows[i + 1]!, rows[i + 2]!, rows[i + 3]!, rows[i + 4]!, rows[i + 5]!, rows[i + 6]!, rows[i + 7]!);
}
