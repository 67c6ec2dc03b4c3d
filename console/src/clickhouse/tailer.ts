import { decodeBatch, type SummaryBatch } from '@spanmap/shared';
import type { StateEvent } from '../store/shared-state.js';
import { batchKey, type BatchKey, type BatchLog, type StateLog } from './logs.js';

export interface TailerDeps {
  batches: Pick<BatchLog, 'keysSince' | 'fetch'>;
  state: Pick<StateLog, 'since'>;
  /** Applies batches received at `now` by another console (the ingest transaction; skips those applied before): how many were new. */
  applyBatches(batches: SummaryBatch[], now: number): Promise<number>;
  /** Applies other consoles' state changes (last writer wins per key). */
  applyState(events: StateEvent[]): Promise<number>;
  /** Where the tail stands (the newest receive time applied), kept in the local cache. */
  cursor: { get(): number; set(ms: number): Promise<void> };
  /** Publishes this console's own state changes not yet in the shared store. */
  flush(): Promise<void>;
  log(kind: string, line: string): void;
  /**
   * How far behind its cursor each poll looks again: covers inserts still in flight when a newer
   * one was seen, and the consoles' clock differences (receive times are each console's clock).
   */
  lagMs: number;
  everyMs: number;
  /** Batches per transaction while catching up. */
  maxGroup?: number;
}

export interface TailerCounters {
  polls: number;
  errors: number;
  batchesApplied: number;
  /** Batches listed again that this console had already (its own, or re-read within the lag). */
  batchesKnown: number;
  stateApplied: number;
  rejected: number;
  /** The first poll after start: how many batches it applied and how long it took (ms). */
  catchUp: { batches: number; ms: number };
  lastPollMs: number;
}

/**
 * Follows the shared logs: every ~second, lists the batch keys received since its cursor less a
 * safety lag, fetches the payloads of those this console does not know, and applies them through
 * the ingest transaction in receive order, grouped by receive time (so `now` is the receiving
 * console's, and every console computes the same thing); state changes are applied in between by
 * their time. Idempotent end to end: the ingest transaction skips batches it has applied, and
 * state changes are last-writer-wins, so re-reading the lag window or restarting from an old cursor
 * is harmless. Inert until start(), which waits for the first poll (the catch-up).
 */
export class Tailer {
  readonly counters: TailerCounters = {
    polls: 0,
    errors: 0,
    batchesApplied: 0,
    batchesKnown: 0,
    stateApplied: 0,
    rejected: 0,
    catchUp: { batches: 0, ms: 0 },
    lastPollMs: 0,
  };
  /** Batch and state keys seen within the lag window, with their receive times. */
  private readonly seen = new Map<string, number>();
  private readonly seenState = new Map<string, number>();
  /** Keys logged by this console and being applied, with the (performance) time they were logged. */
  private readonly inFlight = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private stopped = true;

  constructor(private readonly d: TailerDeps) {}

  /** Batches this console received and applied itself: no need to fetch them back. */
  noteReceived(batches: Array<{ probe: string; epoch: string; seq: number }>, receivedMs: number): void {
    for (const b of batches) {
      const k = batchKey(b);
      this.seen.set(k, receivedMs);
      this.inFlight.delete(k);
    }
  }

  /**
   * Batches this console logged and is applying now: not fetched back while that lasts (a
   * wasted decode of each). If the local commit fails, they are fetched once this has expired
   * (well within the lag, so the cursor has not passed them).
   */
  noteLogged(batches: Array<{ probe: string; epoch: string; seq: number }>, at: number): void {
    for (const b of batches) this.inFlight.set(batchKey(b), at);
  }

  async start(): Promise<void> {
    this.stopped = false;
    const t0 = performance.now();
    const before = this.counters.batchesApplied;
    await this.poll(true);
    this.counters.catchUp = { batches: this.counters.batchesApplied - before, ms: Math.round(performance.now() - t0) };
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.polling;
  }

