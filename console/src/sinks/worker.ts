import type { AlertMessage } from './message.js';
import type { Transport } from './syslog-transport.js';
import type { Clock } from './clock.js';
import type { SinkConfig, SinkHealth } from './types.js';
import type { OutboxEntry } from '../alerts/model.js';
import { TokenBucket, backoffMs, failureReason } from './backoff.js';

/** The outbox of one sink, as the worker sees it. */
export interface SinkOutbox {
  pending(sink: string, limit: number): Array<{ key: number; entry: OutboxEntry }>;
  depth(sink: string): number;
  /** Resolves once the removal is committed. */
  delivered(sink: string, keys: number[]): Promise<void>;
}

export interface WorkerDeps {
  outbox: SinkOutbox;
  /** The message of alert `n`, or null when the alert is gone. */
  message(n: number): AlertMessage | null;
  transport: Transport;
  clock: Clock;
  log(line: string): void;
}

/** Syslog lines written per send (one TCP write). */
const SYSLOG_BATCH = 100;

/**
 * Delivers one sink's outbox, oldest first, one message at a time in order: the head of the queue
 * is retried (backoff) until the sink takes it, and only then removed from the store, so a
 * restart resumes where delivery stood and an acknowledged alert is never sent again. A webhook
 * with `batchMs` waits that long after the oldest queued alert and sends all queued (up to
 * maxBatch) in one POST. The rate limit delays, never drops.
 */
export class SinkWorker {
  readonly health: SinkHealth;
  private readonly bucket: TokenBucket;
  private woken = false;
  private wakeIdle: AbortController | null = null;

  constructor(
    private readonly cfg: SinkConfig,
    target: string,
    private readonly deps: WorkerDeps,
  ) {
    this.health = {
      name: cfg.name,
      type: cfg.type,
      target,
      state: 'ok',
      queued: 0,
      delivered: 0,
      failures: {},
      lastError: null,
      lastErrorAt: null,
      lastDeliveredAt: null,
      nextAttemptAt: null,
      attempt: 0,
      lastLatencyMs: null,
      dropped: 0,
    };
    this.bucket = new TokenBucket(cfg.maxPerMinute, deps.clock.now());
  }

  /** New alerts may be queued: an idle worker looks again. */
  wake(): void {
    this.woken = true;
    this.wakeIdle?.abort();
  }

  /** Delivers until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let wait: number;
      try {
        wait = await this.step(signal);
      } catch (e) {
        // The store itself failed (not the sink): say so, and try again later.
        this.deps.log(`alerts: sink ${this.cfg.name}: ${(e as Error).message}`);
        wait = this.cfg.retry.maxMs;
      }
      if (wait <= 0 || signal.aborted) continue;
      if (wait === Infinity) {
        if (this.woken) continue;
        const ac = new AbortController();
        this.wakeIdle = ac;
        const stop = () => ac.abort();
        signal.addEventListener('abort', stop, { once: true });
        await this.deps.clock.sleep(Infinity, ac.signal);
        signal.removeEventListener('abort', stop);
        this.wakeIdle = null;
      } else await this.deps.clock.sleep(wait, signal);
    }
    this.deps.transport.close();
  }

  /** One attempt; returns how long to wait before the next (0: at once, Infinity: until woken). */
  async step(signal: AbortSignal): Promise<number> {
    const { clock, outbox } = this.deps;
    this.woken = false;
    const batch = this.cfg.type === 'webhook' ? (this.cfg.batchMs > 0 ? this.cfg.maxBatch : 1) : SYSLOG_BATCH;
    const rows = outbox.pending(this.cfg.name, batch);
    this.health.queued = rows.length < batch ? rows.length : outbox.depth(this.cfg.name);
    if (rows.length === 0) return Infinity;
    const now = clock.now();
    if (this.cfg.type === 'webhook' && this.cfg.batchMs > 0) {
      const due = rows[0]!.entry.at + this.cfg.batchMs;
      if (due > now && this.health.attempt === 0) return due - now;
    }
    const onePost = this.cfg.type === 'webhook' && this.cfg.batchMs > 0;
    const got = this.bucket.take(onePost ? 1 : rows.length, now);
    if (got === 0) return this.bucket.waitMs(now);
    const take = onePost ? rows : rows.slice(0, got);

    const messages: AlertMessage[] = [];
    const gone: number[] = [];
    for (const r of take) {
      const m = this.deps.message(r.entry.alert);
      if (m) messages.push(m);
      else gone.push(r.key);
    }
    if (gone.length > 0) {
      this.health.dropped += gone.length;
      await outbox.delivered(this.cfg.name, gone);
    }
    if (messages.length === 0) return 0;
    try {
      await this.deps.transport.send(messages, signal);
    } catch (e) {
      if (signal.aborted) return 0;
      return this.failed(e);
    }
    await outbox.delivered(
      this.cfg.name,
      take.map((r) => r.key).filter((k) => !gone.includes(k)),
    );
    const at = clock.now();
    const h = this.health;
    if (h.state === 'failing') this.deps.log(`alerts: sink ${this.cfg.name} delivers again after ${h.attempt} failed attempts`);
    h.state = 'ok';
    h.attempt = 0;
    h.nextAttemptAt = null;
    h.delivered += messages.length;
    h.lastDeliveredAt = at;
    h.lastLatencyMs = at - take.at(-1)!.entry.at;
    h.queued = Math.max(0, h.queued - take.length);
    return 0;
  }

  private failed(e: unknown): number {
    const h = this.health;
    const reason = failureReason(e);
    h.failures[reason] = (h.failures[reason] ?? 0) + 1;
    h.attempt++;
    h.lastError = `${reason}: ${(e as Error).message}`;
    h.lastErrorAt = this.deps.clock.now();
    const wait = backoffMs(h.attempt, this.cfg.retry);
    h.nextAttemptAt = h.lastErrorAt + wait;
    if (h.state === 'ok' || h.attempt % 10 === 0)
      this.deps.log(`alerts: sink ${this.cfg.name} failed (${h.lastError}); ${h.queued} queued, retrying in ${Math.round(wait / 100) / 10} s`);
    h.state = 'failing';
    this.deps.transport.close(); // a fresh connection next time
    return wait;
  }
}
