import { encodeBatch, WIRE_VERSION, type FlowRecord, type NameObservation } from '@spanmap/shared';
import { Batcher } from './batcher.js';
import type { ProbeStore } from './probe-store.js';

export interface OutboxOptions {
  probeId: string;
  /** Summaries are cut every this often (default 10 s). */
  intervalMs: number;
  /** Flow records per batch at most; more become several batches. */
  maxEntriesPerBatch: number;
}

export const DEFAULT_OUTBOX_OPTIONS = { intervalMs: 10_000, maxEntriesPerBatch: 5000 };

/**
 * Write-ahead stage between the flow table and the publisher: every record (and learned name) goes
 * to the store first, then into the batcher; each interval they become encoded batches in the
 * store's outbox. After a crash, what never made it into a batch is batched again.
 */
export class Outbox {
  private readonly batcher = new Batcher();
  private timer: NodeJS.Timeout | null = null;
  private cutting: Promise<void> = Promise.resolve();
  /** Called after new batches are in the outbox (the publisher wakes up). */
  onBatches: () => void = () => {};

  constructor(
    private readonly store: ProbeStore,
    private readonly opts: OutboxOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** The sink for flow records. */
  readonly send = (r: FlowRecord): void => {
    this.batcher.addRecord(r, this.store.appendRecord(r));
    // A fast replay can produce many intervals' worth of records at once: cut early.
    if (this.batcher.size >= this.opts.maxEntriesPerBatch * 4) void this.cut();
  };

  /** The sink for learned names. */
  readonly sendName = (n: NameObservation): void => {
    this.batcher.addName(n, this.store.appendName(n));
    if (this.batcher.size >= this.opts.maxEntriesPerBatch * 4) void this.cut();
  };

  async start(): Promise<void> {
    let recovered = 0;
    for (const item of this.store.unsummarized()) {
      if (item.record) this.batcher.addRecord(item.record, item.id);
      else this.batcher.addName(item.name, item.id);
      recovered++;
    }
    if (recovered > 0) await this.cut();
    this.timer = setInterval(() => void this.cut(), this.opts.intervalMs);
    this.timer.unref();
  }

  /** Cuts the current summaries into batches now; concurrent calls queue up. */
  cut(): Promise<void> {
    this.cutting = this.cutting.then(() => this.cutNow());
    return this.cutting;
  }

  private async cutNow(): Promise<void> {
    if (this.batcher.size === 0) return;
    const { records, names, lastId } = this.batcher.drain();
    // Cuts are serialized, so the store hands out exactly the numbers the payloads were encoded with.
    const base = this.store.peekNextSeq();
    const batches: Array<{ payload: Uint8Array; records: number; flows: number; from: number }> = [];
    const per = this.opts.maxEntriesPerBatch;
    for (let i = 0; i < Math.max(records.length, 1); i += per) {
      // The names ride with the first batch of the cut (they are few).
      batches.push(this.encode(records.slice(i, i + per), i === 0 ? names : [], base + batches.length));
    }
    const seqs = await this.store.addBatches(batches, lastId, this.now());
    if (seqs[0] !== base) throw new Error(`outbox sequence mismatch: encoded from ${base}, stored from ${seqs[0]}`);
    this.onBatches();
  }

  private encode(records: FlowRecord[], names: NameObservation[], seq: number) {
    let from = Infinity;
    let to = 0;
    let flows = 0;
    for (const r of records) {
      if (r.first < from) from = r.first;
      if (r.last > to) to = r.last;
      if (!r.cont) flows++;
    }
    for (const n of names) {
      if (n.time < from) from = n.time;
      if (n.time > to) to = n.time;
    }
    if (from === Infinity) from = to = 0;
    const payload = encodeBatch({ v: WIRE_VERSION, probe: this.opts.probeId, epoch: this.store.epoch, seq, from, to, records, names, entries: [] });
    return { payload, records: records.length, flows, from };
  }

  /** Final cut; the store stays open (the caller closes it). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.cut();
  }
}
