import type { Database } from 'lmdb';
import type { ViewRecord } from './view-record.js';
import { KeyFilter } from './key-filter.js';
import { decodeValue, encodeKey, encodeValue, keyHashes, keyRanges, rangeMicros } from './view-codec.js';
import type { ViewStaging } from './view-staging.js';

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
 * lookups — a conversation nobody else reported — without touching the B-tree. New records are
 * staged in memory and reach the B-tree in large flushes (view-staging.ts); lookups read both, a
 * staged version of a record hiding the stored one. Reads and writes are synchronous: they run
 * inside the ingest transaction.
 */
export class ViewIndex {
  readonly filter: KeyFilter;
  /** Lookups the filter answered without the B-tree, and those it passed on. */
  readonly lookups = { skipped: 0, searched: 0 };

  constructor(
    private readonly views: () => ViewDb,
    private readonly clusterDb: () => Database<ClusterMeta, number>,
    /** Longest span of a record searched back for (records are split by the probes' active timeout). */
    private readonly maxSpanMs: number,
    readonly staging: ViewStaging,
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
    const lo = rangeMicros(from - this.maxSpanMs);
    const hi = rangeMicros(to);
    const staged = this.staging.find(h1, h2, (us, value) => {
      if (us < lo || us > hi || value.readDoubleLE(8) < from) return;
      const r = decodeValue(value, k);
      if (r) out.push(r);
    });
    for (const range of keyRanges(h1, h2, from - this.maxSpanMs, to)) {
      for (const { key, value } of this.db.getRange(range)) {
        if (staged?.has(key.toString('latin1'))) continue;
        if (value.readDoubleLE(8) < from) continue;
        const r = decodeValue(value, k);
        if (r) out.push(r);
      }
    }
    return out;
  }

  /** The members of cluster `id`. */
  members(id: number): ViewRecord[] {
    const c = this.clusters.get(id);
    if (!c) return [];
    const [h1, h2] = KeyFilter.hashes(c.k);
    const out: ViewRecord[] = [];
    const lo = rangeMicros(c.first);
    const hi = rangeMicros(c.last);
    const staged = this.staging.find(h1, h2, (us, value) => {
      if (us < lo || us > hi || value.readUInt32LE(52) !== id) return;
      const r = decodeValue(value, c.k);
      if (r) out.push(r);
    });
    for (const range of keyRanges(h1, h2, c.first, c.last)) {
      for (const { key, value } of this.db.getRange(range)) {
        if (staged?.has(key.toString('latin1'))) continue;
        if (value.readUInt32LE(52) !== id) continue;
        const r = decodeValue(value, c.k);
        if (r) out.push(r);
      }
    }
    return out;
  }

  put(r: ViewRecord): void {
    const [h1, h2] = KeyFilter.hashes(r.k);
    this.staging.add(encodeKey(h1, h2, r.first, r.view), encodeValue(r));
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
    this.staging.forEachHashes((h1, h2) => this.filter.addHashes(Uint32Array.of(h1, h2)));
  }

  /** Inside a transaction: writes the staged records to the B-tree (then staging.flushed()). */
  flushStaged(): number {
    return this.staging.flushInto(this.db);
  }
}
