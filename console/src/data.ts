import type { SummaryBatch } from '@spanmap/shared';
import type { ConsoleStore } from './store/console-store.js';
import { Catalog } from './catalog/catalog.js';
import { migrateViews } from './merge/view-migrate.js';
import { Rollup, type ChunkKey } from './rollup/rollup.js';
import { Journal, apply as applyJournal } from './rollup/journal.js';
import { EdgeRows } from './store/edge-rows.js';
import { Probes } from './store/probes.js';
import { BatchWriter, type FaultPoint, type IngestResult } from './ingest/batch-writer.js';
import { EdgeModel } from './matrix/model.js';
import { QueryEngine } from './matrix/query.js';
import { Reviews } from './review/reviews.js';
import { Analyzer } from './analysis/analyzer.js';
import { LabelTable } from './analysis/labels.js';
import { SegmentService } from './segments/segment-service.js';
import { Policies } from './policy/policies.js';
import { Retention, type RetentionOptions } from './retention.js';
import { Names } from './names/names.js';
import { HostDirectory } from './names/hosts.js';
import { Alerts, type AlertsOptions } from './alerts/alerts.js';
import { Triage } from './alerts/triage.js';
import { DEFAULT_STORM } from './alerts/model.js';
import { RelatedConnections, RelatedLabels } from './related/related.js';
import { getBlob, putBlob } from './store/blobs.js';

export interface DataOptions {
  /** Merging one conversation seen by several probes or on several VLANs (README "One conversation, counted once"). */
  merge: { skewMs: number; maxSpanMs: number; /** Merge-index records staged in memory before a flush to the index. */ stagedRecords?: number };
  /** Hour chunks held in memory, rows (partial days at a range's ends). */
  hourRowBudget: number;
  /** A checkpoint is written this often, or after this many journal entries, whichever first. */
  checkpoint: { everyMs: number; everyEntries: number };
  retention: RetentionOptions;
  /** Alerts: the sinks each new alert is queued for, and storm grouping (README "Alerts"). */
  alerts?: AlertsOptions;
}

export const DEFAULT_DATA_OPTIONS: DataOptions = {
  merge: { skewMs: 1000, maxSpanMs: 6 * 3_600_000 },
  hourRowBudget: 4_000_000,
  checkpoint: { everyMs: 30_000, everyEntries: 2000 },
  retention: { days: null, maxBytes: null },
};

/**
 * Everything the console knows, over its store: the catalog of hosts and edges, the pre-
 * aggregated history (rollup) with its journal, edge rows and hours, probes, the merge of
 * several probes' views (in the batch writer), the segment model, reviews, the long-tail analysis,
 * the query engine and the policies. Inert until start(), which reads what was persisted — the
 * catalog blocks, the rollup chunks, the journal since the last checkpoint and the analysis
 * labels — without scanning history. stop() writes a checkpoint.
 */
export class ConsoleData {
  readonly catalog = new Catalog();
  readonly rollup: Rollup;
  readonly journal: Journal;
  readonly rows: EdgeRows;
  readonly probes: Probes;
  readonly writer: BatchWriter;
  readonly model: EdgeModel;
  readonly reviews: Reviews;
  readonly query: QueryEngine;
  readonly analyzer: Analyzer;
  readonly segments: SegmentService;
  readonly policies: Policies;
  readonly alerts: Alerts;
  readonly retention: Retention;
  readonly names: Names;
  readonly hosts: HostDirectory;
  readonly triage: Triage;
  /** After each ingest commit (the alert dispatcher wakes up). */
  readonly onCommitted: Array<(result: IngestResult) => void> = [];
  /** Outbox entries dropped at start because their sink is no longer configured, per sink. */
  alertsDropped = new Map<string, number>();
  readonly related: RelatedConnections;
  private lastCheckpoint = 0;
  readonly checkpoints = { written: 0, lastMs: 0 };

