import type { Database } from 'lmdb';
import type { SummaryBatch } from '@spanmap/shared';
import type { ConsoleStore } from '../store/console-store.js';
import type { Catalog } from '../catalog/catalog.js';
import type { EdgeRows } from '../store/edge-rows.js';
import type { Probes, ProbeTotals } from '../store/probes.js';
import type { Journal } from '../rollup/journal.js';
import { Deltas, type EdgeDelta } from '../merge/deltas.js';
import { Fold, type MergeOptions } from '../merge/fold.js';
import { ViewIndex, type ClusterMeta, type ViewDb } from '../merge/view-index.js';
import { fromEntry, fromFlowRecord } from '../merge/view-record.js';
import { VIEWS_DB } from '../merge/view-migrate.js';
import { ViewStaging, type StageLogDb } from '../merge/view-staging.js';
import { ViewRuns, type RunBlocksDb, type RunMetaDb } from '../merge/view-runs.js';

/** The log of merge-index records staged in memory (merge/view-staging.ts). */
export const STAGED_DB = 'merge-staged';
/** The merge index's flushed runs: their blocks, and each run's header (merge/view-runs.ts). */
export const RUNS_DB = 'merge-runs';
export const RUN_META_DB = 'merge-run-meta';
/** Staged merge-index records written at once as a run (~150 bytes of memory each). */
export const DEFAULT_STAGED_RECORDS = 500_000;

/** What one ingest transaction did. */
export interface IngestResult {
  /** Batches applied now, and batches seen before (acknowledged again, not counted twice). */
  applied: SummaryBatch[];
  duplicates: SummaryBatch[];
  /** Every edge whose counts changed, with its id and the change (signed). */
  edges: Array<{ id: number; created: boolean; delta: EdgeDelta }>;
  /** The journal rows written (edge, hour, counts), for the in-memory rollup after the commit. */
  journal: Float64Array;
  /**
   * Where the batches came from: "receiver" when this console received them from the probes (its
   * duty to deliver what they raise, e.g. alerts to sinks), "log" when applied from a store shared
   * with other consoles (the console that received them delivers).
   */
  origin: 'receiver' | 'log';
}

/**
 * Work done inside the ingest transaction by other stages (monitor mode records violations and
 * alerts, names are kept): committed with the batch or not at all, so nothing acknowledged can be
 * missing from them. Must be synchronous (LMDB puts within the transaction).
 */
export interface TransactionHook {
  inTransaction(result: IngestResult, now: number): void;
}

/** Test-only fault points ("kill -9 here"), from SPANMAP_FAULT. */
export type FaultPoint = 'ingest:in-transaction' | 'ingest:after-commit' | 'ingest:after-ack';

/**
 * Applies batches in one LMDB transaction: skips those applied before (dedupe keys: probe, store
 * epoch, sequence), merges their records into conversations (merge/), writes edge rows, hour
 * buckets, probe totals, the catalog and the rollup journal, and runs the transaction hooks.
 */
export class BatchWriter {
  readonly fold: Fold;
  private readonly index: ViewIndex;
  private nextCluster = 0;
  readonly hooks: TransactionHook[] = [];
  /** Records refused because they are older than what retention keeps. */
  tooOld = 0;

  constructor(
    private readonly store: ConsoleStore,
    private readonly deps: {
      catalog: Catalog;
      rows: EdgeRows;
      probes: Probes;
      journal: Journal;
      merge: MergeOptions & { maxSpanMs: number; stagedRecords?: number };
      /** Records that ended before this are older than retention keeps: refused, counted. */
      floor?: () => number;
    },
  ) {
    const index = new ViewIndex(
      () => store.db(VIEWS_DB, 'binary', 'binary') as unknown as ViewDb,
      () => store.db<ClusterMeta, number>('clusters'),
      deps.merge.maxSpanMs,
      new ViewStaging(() => store.db<Buffer, number>(STAGED_DB, 'binary') as unknown as StageLogDb),
      new ViewRuns(
        () => store.db<Buffer, number>(RUNS_DB, 'binary') as unknown as RunBlocksDb,
        () => store.db<Buffer, number>(RUN_META_DB, 'binary') as unknown as RunMetaDb,
      ),
    );
    this.index = index;
    this.fold = new Fold(index, deps.merge, () => this.nextCluster++);
  }

  private get dedupe(): Database<number, [string, string, number]> {
    return this.store.db<number, [string, string, number]>('dedupe');
  }

  get filter() {
    return this.index.filter;
  }

  /** The merge index's key filter from the index itself (no persisted filter, e.g. after an upgrade). */
  rebuildFilter(): void {
    this.index.rebuildFilter();
  }

  /** Merge-index records staged in memory, and their flushes. */
  get staging(): ViewStaging {
    return this.index.staging;
  }

