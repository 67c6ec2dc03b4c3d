import { decodeBatch, WireFormatError, type SummaryBatch } from '@spanmap/shared';
import type { RateLimitedLog } from '../util/rate-limited-log.js';
import type { BatchWriter, FaultPoint, IngestResult } from './batch-writer.js';

export interface IngestCounters {
  received: number;
  batchesApplied: number;
  batchesDuplicate: number;
  /** Flow records (and version 1 aggregates) applied. */
  entries: number;
  records: number;
  names: number;
  /** Payloads refused, by reason (bad-magic, truncated, unknown-version, probe-mismatch, ...). */
  rejected: Record<string, number>;
  transactions: number;
  /** How long ingest transactions took (ms): the last and the longest (a query waits at most one). */
  transactionMs: { last: number; max: number };
}

interface Pending {
  batch: SummaryBatch;
  done: () => void;
}

export interface IngesterDeps {
  writer: BatchWriter;
  ack: (probe: string, epoch: string, seqs: number[]) => void;
  log: RateLimitedLog;
  now?: () => number;
  maxGroup?: number;
  /** Test-only: kill the process at a fault point (SPANMAP_FAULT). */
  fault?: (p: FaultPoint) => void;
}

/**
 * Validates summary batches and applies them in groups (one transaction per event-loop turn's
 * worth), then acknowledges each batch to its probe — only after the commit, which also holds
 * what monitor mode recorded for it. A batch seen before is acknowledged again but not applied
 * again. Garbage is counted, never fatal. Work between transactions (the rollup checkpoint) runs
 * in the same queue, so it never interleaves with a transaction.
 */
export class Ingester {
  readonly counters: IngestCounters = {
    received: 0,
    batchesApplied: 0,
    batchesDuplicate: 0,
    entries: 0,
    records: 0,
    names: 0,
    rejected: {},
    transactions: 0,
    transactionMs: { last: 0, max: 0 },
  };
  private queue: Pending[] = [];
  private running = false;
  private idle: Array<() => void> = [];
  /** After each commit (the in-memory rollup and model catch up). Synchronous. */
  afterCommit: Array<(result: IngestResult) => void> = [];
  /** Between transactions, when due (checkpoints). */
  between: Array<() => Promise<void>> = [];

  constructor(private readonly deps: IngesterDeps) {}

  get queued(): number {
    return this.queue.length;
  }

  /** Takes one payload from spanmap/v1/<topicProbe>/flows; resolves once it is committed or refused. */
  submit(topicProbe: string, payload: Uint8Array): Promise<void> {
    this.counters.received++;
    let batch: SummaryBatch;
    try {
      batch = decodeBatch(payload);
    } catch (e) {
      const reason = e instanceof WireFormatError ? e.reason : 'invalid';
      this.reject(reason, topicProbe, (e as Error).message);
      return Promise.resolve();
    }
    if (batch.probe !== topicProbe) {
      this.reject('probe-mismatch', topicProbe, `batch says probe "${batch.probe}" but arrived on the topic of "${topicProbe}"`);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.queue.push({ batch, done: resolve });
      if (!this.running) setImmediate(() => void this.run());
    });
  }

  /** Runs `task` now if no transaction is running or queued (timers: the idle checkpoint). */
  async idleTask(task: () => Promise<void>): Promise<void> {
    if (this.running || this.queue.length > 0) return;
    this.running = true;
    try {
      await task();
    } catch (e) {
      this.deps.log.log('idle-task', `ingest: ${(e as Error).message}`);
    } finally {
      this.running = false;
      if (this.queue.length > 0) setImmediate(() => void this.run());
      for (const r of this.idle.splice(0)) r();
    }
  }

  /** Resolves when the queue is empty and no transaction is running. */
  drained(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  private reject(reason: string, probe: string, detail: string): void {
    this.counters.rejected[reason] = (this.counters.rejected[reason] ?? 0) + 1;
    this.deps.log.log(`reject:${reason}`, `ingest: refused a batch from ${JSON.stringify(probe)} (${reason}): ${detail}`);
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, this.deps.maxGroup ?? 256);
        const t0 = performance.now();
        try {
          const result = await this.deps.writer.write(
            group.map((p) => p.batch),
            (this.deps.now ?? Date.now)(),
            this.deps.fault,
          );
          this.counters.transactions++;
          const ms = performance.now() - t0;
          this.counters.transactionMs.last = ms;
          if (ms > this.counters.transactionMs.max) this.counters.transactionMs.max = ms;
          this.counters.batchesApplied += result.applied.length;
          this.counters.batchesDuplicate += result.duplicates.length;
          for (const b of result.applied) {
            this.counters.entries += b.records.length + b.entries.length;
            this.counters.records += b.records.length;
            for (const e of b.entries) this.counters.records += e.records;
            this.counters.names += b.names.length;
          }
          this.deps.fault?.('ingest:after-commit');
          this.acknowledge(group.map((p) => p.batch));
          this.deps.fault?.('ingest:after-ack');
          try {
            for (const f of this.afterCommit) f(result);
          } catch (e) {
            this.deps.log.log('model-error', `ingest: committed, but the in-memory model failed to follow: ${(e as Error).message}`);
          }
        } catch (e) {
          // The store refused the transaction (disk full, ...): nothing is acknowledged, so the probes resend.
          this.counters.rejected['store-error'] = (this.counters.rejected['store-error'] ?? 0) + group.length;
          this.deps.log.log('store-error', `ingest: could not commit ${group.length} batches: ${(e as Error).message}`);
        } finally {
          group.forEach((p) => p.done());
        }
        for (const b of this.between) await b();
      }
    } finally {
      this.running = false;
      for (const r of this.idle.splice(0)) r();
    }
  }

  private acknowledge(batches: SummaryBatch[]): void {
    const groups = new Map<string, { probe: string; epoch: string; seqs: number[] }>();
    for (const b of batches) {
      const k = `${b.probe}|${b.epoch}`;
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { probe: b.probe, epoch: b.epoch, seqs: [] }));
      g.seqs.push(b.seq);
    }
    for (const g of groups.values()) this.deps.ack(g.probe, g.epoch, g.seqs);
  }
}
