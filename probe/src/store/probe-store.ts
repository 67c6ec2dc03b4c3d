import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';
import { SpanmapError, type FlowRecord, type NameObservation } from '@spanmap/shared';

/** A learned name, kept in the records tree beside the flow records (same ids, same recovery). */
interface StoredName {
  learned: NameObservation;
}

/** What the records tree holds: a flow record or a learned name. */
export type StoredItem = { id: number; record: FlowRecord; name?: undefined } | { id: number; name: NameObservation; record?: undefined };

/** A summary batch waiting in the outbox for the console's acknowledgement. */
export interface OutboxItem {
  seq: number;
  payload: Uint8Array;
  created: number;
  records: number;
  flows: number;
  /** Earliest flow time in the batch, ms. */
  from: number;
}

export interface StoreOptions {
  dir: string;
  /** Raw records older than this are pruned (they are only for drill-down once summarized). */
  maxAgeMs: number;
  /** Disk budget for the whole store; over it, raw records go first, then the oldest unsent batches (counted). */
  maxBytes: number;
}

export const DEFAULT_STORE_OPTIONS = { maxAgeMs: 7 * 86_400_000, maxBytes: 1 << 30 };

export interface StoreCounters {
  recordsWritten: number;
  batchesWritten: number;
  batchesAcked: number;
  /** Unsent data dropped because the disk budget was exceeded. */
  droppedBatches: number;
  droppedRecords: number;
  prunedRecords: number;
}

/**
 * The probe's LMDB store: flow records written ahead of publishing (for recovery and drill-down),
 * the outbox of encoded summary batches keyed by sequence number, and metadata (the store epoch,
 * the next sequence number, how far records have been summarized, what was dropped).
 * Writes are batched per event-loop turn by lmdb-js; `committed` resolves once they are durable.
 */
export class ProbeStore {
  readonly epoch: string;
  private readonly env: RootDatabase;
  private readonly meta: Database<unknown, string>;
  private readonly records: Database<FlowRecord | StoredName, number>;
  private readonly outbox: Database<Omit<OutboxItem, 'seq'>, number>;
  private nextRecordId: number;
  private nextSeq: number;
  private summarizedUpTo: number;
  readonly counters: StoreCounters;

  private constructor(private readonly opts: StoreOptions) {
    try {
      mkdirSync(opts.dir, { recursive: true });
      this.env = open({ path: opts.dir, maxDbs: 4, compression: false });
    } catch (e) {
      throw new SpanmapError('io', `cannot open the probe store in ${opts.dir}: ${(e as Error).message}`);
    }
    this.meta = this.env.openDB({ name: 'meta' });
    this.records = this.env.openDB({ name: 'records' });
    this.outbox = this.env.openDB({ name: 'outbox' });
    let epoch = this.meta.get('epoch') as string | undefined;
    if (!epoch) {
      epoch = randomBytes(16).toString('hex');
      this.meta.putSync('epoch', epoch);
    }
    this.epoch = epoch;
    const lastRecord = [...this.records.getKeys({ reverse: true, limit: 1 })][0];
    this.nextRecordId = (lastRecord ?? 0) + 1;
    this.nextSeq = (this.meta.get('nextSeq') as number | undefined) ?? 1;
    this.summarizedUpTo = (this.meta.get('summarizedUpTo') as number | undefined) ?? 0;
    const saved = (this.meta.get('counters') as Partial<StoreCounters> | undefined) ?? {};
    this.counters = {
      recordsWritten: 0,
      batchesWritten: 0,
      batchesAcked: 0,
      droppedBatches: saved.droppedBatches ?? 0,
      droppedRecords: saved.droppedRecords ?? 0,
      prunedRecords: 0,
    };
  }

  static open(opts: StoreOptions): ProbeStore {
    return new ProbeStore(opts);
  }

  /** Writes a flow record ahead of publishing; returns its id. */
  appendRecord(r: FlowRecord): number {
    const id = this.nextRecordId++;
    void this.records.put(id, r);
    this.counters.recordsWritten++;
    return id;
  }

  /** Writes a learned name ahead of publishing, like a record; returns its id. */
  appendName(n: NameObservation): number {
    const id = this.nextRecordId++;
    void this.records.put(id, { learned: n });
    return id;
  }

  /** Raw records still in the store (drill-down), oldest first. */
  *storedRecords(fromId = 1): Generator<{ id: number; record: FlowRecord }> {
    for (const { key, value } of this.records.getRange({ start: fromId })) if (!isName(value)) yield { id: key, record: value };
  }

  /** Records and names written but not yet put into an outbox batch (after a crash): replay them. */
  *unsummarized(): Generator<StoredItem> {
    for (const { key, value } of this.records.getRange({ start: this.summarizedUpTo + 1 }))
      yield isName(value) ? { id: key, name: value.learned } : { id: key, record: value };
  }

