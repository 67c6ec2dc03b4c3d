import type { Database } from 'lmdb';
import { KEY_BYTES, valueBytes, writeKey, writeValue } from './view-codec.js';
import type { ViewRecord } from './view-record.js';
import type { Entry } from './view-runs.js';

/** The staged records' log: one entry per ingest transaction, keyed by a sequence number. */
export type StageLogDb = Database<Buffer, number>;

// Entry layout in the arena and in the log: previous entry of the same hash slot (int32, -1: none),
// value length (uint32), the 24-byte key, the value (both exactly as the B-tree stores them).
const HEAD = 8;
const TABLE_BITS = 20;
const MASK = (1 << TABLE_BITS) - 1;
const LOG_BYTES = 16 * 1024;

/**
 * New merge-index records, held in memory and written in large flushes as sorted runs
 * (view-runs.ts).
 *
 * Why: the index is hour-first with the conversation hash next (view-codec.ts), so the records of
 * a busy hour land at random places in a region of a million entries, and each put of an ingest
 * transaction dirtied its own 4 KB page (measured: ~24 µs per put with the commit, ~2 µs into a
 * small tree; at 1 M edges these puts were 40 % of live ingest and 2.6 GB of file-backed memory).
 * Staged, they are written a few hundred thousand at a time, in key order, as one run.
 *
 * Nothing is lost: each transaction appends its records to a log database (one dense append),
 * replayed at start; a flush writes the run and removes the log in one transaction. Our own
 * arena and a typed-array hash (on the conversation's first hash) instead of a Map of buffers:
 * half a million records cost ~75 MB here, several times that as JS objects.
 */
export class ViewStaging {
  private arena = Buffer.alloc(1 << 20);
  private end = 0;
  private readonly table = new Int32Array(1 << TABLE_BITS).fill(-1);
  private count = 0;
  private mark = { end: 0, count: 0, seq: 0 };
  /** The log's next sequence number, and the first one still held. */
  private seq = 0;
  private firstSeq = 0;
  readonly counters = { flushes: 0, flushed: 0 };

  constructor(private readonly log: () => StageLogDb) {}

  /** Records held. */
  get size(): number {
    return this.count;
  }

  /** Reads the log (start): the records staged before the last stop, in order. */
  load(): void {
    this.reset();
    let first = true;
    for (const { key, value } of this.log().getRange({})) {
      if (first) this.firstSeq = key;
      first = false;
      this.seq = key + 1;
      this.appendLogged(value);
    }
    if (first) this.firstSeq = this.seq;
  }

  /** Appends a logged chunk of entries in one copy, then links each into its hash chain. */
  private appendLogged(chunk: Buffer): void {
    if (this.end + chunk.length > this.arena.length) this.grow(chunk.length);
    chunk.copy(this.arena, this.end);
    const stop = this.end + chunk.length;
    for (let o = this.end; o + HEAD + KEY_BYTES <= stop; o = this.next(o)) this.link(o);
    this.end = stop;
  }

  /** Stages a record, encoded straight into the arena (no buffers of its own: this runs per record). */
  addRecord(h1: number, h2: number, r: ViewRecord): void {
    const len = valueBytes(r);
    const need = HEAD + KEY_BYTES + len;
    if (this.end + need > this.arena.length) this.grow(need);
    const o = this.end;
    this.arena.writeUInt32LE(len, o + 4);
    writeKey(this.arena, o + HEAD, h1, h2, r.first, r.view);
    writeValue(this.arena, o + HEAD + KEY_BYTES, r);
    this.link(o);
    this.end = o + need;
  }

  /** Stages an encoded key and value (the ingest path uses addRecord; tests build keys by hand with this). */
  add(key: Buffer, value: Buffer): void {
    const need = HEAD + KEY_BYTES + value.length;
    if (this.end + need > this.arena.length) this.grow(need);
    const o = this.end;
    this.arena.writeUInt32LE(value.length, o + 4);
    key.copy(this.arena, o + HEAD, 0, KEY_BYTES);
    value.copy(this.arena, o + HEAD + KEY_BYTES);
    this.link(o);
    this.end = o + need;
  }

  /** Puts the entry at `o` (its key written) at the head of its hash slot's chain. */
  private link(o: number): void {
    const slot = this.arena.readUInt32BE(o + HEAD + 4) & MASK;
    this.arena.writeInt32LE(this.table[slot]!, o);
    this.table[slot] = o;
    this.count++;
  }

  /** The offset of the entry after the one at `o`. */
  private next(o: number): number {
    return o + HEAD + KEY_BYTES + this.arena.readUInt32LE(o + 4);
  }

