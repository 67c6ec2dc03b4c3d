import type { Database } from 'lmdb';
import { KEY_BYTES } from './view-codec.js';

/** Blocks of the runs, keyed run id × 2^20 + block number. */
export type RunBlocksDb = Database<Buffer, number>;
/** Each run's header (counts, hours, the first key of every block), keyed by run id. */
export type RunMetaDb = Database<Buffer, number>;

const BLOCK_BYTES = 16 * 1024;
const BLOCKS_PER_RUN = 2 ** 20;
const META_HEAD = 16;

/** One merge-index record: its key and value (in a run's block: value length (uint32), the key, the value). */
export interface Entry {
  key: Buffer;
  value: Buffer;
}

interface Run {
  id: number;
  records: number;
  minBucket: number;
  maxBucket: number;
  /** The first key of each block, KEY_BYTES each. */
  fences: Buffer;
}

/**
 * Flushed merge-index records as immutable sorted runs (an LSM tree's levels, without merging
 * them: records arrive roughly in time order, so each run covers a few hours and a lookup's
 * window meets one or two runs). A run is written once, in 16 KB blocks appended in key order,
 * instead of a B-tree put per record: at 1 M edges those puts cost 6–9 µs a record (lmdb-js's
 * put path plus a page copy per record, the live hours' pages rewritten at every commit) and most
 * of the console's file-backed memory. The block fences stay in memory (24 bytes a block, ~2 MB at
 * 10 M records); a lookup binary-searches them and reads the blocks in its key range.
 */
export class ViewRuns {
  private runs: Run[] = [];
  private nextId = 1;

  constructor(
    private readonly blocks: () => RunBlocksDb,
    private readonly meta: () => RunMetaDb,
  ) {}

  get count(): number {
    return this.runs.length;
  }

  get records(): number {
    return this.runs.reduce((n, r) => n + r.records, 0);
  }

  /** Reads the runs' headers (start). */
  load(): void {
    this.runs = [];
    for (const { key, value } of this.meta().getRange({})) {
      const v = Buffer.from(value);
      this.runs.push({ id: key, records: v.readUInt32LE(0), minBucket: v.readUInt32LE(4), maxBucket: v.readUInt32LE(8), fences: v.subarray(META_HEAD) });
      this.nextId = key + 1;
    }
  }

  /**
   * Inside a transaction: writes `entries` (sorted by key, one version of each) as a new run, or
   * as run `replace` (retention's rewrite keeps the run's place: newer runs shadow older ones).
   */
  write(entries: Iterable<Entry>, replace?: number): void {
    const id = replace ?? this.nextId;
    this.pending = { run: null, replace: replace ?? null };
    const blocks = this.blocks();
    const fences: Buffer[] = [];
    let block = Buffer.allocUnsafe(BLOCK_BYTES);
    let used = 0;
    let records = 0;
    let minBucket = 0xffffffff;
    let maxBucket = 0;
    const seal = () => {
      void blocks.put(id * BLOCKS_PER_RUN + fences.length - 1, Buffer.from(block.subarray(0, used)));
      used = 0;
    };
    for (const { key, value } of entries) {
      const need = 4 + KEY_BYTES + value.length;
      if (used > 0 && used + need > BLOCK_BYTES) seal();
      if (need > block.length) block = Buffer.allocUnsafe(need);
      if (used === 0) fences.push(Buffer.from(key.subarray(0, KEY_BYTES)));
      block.writeUInt32LE(value.length, used);
      key.copy(block, used + 4, 0, KEY_BYTES);
      value.copy(block, used + 4 + KEY_BYTES);
      used += need;
      records++;
      const bucket = key.readUInt32BE(0);
      if (bucket < minBucket) minBucket = bucket;
      if (bucket > maxBucket) maxBucket = bucket;
    }
    if (records === 0) return; // (a rewrite that keeps nothing: the run goes)
    if (used > 0) seal();
    const head = Buffer.alloc(META_HEAD);
    head.writeUInt32LE(records, 0);
    head.writeUInt32LE(minBucket, 4);
    head.writeUInt32LE(maxBucket, 8);
    const meta = Buffer.concat([head, ...fences]);
    void this.meta().put(id, meta);
    this.pending.run = { id, records, minBucket, maxBucket, fences: meta.subarray(META_HEAD) };
  }

  private pending: { run: Run | null; replace: number | null } | null = null;

