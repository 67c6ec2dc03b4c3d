import { encodeBatch, WIRE_VERSION, type FlowRecord, type SummaryEntry } from '@spanmap/shared';
import { Summarizer } from './summarizer.js';
import type { ProbeStore } from './probe-store.js';

export interface OutboxOptions {
  probeId: string;
  /** Summaries are cut every this often (default 10 s). */
  intervalMs: number;
  /** Entries per batch at most; larger summaries become several batches. */
  maxEntriesPerBatch: number;
}

export const DEFAULT_OUTBOX_OPTIONS = { intervalMs: 10_000, maxEntriesPerBatch: 2000 };

/**
 * Write-ahead stage between the flow table and the publisher: every record goes to the store
 * first, then into the summarizer; each interval the summaries become encoded batches in the
 * store's outbox. After a crash, records that never made it into a batch are summarized again.
 */
export class Outbox {
  private readonly summarizer = new Summarizer();
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
    const id = this.store.appendRecord(r);
    this.summarizer.add(r, id);
    // A fast replay can produce many intervals' worth of summaries at once: cut early.
    if (this.summarizer.size >= this.opts.maxEntriesPerBatch * 4) void this.cut();
  };

  async start(): Promise<void> {
    let recovered = 0;
    for (const { id, record } of this.store.unsummarized()) {
      this.summarizer.add(record, id);
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
    if (this.summarizer.size === 0) return;
    const { entries, lastRecordId } = this.summarizer.drain();
    // Cuts are serialized, so the store hands out exactly the numbers the payloads were encoded with.
    const base = this.store.peekNextSeq();
    const batches: Array<{ payload: Uint8Array; records: number; flows: number; from: number }> = [];
    for (let i = 0; i < entries.length; i += this.opts.maxEntriesPerBatch) {
      batches.push(this.encode(entries.slice(i, i + this.opts.maxEntriesPerBatch), base + batches.length));
    }
    const seqs = await this.store.addBatches(batches, lastRecordId, this.now());
    if (seqs[0] !== base) throw new Error(`outbox sequence mismatch: encoded from ${base}, stored from ${seqs[0]}`);
    this.onBatches();
  }

  private encode(entries: SummaryEntry[], seq: number) {
    let from = Infinity;
    let to = 0;
    let records = 0;
    let flows = 0;
    for (const e of entries) {
      if (e.first < from) from = e.first;
      if (e.last > to) to = e.last;
      records += e.records;
      flows += e.flows;
    }
    const payload = encodeBatch({ v: WIRE_VERSION, probe: this.opts.probeId, epoch: this.store.epoch, seq, from, to, entries });
    return { payload, records, flows, from };
  }

  /** Final cut; the store stays open (the caller closes it). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.cut();
  }
}
