import type { Database } from 'lmdb';
import type { ViewRecord } from './view-record.js';
import { KeyFilter } from './key-filter.js';
import { decodeValue, keyHashes, keyRanges, rangeMicros } from './view-codec.js';
import type { ViewStaging } from './view-staging.js';
import type { ViewRuns } from './view-runs.js';

export type ViewDb = Database<Buffer, Buffer>;

export interface ClusterMeta {
  k: string;
  first: number;
  last: number;
}

/**
 * The records every probe delivered, indexed by start hour, conversation key and start time
 * (view-codec.ts), so that a record arriving later (from another probe, hours late, or after a
 * restart) finds the views it overlaps. A Bloom filter over the keys (key-filter.ts) answers most
 * lookups — a conversation nobody else reported — without touching the store. New records are
 * staged in memory (view-staging.ts) and flushed as immutable sorted runs (view-runs.ts); records
 * stored before runs existed stay in a B-tree, read last. A newer version of a record (its cluster
 * changed) hides the older ones. Reads and writes are synchronous: they run inside the ingest
 * transaction.
 */
export class ViewIndex {
  readonly filter: KeyFilter;
  /** Lookups the filter answered without the store, and those it passed on. */
  readonly lookups = { skipped: 0, searched: 0 };

  constructor(
    private readonly views: () => ViewDb,
    private readonly clusterDb: () => Database<ClusterMeta, number>,
    /** Longest span of a record searched back for (records are split by the probes' active timeout). */
    private readonly maxSpanMs: number,
    readonly staging: ViewStaging,
    readonly runs: ViewRuns,
    filterLog2Bits = 28,
  ) {
    this.filter = new KeyFilter(filterLog2Bits);
  }

  private get db(): ViewDb {
    return this.views();
  }

  private get clusters(): Database<ClusterMeta, number> {
    return this.clusterDb();
  }

  /** Records of conversation `k` overlapping [from, to]. */
  overlapping(k: string, from: number, to: number): ViewRecord[] {
    const [h1, h2] = KeyFilter.hashes(k);
    if (!this.filter.testHashes(h1, h2)) {
      this.lookups.skipped++;
      return [];
    }
    this.lookups.searched++;
    const out: ViewRecord[] = [];
    this.search(h1, h2, from - this.maxSpanMs, to, (value) => {
      if (value.readDoubleLE(8) < from) return;
      const r = decodeValue(value, k);
      if (r) out.push(r);
    });
    return out;
  }

  /** The members of cluster `id`. */
  members(id: number): ViewRecord[] {
    const c = this.clusters.get(id);
    if (!c) return [];
    const [h1, h2] = KeyFilter.hashes(c.k);
    const out: ViewRecord[] = [];
    this.search(h1, h2, c.first, c.last, (value) => {
      if (value.readUInt32LE(52) !== id) return;
      const r = decodeValue(value, c.k);
      if (r) out.push(r);
    });
    return out;
  }

  /**
   * The newest version of each record of conversation (h1, h2) that started within [from, to]:
   * staged ones first, then the runs from the newest, then the B-tree (records stored before runs
   * existed); a key seen once hides its older versions.
   */
  private search(h1: number, h2: number, from: number, to: number, visit: (value: Buffer) => void): void {
    const lo = rangeMicros(from);
    const hi = rangeMicros(to);
    const seen =
      this.staging.find(h1, h2, (us, value) => {
        if (us >= lo && us <= hi) visit(value);
      }) ?? new Set<string>();
    const once = (key: Buffer, value: Buffer) => {
      const id = key.toString('latin1');
      if (seen.has(id)) return;
      seen.add(id);
      visit(value);
    };
    const ranges = [...keyRanges(h1, h2, from, to)];
    if (this.runs.count > 0) for (const { start, end } of ranges) this.runs.scan(start, end, once);
    for (const range of ranges) for (const { key, value } of this.db.getRange(range)) once(key, value);
  }

  put(r: ViewRecord): void {
    const [h1, h2] = KeyFilter.hashes(r.k);
    this.staging.addRecord(h1, h2, r);
    if (r.cl === 0 && !this.filter.testHashes(h1, h2)) this.filter.addHashes(Uint32Array.of(h1, h2), true);
  }

  putCluster(id: number, meta: ClusterMeta): void {
    void this.clusters.put(id, meta);
  }

  removeCluster(id: number): void {
    void this.clusters.remove(id);
  }

  /** Fills the key filter from every stored and staged record (start, when none was persisted). */
  rebuildFilter(): void {
    for (const key of this.db.getKeys({})) this.filter.addHashes(Uint32Array.of(...keyHashes(key)));
    for (const { key } of this.runs.entries()) this.filter.addHashes(Uint32Array.of(...keyHashes(key)));
    this.staging.forEachHashes((h1, h2) => this.filter.addHashes(Uint32Array.of(h1, h2)));
  }

  /** Inside a transaction: writes the staged records as a run (then flushed()). */
  flushStaged(): void {
    this.runs.write(this.staging.sorted());
    this.staging.clearLog();
  }

  /** The flush's transaction committed (or failed: `ok` false, everything stays staged). */
  flushed(ok: boolean): void {
    this.runs.written(ok);
    if (ok) this.staging.flushed();
  }
}