  /** The transaction that wrote (or rewrote) a run committed, or failed (`ok` false: forgotten). */
  written(ok: boolean): void {
    const p = this.pending;
    this.pending = null;
    if (!ok || !p) return;
    if (p.replace !== null) {
      const i = this.runs.findIndex((r) => r.id === p.replace);
      if (p.run) this.runs[i] = p.run;
      else this.runs.splice(i, 1);
    } else if (p.run) {
      this.runs.push(p.run);
      this.nextId = p.run.id + 1;
    }
  }

  /**
   * Visits the entries with keys in [start, end] (inclusive, KEY_BYTES each), newest run first;
   * `visit` gets the key and value (views valid during the call only).
   */
  scan(start: Buffer, end: Buffer, visit: (key: Buffer, value: Buffer) => void): void {
    const bucket = start.readUInt32BE(0);
    const [sb, sh, eb, eh] = [bucket, start.readUInt32BE(4), end.readUInt32BE(0), end.readUInt32BE(4)];
    for (let i = this.runs.length - 1; i >= 0; i--) {
      const run = this.runs[i]!;
      if (bucket < run.minBucket || bucket > run.maxBucket) continue;
      const n = run.fences.length / KEY_BYTES;
      // The last block whose first key is <= start (the range can begin inside it).
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (run.fences.compare(start, 0, KEY_BYTES, mid * KEY_BYTES, (mid + 1) * KEY_BYTES) <= 0) lo = mid;
        else hi = mid - 1;
      }
      for (let b = lo; b < n; b++) {
        if (b > lo && run.fences.compare(end, 0, KEY_BYTES, b * KEY_BYTES, (b + 1) * KEY_BYTES) > 0) break; // block starts after end
        const block = this.blocks().getBinaryFast(run.id * BLOCKS_PER_RUN + b);
        if (!block) continue;
        let past = false;
        for (let o = 0; o < block.length;) {
          const len = block.readUInt32LE(o);
          const k = o + 4;
          o = k + KEY_BYTES + len;
          // The hour and first hash decide most entries without a byte compare.
          const kb = block.readUInt32BE(k);
          const kh = block.readUInt32BE(k + 4);
          if (kb < sb || (kb === sb && kh < sh)) continue;
          if (kb > eb || (kb === eb && kh > eh)) {
            past = true;
            break;
          }
          if (block.compare(start, 0, KEY_BYTES, k, k + KEY_BYTES) < 0) continue;
          if (block.compare(end, 0, KEY_BYTES, k, k + KEY_BYTES) > 0) {
            past = true;
            break;
          }
          visit(block.subarray(k, k + KEY_BYTES), block.subarray(k + KEY_BYTES, k + KEY_BYTES + len));
        }
        if (past) break;
      }
    }
  }

  /** Every entry of every run (the key filter's rebuild, retention's rewrite). */
  *entries(run?: number): Generator<Entry> {
    for (const r of this.runs) {
      if (run !== undefined && r.id !== run) continue;
      for (const { value: block } of this.blocks().getRange({ start: r.id * BLOCKS_PER_RUN, end: (r.id + 1) * BLOCKS_PER_RUN })) {
        for (let o = 0; o < block.length;) {
          const len = block.readUInt32LE(o);
          yield { key: Buffer.from(block.subarray(o + 4, o + 4 + KEY_BYTES)), value: Buffer.from(block.subarray(o + 4 + KEY_BYTES, o + 4 + KEY_BYTES + len)) };
          o += 4 + KEY_BYTES + len;
        }
      }
    }
  }

  /** The oldest run holding records of hours before `bucket` (retention), or null. */
  oldestBefore(bucket: number): { id: number; records: number; whole: boolean } | null {
    for (const r of this.runs) if (r.minBucket < bucket) return { id: r.id, records: r.records, whole: r.maxBucket < bucket };
    return null;
  }

  /**
   * Inside a transaction: rewrites run `id` with what it holds from hour `keepFrom` on (retention).
   * Returns the records dropped. Call written() after the commit.
   */
  prune(id: number, keepFrom: number): number {
    const kept: Entry[] = [];
    let dropped = 0;
    for (const e of this.entries(id)) {
      if (e.key.readUInt32BE(0) < keepFrom) dropped++;
      else kept.push(e);
    }
    const blocks = this.blocks();
    for (const key of [...blocks.getKeys({ start: id * BLOCKS_PER_RUN, end: (id + 1) * BLOCKS_PER_RUN })]) void blocks.remove(key);
    void this.meta().remove(id);
    this.write(kept, id);
    return dropped;
  }
}