  /** Polls now, after any poll under way (tests; the timer otherwise). */
  async pollNow(): Promise<void> {
    while (this.polling) await this.polling;
    await this.poll(false);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.poll(false).finally(() => this.schedule());
    }, this.d.everyMs);
    this.timer.unref();
  }

  private poll(fatal: boolean): Promise<void> {
    if (this.polling) return this.polling;
    this.polling = (async () => {
      const t0 = performance.now();
      try {
        await this.d.flush();
        await this.once();
        this.counters.polls++;
      } catch (e) {
        this.counters.errors++;
        if (fatal) throw e;
        this.d.log('tail', `shared store: ${(e as Error).message}`);
      } finally {
        this.counters.lastPollMs = performance.now() - t0;
        this.polling = null;
      }
    })();
    return this.polling;
  }

  private async once(): Promise<void> {
    const cursor = this.d.cursor.get();
    const from = Math.max(0, cursor - this.d.lagMs);
    for (const m of [this.seen, this.seenState]) for (const [k, r] of m) if (r < from) m.delete(k);
    const events = (await this.d.state.since(from)).filter((e) => !this.seenState.has(stateKey(e))).sort((a, b) => a.ts - b.ts);
    const keys = await this.d.batches.keysSince(from);
    let newest = cursor;
    for (const k of keys) newest = Math.max(newest, k.receivedMs);
    for (const e of events) newest = Math.max(newest, e.receivedMs);
    const want: BatchKey[] = [];
    const fresh = performance.now() - Math.min(10_000, this.d.lagMs / 3);
    for (const [k, at] of this.inFlight) if (at < fresh) this.inFlight.delete(k);
    for (const k of keys) {
      const key = batchKey(k);
      if (this.seen.has(key) || this.inFlight.has(key)) continue;
      want.push(k);
    }
    this.counters.batchesKnown += keys.length - want.length;
    // Receive order; ties in key order, so every console following the log applies it alike.
    want.sort((a, b) => a.receivedMs - b.receivedMs || cmp(a.probe, b.probe) || cmp(a.epoch, b.epoch) || a.seq - b.seq);
    let missing = 0;

    let e = 0;
    const stateUpTo = async (t: number) => {
      let j = e;
      while (j < events.length && events[j]!.ts <= t) j++;
      const upTo = events.slice(e, j);
      e = j;
      if (upTo.length === 0) return;
      this.counters.stateApplied += await this.d.applyState(upTo);
      for (const x of upTo) this.seenState.set(stateKey(x), x.receivedMs);
    };
    let group: SummaryBatch[] = [];
    let groupAt = -1;
    const apply = async () => {
      if (group.length === 0) return;
      await stateUpTo(groupAt);
      const g = group;
      group = [];
      const n = await this.d.applyBatches(g, groupAt);
      this.counters.batchesApplied += n;
      this.counters.batchesKnown += g.length - n;
      for (const b of g) this.seen.set(batchKey(b), groupAt);
    };
    for (let i = 0; i < want.length; i += PAGE) {
      const page = want.slice(i, i + PAGE);
      const got = new Map((await this.d.batches.fetch(page)).map((r) => [batchKey(r), r]));
      for (const k of page) {
        const r = got.get(batchKey(k));
        if (!r) {
          missing++; // listed a moment ago, gone now (cannot happen short of a part dropped by hand)
          continue;
        }
        let b: SummaryBatch;
        try {
          b = decodeBatch(r.payload);
        } catch (err) {
          this.counters.rejected++;
          this.seen.set(batchKey(r), k.receivedMs);
          this.d.log('tail-reject', `shared store: a logged batch of ${JSON.stringify(r.probe)} does not decode: ${(err as Error).message}`);
          continue;
        }
        if (k.receivedMs !== groupAt || group.length >= (this.d.maxGroup ?? 256)) await apply();
        groupAt = k.receivedMs;
        group.push(b);
      }
    }
    await apply();
    await stateUpTo(Infinity);
    // Every listed batch was applied (or had been): the cursor moves on; a missing one holds it back.
    if (missing === 0) await this.d.cursor.set(newest);
  }
}

/** Batches asked for in one request while following the log. */
const PAGE = 32;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const stateKey = (e: Pick<StateEvent, 'console' | 'ts' | 'seq'>) => `${e.console}\u0000${e.ts}\u0000${e.seq}`;