  /** Reads where the merge stands, and the staged records (start, before the key filter). */
  open(): void {
    this.nextCluster = (this.store.meta.get('merge:nextCluster') as number | undefined) ?? 1;
    this.index.runs.load();
    this.index.staging.load();
  }

  // One write at a time: the staged records' rollback and flush assume no other transaction
  // stages records in between (the ingester serializes its writes anyway).
  private queue: Promise<unknown> = Promise.resolve();

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  write(batches: SummaryBatch[], now: number, fault?: (p: FaultPoint) => void, origin: IngestResult['origin'] = 'receiver'): Promise<IngestResult> {
    return this.serial(async () => {
      const result = await this.writeNow(batches, now, fault, origin);
      if (this.index.staging.size >= (this.deps.merge.stagedRecords ?? DEFAULT_STAGED_RECORDS)) await this.flushNow();
      return result;
    });
  }

  /** Writes the staged merge-index records as a run now (tests, benchmarks, retention). */
  flushStaged(): Promise<void> {
    return this.serial(() => this.flushNow());
  }

  private async flushNow(): Promise<void> {
    if (this.index.staging.size === 0) return;
    await this.settled(
      () => this.index.flushStaged(),
      (ok) => this.index.flushed(ok),
    );
  }

  /** Runs `fn` in one transaction, then tells `settle` whether it committed (a failure is rethrown). */
  private async settled<T>(fn: () => T, settle: (ok: boolean) => void): Promise<T> {
    let out!: T;
    try {
      await this.store.atomic(() => {
        out = fn();
      });
    } catch (e) {
      settle(false);
      throw e;
    }
    settle(true);
    return out;
  }

  /**
   * Retention: drops the merge index's records of hours before `bucket` from its oldest run that
   * holds any (rewriting the rest of that run). The records dropped, or null when no run holds any.
   */
  pruneRuns(bucket: number): Promise<number | null> {
    return this.serial(async () => {
      const run = this.index.runs.oldestBefore(bucket);
      if (!run) return null;
      return this.settled(
        () => this.index.runs.prune(run.id, bucket),
        (ok) => this.index.runs.written(ok),
      );
    });
  }

  private async writeNow(
    batches: SummaryBatch[],
    now: number,
    fault: ((p: FaultPoint) => void) | undefined,
    origin: IngestResult['origin'],
  ): Promise<IngestResult> {
    const result: IngestResult = { applied: [], duplicates: [], edges: [], journal: new Float64Array(0), origin };
    const { catalog, rows, probes, journal } = this.deps;
    const clusterBefore = this.nextCluster;
    try {
      this.index.staging.begin(); // before the transaction: writes are serialized (serial())
      await this.store.atomic(() => {
        const deltas = new Deltas();
        const totals = new Map<string, ProbeTotals>();
        const seenNow = new Set<string>();
        for (const b of batches) {
          const dk: [string, string, number] = [b.probe, b.epoch, b.seq];
          let p = totals.get(b.probe);
          if (!p) totals.set(b.probe, (p = probes.get(b.probe, now)));
          const dks = dk.join('|');
          if (seenNow.has(dks) || this.dedupe.get(dk) !== undefined) {
            result.duplicates.push(b);
            p.duplicates++;
            continue;
          }
          seenNow.add(dks);
          void this.dedupe.put(dk, now);
          result.applied.push(b);
          probes.countBatch(p, b, now);
          const floor = this.deps.floor?.() ?? -Infinity;
          for (const r of b.records) {
            if (r.last < floor) this.tooOld++;
            else this.fold.apply(fromFlowRecord(b.probe, r), deltas);
          }
          for (const e of b.entries) {
            if (e.last < floor) this.tooOld++;
            else this.fold.apply(fromEntry(b.probe, e), deltas);
          }
        }
        deltas.compact();
        probes.addOverlap(totals, deltas.overlap, now);
        for (const p of totals.values()) probes.put(p);
        for (const d of deltas.edges.values()) {
          const { id, created } = catalog.edge(d);
          rows.apply(id, d, created);
          for (const [hour, h] of d.hours) journal.row(id, hour, h.flows, h.records, h.packets + h.rpackets, h.bytes + h.rbytes, h.first, h.last);
          result.edges.push({ id, created, delta: d });
        }
        // The hooks first: they can add to the catalog (a host's VLANs and probes), persisted next.
        for (const h of this.hooks) h.inTransaction(result, now);
        catalog.persist(this.store.db('catalog', 'binary'));
        if (this.nextCluster !== clusterBefore) void this.store.meta.put('merge:nextCluster', this.nextCluster);
        result.journal = journal.write(new Uint8Array(this.index.filter.drain().buffer));
        this.index.staging.logTransaction();
        fault?.('ingest:in-transaction');
      });
    } catch (e) {
      journal.discard();
      this.index.filter.discard();
      this.index.staging.rollback();
      this.nextCluster = clusterBefore;
      throw e;
    }
    catalog.persisted();
    return result;
  }
}
