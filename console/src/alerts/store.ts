import type { Database } from 'lmdb';
import type { ConsoleStore } from '../store/console-store.js';
import type { Alert, EdgeAlertRef, OutboxEntry, SourceState } from './model.js';

const MAX = Number.MAX_SAFE_INTEGER;

/**
 * The alerts' databases in the console store: alerts by sequence number, the alert each edge
 * belongs to, per-source storm state, the distinct destinations and ports of each storm, and the
 * outbox (one entry per alert and sink, deleted once the sink has it). Every write here happens
 * inside a caller's transaction (ingest, or a triage), so reads see the transaction's own writes.
 */
export class AlertStore {
  constructor(private readonly store: ConsoleStore) {}

  get alerts(): Database<Alert, number> {
    return this.store.db<Alert, number>('alerts-v2');
  }

  /** Edge key string → the alert it belongs to. */
  get edges(): Database<EdgeAlertRef, string> {
    return this.store.db<EdgeAlertRef, string>('alert-edges');
  }

  get sources(): Database<SourceState, string> {
    return this.store.db<SourceState, string>('alert-sources');
  }

  /** [storm, "d"|"p", destination or port] → 1: what a storm has reached, counted once each. */
  get distinct(): Database<number, [number, string, string | number]> {
    return this.store.db<number, [number, string, string | number]>('alert-storm-distinct');
  }

  get outbox(): Database<OutboxEntry, [string, number]> {
    return this.store.db<OutboxEntry, [string, number]>('alert-outbox');
  }

  /** The turn-1 alerts (keyed by edge), migrated once by Alerts.load(). */
  get legacy(): Database<Record<string, unknown>, string> {
    return this.store.db<Record<string, unknown>, string>('alerts');
  }

  /** One write transaction, all or nothing (ConsoleStore.atomic). */
  atomic<T>(work: () => T): Promise<T> {
    return this.store.atomic(work);
  }

  get env() {
    return this.store.env;
  }

  /** The next alert number (inside a transaction: an aborted one gives its numbers back). */
  nextNumber(): number {
    const n = (this.store.meta.get('alerts:next') as number | undefined) ?? 1;
    void this.store.meta.put('alerts:next', n + 1);
    return n;
  }

  get(n: number): Alert | undefined {
    return this.alerts.get(n);
  }

  put(a: Alert): void {
    void this.alerts.put(Number(a.id), a);
  }

  /** Every alert, oldest first. */
  all(): Alert[] {
    return [...this.alerts.getRange({})].map((x) => x.value);
  }

  /** Marks a value reached by a storm; true when it is new to the storm. */
  reach(storm: number, kind: 'd' | 'p', v: string | number): boolean {
    const k: [number, string, string | number] = [storm, kind, v];
    if (this.distinct.get(k) !== undefined) return false;
    void this.distinct.put(k, 1);
    return true;
  }

  /** Queues alert `n` for each sink. */
  enqueue(sinks: readonly string[], n: number, now: number): void {
    for (const s of sinks) void this.outbox.put([s, n], { alert: n, at: now });
  }

  /** The oldest entries waiting for a sink, in order. */
  pending(sink: string, limit: number): Array<{ key: number; entry: OutboxEntry }> {
    return [...this.outbox.getRange({ start: [sink, 0], end: [sink, MAX], limit })].map((x) => ({ key: x.key[1] as number, entry: x.value }));
  }

  depth(sink: string): number {
    return this.outbox.getCount({ start: [sink, 0], end: [sink, MAX] });
  }

  /** Removes delivered entries; resolves once that is committed (a restart will not send them again). */
  async delivered(sink: string, keys: number[]): Promise<void> {
    await this.store.atomic(() => {
      for (const k of keys) void this.outbox.remove([sink, k]);
    });
  }

  /** Sinks with queued entries (to drop those of sinks no longer configured). */
  queuedSinks(): Map<string, number> {
    const out = new Map<string, number>();
    for (const k of this.outbox.getKeys({})) {
      const s = (k as [string, number])[0];
      out.set(s, (out.get(s) ?? 0) + 1);
    }
    return out;
  }

  async dropSink(sink: string): Promise<void> {
    await this.store.atomic(() => {
      for (const k of this.outbox.getKeys({ start: [sink, 0], end: [sink, MAX] })) void this.outbox.remove(k);
    });
  }
}