  /**
   * Puts encoded batches in the outbox with consecutive sequence numbers and marks records up to
   * `lastRecordId` as summarized, in one transaction (so a crash never duplicates or loses them).
   */
  async addBatches(
    batches: Array<{ payload: Uint8Array; records: number; flows: number; from: number }>,
    lastRecordId: number,
    now: number,
  ): Promise<number[]> {
    const seqs: number[] = [];
    await this.env.transaction(() => {
      for (const b of batches) {
        const seq = this.nextSeq++;
        seqs.push(seq);
        this.outbox.put(seq, { payload: b.payload, created: now, records: b.records, flows: b.flows, from: b.from });
      }
      this.summarizedUpTo = Math.max(this.summarizedUpTo, lastRecordId);
      this.meta.put('nextSeq', this.nextSeq);
      this.meta.put('summarizedUpTo', this.summarizedUpTo);
      // Age is measured by when records were written (a replayed capture can be years old).
      this.meta.put(`written:${String(now).padStart(15, '0')}`, this.summarizedUpTo);
    });
    this.counters.batchesWritten += batches.length;
    return seqs;
  }

  /** The sequence number the next batch will get (batches below it exist or were acked). */
  peekNextSeq(): number {
    return this.nextSeq;
  }

  /** Outbox items from `fromSeq` on, in order. */
  pending(fromSeq: number, limit: number): OutboxItem[] {
    const out: OutboxItem[] = [];
    for (const { key, value } of this.outbox.getRange({ start: fromSeq, limit })) out.push({ seq: key, ...value });
    return out;
  }

  /** Deletes acknowledged batches (the console committed them); returns how many were still here. */
  async ack(seqs: number[]): Promise<number> {
    let removed = 0;
    await this.env.transaction(() => {
      for (const s of seqs) if (this.outbox.removeSync(s)) removed++;
    });
    this.counters.batchesAcked += removed;
    return removed;
  }

  backlog(): { batches: number; records: number; oldest: number | null } {
    let batches = 0;
    let records = 0;
    let oldest: number | null = null;
    for (const { value } of this.outbox.getRange({})) {
      batches++;
      records += value.records;
      if (oldest === null || value.from < oldest) oldest = value.from;
    }
    return { batches, records, oldest };
  }

  /** Bytes used by the store's trees. */
  usedBytes(): number {
    let pages = 0;
    for (const db of [this.meta, this.records, this.outbox]) {
      const s = db.getStats() as { treeBranchPageCount: number; treeLeafPageCount: number; overflowPages: number };
      pages += s.treeBranchPageCount + s.treeLeafPageCount + s.overflowPages;
    }
    return pages * 4096;
  }

  /**
   * Applies retention at `now`: summarized raw records older than the age limit go; while over the
   * disk budget, the oldest summarized records go, then the oldest unsent batches — counted, and
   * reported in the probe's status, never silently.
   */
  async enforceRetention(now: number): Promise<{ pruned: number; droppedBatches: number; droppedRecords: number }> {
    const result = { pruned: 0, droppedBatches: 0, droppedRecords: 0 };
    // Checkpoints "written:<time>" → last record id summarized by then: everything up to the
    // newest checkpoint older than the age limit is old enough to go.
    const cutoff = `written:${String(Math.max(0, now - this.opts.maxAgeMs)).padStart(15, '0')}`;
    let oldUpTo = 0;
    const oldCheckpoints: string[] = [];
    for (const { key, value } of this.meta.getRange({ start: 'written:', end: cutoff })) {
      oldUpTo = Math.max(oldUpTo, value as number);
      oldCheckpoints.push(key);
    }
    while (oldUpTo > 0) {
      const ids = [...this.records.getKeys({ end: Math.min(oldUpTo, this.summarizedUpTo) + 1, limit: 10_000 })];
      if (ids.length === 0) break;
      await this.removeRecords(ids);
      result.pruned += ids.length;
    }
    if (oldCheckpoints.length > 1) await this.env.transaction(() => oldCheckpoints.slice(0, -1).forEach((k) => this.meta.remove(k)));
    while (this.usedBytes() > this.opts.maxBytes) {
      const ids = [...this.records.getKeys({ end: this.summarizedUpTo + 1, limit: 10_000 })];
      if (ids.length > 0) {
        await this.removeRecords(ids);
        result.pruned += ids.length;
        continue;
      }
      const victims = this.pending(0, 16);
      if (victims.length === 0) break;
      await this.env.transaction(() => {
        for (const v of victims) this.outbox.remove(v.seq);
      });
      result.droppedBatches += victims.length;
      result.droppedRecords += victims.reduce((s, v) => s + v.records, 0);
    }
    this.counters.prunedRecords += result.pruned;
    if (result.droppedBatches > 0) {
      this.counters.droppedBatches += result.droppedBatches;
      this.counters.droppedRecords += result.droppedRecords;
      await this.meta.put('counters', { droppedBatches: this.counters.droppedBatches, droppedRecords: this.counters.droppedRecords });
    }
    return result;
  }

  private async removeRecords(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.env.transaction(() => {
      for (const id of ids) this.records.remove(id);
    });
  }

  /** Resolves when every write so far is durable. */
  get committed(): Promise<boolean> {
    return this.env.committed;
  }

  async close(): Promise<void> {
    await this.env.committed;
    await this.env.close();
  }
}

function isName(v: FlowRecord | StoredName): v is StoredName {
  return (v as StoredName).learned !== undefined;
}
