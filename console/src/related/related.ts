import type { Database } from 'lmdb';
import type { ConsoleStore } from '../store/console-store.js';
import type { Catalog, EdgeKey } from '../catalog/catalog.js';
import type { IngestResult, TransactionHook } from '../ingest/batch-writer.js';
import type { EdgeLabels, LabelSource } from '../matrix/query.js';
import { RELATED_KINDS, kindAt, kindIndex, type RelatedKind } from './kinds.js';
import { DEFAULT_DETECTOR_OPTIONS, RelatedDetector, type Control, type DetectorOptions, type RelatedMatch } from './detector.js';

/** A data edge's label: its kind, and the control edge (the same or the reverse host pair). */
export interface RelatedLabel {
  kind: RelatedKind;
  control: EdgeKey;
}

/** Persisted per data edge id: [service label, control protocol]. */
type Stored = [string, number];

/**
 * Related connections (control/data pairs) recognised at ingest, from the flow records of each
 * ingest transaction: a transaction hook, so a label is committed with the batch that revealed it.
 * Each data edge keeps the first label it got, for good (an edge is one host pair and port: if it
 * once followed a control connection, it is that kind of port). The control connections of the
 * last hours are persisted, so data that follows a control after a restart is still recognised;
 * data waiting for a later control record is not (it stays an ordinary edge). Version-1 aggregate
 * entries carry no per-connection timing and are not examined.
 */
export class RelatedConnections implements TransactionHook {
  private kinds = new Uint8Array(1024);
  private readonly controlProto = new Map<number, number>();
  readonly detector: RelatedDetector;
  readonly counters = { labelled: 0, edgeNotFound: 0, aggregatesSkipped: 0 };

  constructor(
    private readonly store: ConsoleStore,
    private readonly catalog: Catalog,
    opts: DetectorOptions = DEFAULT_DETECTOR_OPTIONS,
  ) {
    this.detector = new RelatedDetector(opts);
  }

  private get labelsDb(): Database<Stored, number> {
    return this.store.db<Stored, number>('related');
  }

  private get controlsDb(): Database<Control[], string> {
    return this.store.db<Control[], string>('related-controls');
  }

  /** Reads the labels and the recent control connections (the store must be open). */
  load(): void {
    for (const { key, value } of this.labelsDb.getRange({})) this.set(key, kindIndex(value[0]), value[1]);
    const pairs = [...this.controlsDb.getRange({})].sort((a, b) => newest(a.value) - newest(b.value));
    for (const { key, value } of pairs) this.detector.restore(key, value);
  }

  private set(edge: number, kind: number, ctlProto: number): void {
    if (kind === 0) return;
    if (edge >= this.kinds.length) {
      const k = new Uint8Array(Math.max(edge + 1, this.kinds.length * 2));
      k.set(this.kinds);
      this.kinds = k;
    }
    this.kinds[edge] = kind;
    if (ctlProto !== RELATED_KINDS[kind - 1]!.control.protos[0]) this.controlProto.set(edge, ctlProto);
  }

  /** The related label of an edge, or null. */
  label(edge: number): RelatedLabel | null {
    const kind = kindAt(edge < this.kinds.length ? this.kinds[edge]! : 0);
    if (!kind) return null;
    const k = this.catalog.key(edge);
    const proto = this.controlProto.get(edge) ?? kind.control.protos[0]!;
    const [a, b] = kind.data.reverse ? [k.dst, k.src] : [k.src, k.dst];
    return { kind, control: { src: a, dst: b, proto, port: kind.control.port } };
  }

  /** The service label of a related data edge ("msrpc-dynamic", "ftp-data", ...), or null. */
  service(edge: number): string | null {
    return kindAt(edge < this.kinds.length ? this.kinds[edge]! : 0)?.service ?? null;
  }

  inTransaction(result: IngestResult): void {
    const found: RelatedMatch[] = [];
    for (const b of result.applied) {
      for (const r of b.records) this.detector.observe(r, found);
      if (b.entries.length > 0) this.counters.aggregatesSkipped += b.entries.length;
    }
    this.detector.prune();
    for (const m of found) {
      const id = this.catalog.find(m.data);
      if (id < 0) {
        this.counters.edgeNotFound++; // the merge oriented the conversation the other way
        continue;
      }
      if (id < this.kinds.length && this.kinds[id] !== 0) continue;
      this.set(id, m.kind, m.control.proto);
      this.counters.labelled++;
      void this.labelsDb.put(id, [RELATED_KINDS[m.kind - 1]!.service, m.control.proto]);
    }
    for (const [key, controls] of this.detector.takeDirty()) {
      if (controls) void this.controlsDb.put(key, controls);
      else void this.controlsDb.remove(key);
    }
  }
}

function newest(cs: Control[]): number {
  return cs.reduce((m, c) => Math.max(m, c.last), -Infinity);
}

/**
 * The query engine's labels with related connections on top: a recognised data edge is named by
 * its kind ("msrpc-dynamic", "ftp-data", ...) instead of by its port, which has no service of its
 * own. Everything else (period, infrastructure) comes from the long-tail analysis.
 */
export class RelatedLabels implements LabelSource {
  constructor(
    private readonly inner: LabelSource,
    private readonly related: RelatedConnections,
  ) {}

  labels(edge: number): EdgeLabels | null {
    const l = this.inner.labels(edge);
    const service = this.related.service(edge);
    if (service === null) return l;
    return { ...(l ?? { period: null, nextExpected: null, confidence: null }), service };
  }

  activity(edge: number): { activeHours: number; activeDays: number } | null {
    return this.inner.activity?.(edge) ?? null;
  }
}
