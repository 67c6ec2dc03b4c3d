import { decodeBatch, WireFormatError, type SummaryBatch } from '@spanmap/shared';
import type { ConsoleStore, IngestResult } from '../store/console-store.js';
import type { RateLimitedLog } from '../util/rate-limited-log.js';

export interface IngestCounters {
  received: number;
  batchesApplied: number;
  batchesDuplicate: number;
  entries: number;
  records: number;
  /** Payloads refused, by reason (bad-magic, truncated, unknown-version, probe-mismatch, ...). */
  rejected: Record<string, number>;
  transactions: number;
}

interface Pending {
  batch: SummaryBatch;
  done: () => void;
}

/**
 * Validates summary batches and applies them to the store in groups (one transaction per event-
 * loop turn's worth), then acknowledges each batch to its probe — only after the commit. A batch
 * seen before is acknowledged again but not applied again. Garbage is counted, never fatal.
 */
export class Ingester {
  readonly counters: IngestCounters = { received: 0, batchesApplied: 0, batchesDuplicate: 0, entries: 0, records: 0, rejected: {}, transactions: 0 };
  private queue: Pending[] = [];
  private running = false;
  /** Extra work after each commit (the edge model updates, monitor mode evaluates new flows). */
  afterCommit: Array<(result: IngestResult) => void | Promise<void>> = [];

  constructor(
    private readonly store: ConsoleStore,
    private readonly deps: { ack: (probe: string, epoch: string, seqs: number[]) => void; log: RateLimitedLog; now?: () => number; maxGroup?: number },
  ) {}

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
        try {
          const result = await this.store.ingest(
            group.map((p) => p.batch),
            (this.deps.now ?? Date.now)(),
          );
          this.counters.transactions++;
          this.counters.batchesApplied += result.applied.length;
          this.counters.batchesDuplicate += result.duplicates.length;
          for (const b of result.applied) {
            this.counters.entries += b.entries.length;
            for (const e of b.entries) this.counters.records += e.records;
          }
          this.acknowledge(group.map((p) => p.batch));
          for (const hook of this.afterCommit) await hook(result);
        } catch (e) {
          // The store refused the transaction (disk full, ...): nothing is acknowledged, so the probes resend.
          this.counters.rejected['store-error'] = (this.counters.rejected['store-error'] ?? 0) + group.length;
          this.deps.log.log('store-error', `ingest: could not commit ${group.length} batches: ${(e as Error).message}`);
        } finally {
          group.forEach((p) => p.done());
        }
      }
    } finally {
      this.running = false;
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