  constructor(
    private readonly store: ConsoleStore,
    private readonly opts: DataOptions = DEFAULT_DATA_OPTIONS,
    private readonly now: () => number = Date.now,
  ) {
    this.rollup = new Rollup(() => store.db<Uint8Array, ChunkKey>('chunks', 'binary'), { hourRowBudget: opts.hourRowBudget });
    this.journal = new Journal(
      () => store.db<Uint8Array, number>('journal', 'binary'),
      () => store.meta,
      () => store.db<Uint8Array, number>('journal-keys', 'binary'),
    );
    this.rows = new EdgeRows(store);
    this.probes = new Probes(store);
    this.writer = new BatchWriter(store, {
      catalog: this.catalog,
      rows: this.rows,
      probes: this.probes,
      journal: this.journal,
      merge: opts.merge,
      floor: () => this.retention.floor,
    });
    this.model = new EdgeModel(this.catalog, this.rollup);
    this.reviews = new Reviews(store);
    this.query = new QueryEngine(this.model, this.reviews);
    this.names = new Names(store, this.reviews);
    this.query.names = this.names;
    this.hosts = new HostDirectory(this.names, this.model);
    this.analyzer = new Analyzer(this.model, this.rows);
    this.related = new RelatedConnections(store, this.catalog);
    this.query.labels = new RelatedLabels(this.analyzer, this.related);
    this.query.probesOf = (e) => this.rows.get(e)?.probes ?? [];
    this.segments = new SegmentService(store, this.model, this.reviews);
    const policyDeps = { model: this.model, query: this.query, analyzer: this.analyzer, reviews: this.reviews, related: this.related } as ConstructorParameters<
      typeof Policies
    >[1];
    this.policies = new Policies(store, policyDeps);
    this.alerts = new Alerts(store, this.policies, this.model, opts.alerts ?? { sinks: [], storm: DEFAULT_STORM });
    this.alerts.names = this.names; // alert rows carry the names their addresses had
    this.triage = new Triage({ alerts: this.alerts, policies: this.policies, reviews: this.reviews });
    policyDeps.alerts = this.alerts;
    this.writer.hooks.push(this.model, this.names, this.related, this.policies, this.alerts);
    this.retention = new Retention(
      store,
      { rollup: this.rollup, catalog: this.catalog, views: { flush: () => this.writer.flushStaged(), pruneRuns: (b) => this.writer.pruneRuns(b) } },
      opts.retention,
      now,
    );
  }

  /** Reads what was persisted (the store must be open); `log` reports one-time upgrades of the store. */
  async start(log: (line: string) => void = () => {}): Promise<void> {
    const moved = await migrateViews(this.store, (n) => log(`store upgrade: ${n.toLocaleString('en')} merge-index records moved to hour-first keys...`));
    if (moved > 0) log(`store upgrade: the merge index (${moved.toLocaleString('en')} records) now has hour-first keys`);
    this.catalog.load(this.store.db('catalog', 'binary'));
    this.retention.load(); // before the journal replay: rows older than what is kept are ignored
    this.rollup.load(this.catalog.edgeCount);
    this.journal.open();
    this.writer.open(); // before the key filter: a rebuilt filter includes the staged records
    const filter = this.writer.filter;
    const saved = getBlob(this.store.db<Uint8Array, string>('analysis', 'binary'), 'merge:filter');
    if (!saved || !filter.load(saved)) this.writer.rebuildFilter();
    const replayed = this.journal.replay(this.rollup, (keys) =>
      filter.addHashes(new Uint32Array(keys.buffer.slice(keys.byteOffset, keys.byteOffset + keys.byteLength))),
    );
    this.reviews.load();
    this.names.load();
    this.related.load();
    this.model.load(this.segments.load());
    this.alertsDropped = await this.alerts.load();
    const labels = getBlob(this.store.db<Uint8Array, string>('analysis', 'binary'), 'labels');
    const pending = getBlob(this.store.db<Uint8Array, string>('analysis', 'binary'), 'pending');
    let table: LabelTable | null;
    try {
      table = labels ? LabelTable.deserialize(labels) : null;
    } catch {
      table = null; // an earlier layout: analysed again below
    }
    if (table) {
      this.analyzer.table = table;
      if (pending) this.analyzer.touched(new Uint32Array(pending.buffer.slice(pending.byteOffset, pending.byteOffset + pending.byteLength)));
      // Edges the journal changed after the checkpoint that saved the labels.
      this.analyzer.touched(replayed);
    } else if (this.catalog.maxId > 0) this.analyzer.markAll();
    this.analyzer.start();
    this.lastCheckpoint = this.now();
  }