  /**
   * Visits the newest version of each staged record of conversation (h1, h2), newest first, and
   * returns the keys seen (latin1), which shadow the B-tree's older versions; null when none.
   */
  find(h1: number, h2: number, visit: (us: number, value: Buffer) => void): Set<string> | null {
    let seen: Set<string> | null = null;
    const a = this.arena;
    for (let o = this.table[h1 & MASK]!; o >= 0; o = a.readInt32LE(o)) {
      const k = o + HEAD;
      if (a.readUInt32BE(k + 4) !== h1 || a.readUInt32BE(k + 8) !== h2) continue;
      const id = a.toString('latin1', k, k + KEY_BYTES);
      if (seen?.has(id)) continue; // an older version of a record restaged later
      (seen ??= new Set()).add(id);
      const us = a.readUInt32BE(k + 12) * 2 ** 32 + a.readUInt32BE(k + 16);
      visit(us, a.subarray(k + KEY_BYTES, k + KEY_BYTES + a.readUInt32LE(o + 4)));
    }
    return seen;
  }

  /** Every staged key's conversation hashes (the key filter's rebuild). */
  forEachHashes(fn: (h1: number, h2: number) => void): void {
    for (let o = 0; o < this.end; o = this.next(o)) fn(this.arena.readUInt32BE(o + HEAD + 4), this.arena.readUInt32BE(o + HEAD + 8));
  }

  /** Start of an ingest transaction: what rollback() returns to. */
  begin(): void {
    this.mark = { end: this.end, count: this.count, seq: this.seq };
  }

  /**
   * End of the transaction, inside it: logs the records it staged, in values of about 16 KB (a
   * single large value would need a long run of free pages of its own in a fragmented file).
   */
  logTransaction(): void {
    const log = this.log();
    let from = this.mark.end;
    while (from < this.end) {
      let to = from;
      while (to < this.end && (to === from || this.next(to) - from <= LOG_BYTES)) to = this.next(to);
      void log.put(this.seq++, Buffer.from(this.arena.subarray(from, to)));
      from = to;
    }
  }

  /** The transaction failed: forgets what it staged (the hash chains are unwound newest first). */
  rollback(): void {
    const offsets: number[] = [];
    for (let o = this.mark.end; o < this.end; o = this.next(o)) offsets.push(o);
    for (let i = offsets.length - 1; i >= 0; i--) {
      const o = offsets[i]!;
      this.table[this.arena.readUInt32BE(o + HEAD + 4) & MASK] = this.arena.readInt32LE(o);
    }
    this.end = this.mark.end;
    this.count = this.mark.count;
    this.seq = this.mark.seq;
  }

  /**
   * The staged records in key order, the newest version of each key only (a flush writes them as
   * a run, view-runs.ts). Then, inside the flush's transaction, clearLog().
   */
  *sorted(): Generator<Entry> {
    const a = this.arena;
    const at: number[] = [];
    for (let o = 0; o < this.end; o = this.next(o)) at.push(o);
    // Hour and first hash as one number (exact below 2^53) order most pairs without a byte compare.
    const major = new Float64Array(at.length);
    for (let i = 0; i < at.length; i++) major[i] = a.readUInt32BE(at[i]! + HEAD) * 2 ** 32 + a.readUInt32BE(at[i]! + HEAD + 4);
    const same = (x: number, y: number) => a.compare(a, at[y]! + HEAD, at[y]! + HEAD + KEY_BYTES, at[x]! + HEAD, at[x]! + HEAD + KEY_BYTES);
    // buf.compare(target, tStart, tEnd, sStart, sEnd) orders the source range (x) against the target (y); then older first.
    const order = Array.from(at.keys()).sort((x, y) => major[x]! - major[y]! || same(x, y) || x - y);
    for (let i = 0; i < order.length; i++) {
      const x = order[i]!;
      const next = order[i + 1];
      if (next !== undefined && major[next] === major[x] && same(x, next) === 0) continue; // a newer version follows
      const o = at[x]!;
      yield { key: a.subarray(o + HEAD, o + HEAD + KEY_BYTES), value: a.subarray(o + HEAD + KEY_BYTES, o + HEAD + KEY_BYTES + a.readUInt32LE(o + 4)) };
    }
  }

  /** Inside the flush's transaction: removes the log of the records flushed. */
  clearLog(): void {
    const log = this.log();
    for (let s = this.firstSeq; s < this.seq; s++) void log.remove(s);
  }

  /** The flush committed: the memory is free for new records. */
  flushed(): void {
    this.counters.flushes++;
    this.counters.flushed += this.count;
    this.firstSeq = this.seq;
    this.reset();
  }

  private reset(): void {
    this.end = 0;
    this.count = 0;
    this.table.fill(-1);
    this.mark = { end: 0, count: 0, seq: this.seq };
  }

  private grow(need: number): void {
    let size = this.arena.length * 2;
    while (size < this.end + need) size *= 2;
    const next = Buffer.alloc(size);
    this.arena.copy(next, 0, 0, this.end);
    this.arena = next;
  }
}