  async stop(): Promise<void> {
    this.analyzer.stop();
    await this.checkpoint();
  }

  /** After each ingest commit: the rollup and the analysis catch up. */
  committed(result: IngestResult): void {
    this.names.committed();
    applyJournal(this.rollup, result.journal);
    if (result.edges.length > 0) this.analyzer.touched(result.edges.map((e) => e.id));
    this.alerts.committed();
    for (const f of this.onCommitted) f(result);
  }

  /** Ingests batches directly (tests, the demo's replay, benchmarks): the same transaction as MQTT ingest. */
  async ingest(batches: SummaryBatch[], now = this.now(), fault?: (p: FaultPoint) => void): Promise<IngestResult> {
    const r = await this.writer.write(batches, now, fault);
    this.committed(r);
    return r;
  }

  /**
   * Applies batches another console received, read from a store shared with it (issue 19): the
   * same transaction as ingest (batches applied before are skipped), marked origin "log" so only
   * the receiving console delivers what they raise. `now` is when they were received.
   */
  async applyFromLog(batches: SummaryBatch[], now: number): Promise<IngestResult> {
    // Those applied here already (this console received them) are left out before the
    // transaction, which would count them as a probe's duplicates (a resend), which they are not.
    const dedupe = this.store.db<number, [string, string, number]>('dedupe');
    const fresh = batches.filter((b) => dedupe.get([b.probe, b.epoch, b.seq]) === undefined);
    if (fresh.length === 0) return { applied: [], duplicates: [], edges: [], journal: new Float64Array(0), origin: 'log' };
    const r = await this.writer.write(fresh, now, undefined, 'log');
    this.committed(r);
    return r;
  }

  /** Between ingest transactions: retention's next slice, and a checkpoint when one is due. */
  async between(): Promise<void> {
    await this.retention.run();
    await this.checkpointIfDue();
  }

  /** Writes a checkpoint when one is due (between ingest transactions), or now with `force`. */
  async checkpointIfDue(force = false): Promise<void> {
    if (!force && this.journal.pending < this.opts.checkpoint.everyEntries && this.now() - this.lastCheckpoint < this.opts.checkpoint.everyMs) return;
    await this.checkpoint();
  }

  private async checkpoint(): Promise<void> {
    const t0 = performance.now();
    this.lastCheckpoint = this.now();
    if (this.rollup.dirty === 0 && this.journal.pending === 0 && this.analyzer.pending === 0 && this.checkpoints.written > 0) return;
    const analysis = this.store.db<Uint8Array, string>('analysis', 'binary');
    let written: { days: number[]; hours: number[] } = { days: [], hours: [] };
    await this.store.atomic(() => {
      written = this.rollup.writeDirty();
      this.journal.checkpoint();
      putBlob(analysis, 'labels', this.analyzer.table.serialize(this.catalog.maxId));
      putBlob(analysis, 'pending', new Uint8Array(Uint32Array.from(this.analyzer.pendingIds()).buffer));
      putBlob(analysis, 'merge:filter', this.writer.filter.serialize());
    });
    this.rollup.written(written);
    this.checkpoints.written++;
    this.checkpoints.lastMs = performance.now() - t0;
  }
}
