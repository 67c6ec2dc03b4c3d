import type { FlowRecord } from '@spanmap/shared';
import type { UniFlow } from './types.js';

export interface PairingOptions {
  /**
   * How long (our clock, ms) a one-direction record waits for its reverse direction. Exporters
   * with uniflow caches expire the two directions independently (each on its own idle timer),
   * so the reverse record can follow by up to an inactive timeout; 0 disables pairing.
   */
  windowMs: number;
  /** Records held waiting at most; beyond it the oldest is emitted alone (counted). */
  maxPending: number;
}

export const DEFAULT_PAIRING: PairingOptions = { windowMs: 15_000, maxPending: 500_000 };

interface Pending {
  u: UniFlow;
  key: string;
  done: boolean;
}

export interface PairingCounters {
  /** Records emitted from two one-direction records. */
  paired: number;
  /** One-direction records emitted alone (no reverse within the window, or pairing off). */
  alone: number;
  /** Biflow records (both directions in one exported record). */
  biflow: number;
  /** Records emitted alone early because maxPending was reached. */
  evicted: number;
}

/**
 * Pairs the two one-direction records of a conversation from the same exporter (any observation
 * domain or interface: a router sees the two directions on different line cards). The reverse
 * must have the mirrored addresses and ports (ICMP: the same request type) and overlapping times.
 * Time is a parameter: `expire(now)` emits what waited longer than the window.
 */
export class Pairer {
  readonly counters: PairingCounters = { paired: 0, alone: 0, biflow: 0, evicted: 0 };
  private readonly waiting = new Map<string, Pending[]>();
  private queue: Pending[] = [];
  private head = 0;
  private live = 0;

  constructor(
    private readonly opts: PairingOptions,
    private readonly emit: (a: UniFlow, b: UniFlow | null) => void,
  ) {}

  get pending(): number {
    return this.live;
  }

  add(u: UniFlow): void {
    if (u.biflow) {
      this.counters.biflow++;
      this.emit(u, null);
      return;
    }
    if (this.opts.windowMs <= 0) {
      this.counters.alone++;
      this.emit(u, null);
      return;
    }
    const icmp = u.icmpTypeCode >= 0;
    const reverse = key(u.exporter, u.proto, u.dst, icmp ? u.sport : u.dport, u.src, icmp ? u.dport : u.sport);
    const list = this.waiting.get(reverse);
    if (list) {
      const slack = this.opts.windowMs;
      for (let i = 0; i < list.length; i++) {
        const p = list[i]!;
        if (p.u.first <= u.last + slack && u.first <= p.u.last + slack) {
          list.splice(i, 1);
          if (list.length === 0) this.waiting.delete(reverse);
          p.done = true;
          this.live--;
          this.counters.paired++;
          this.emit(p.u, u);
          return;
        }
      }
    }
    const k = key(u.exporter, u.proto, u.src, u.sport, u.dst, u.dport);
    const entry: Pending = { u, key: k, done: false };
    const own = this.waiting.get(k);
    if (own) own.push(entry);
    else this.waiting.set(k, [entry]);
    this.queue.push(entry);
    this.live++;
    while (this.live > this.opts.maxPending) this.emitOldest('evicted');
  }

  /** Emits alone every record that has waited `windowMs` or more by `now`. */
  expire(now: number): void {
    const limit = now - this.opts.windowMs;
    while (this.head < this.queue.length) {
      const p = this.queue[this.head]!;
      if (p.done) {
        this.head++;
        continue;
      }
      if (p.u.arrival > limit) break;
      this.emitOldest('alone');
    }
    this.compact();
  }

  /** Emits everything still waiting (shutdown). */
  flush(): void {
    while (this.live > 0) this.emitOldest('alone');
    this.compact();
  }

  private emitOldest(why: 'alone' | 'evicted'): void {
    while (this.head < this.queue.length) {
      const p = this.queue[this.head++]!;
      if (p.done) continue;
      p.done = true;
      this.live--;
      const list = this.waiting.get(p.key)!;
      list.splice(list.indexOf(p), 1);
      if (list.length === 0) this.waiting.delete(p.key);
      this.counters[why]++;
      if (why === 'evicted') this.counters.alone++;
      this.emit(p.u, null);
      return;
    }
  }

  private compact(): void {
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}

function key(exporter: string, proto: number, s: string, sp: number, d: string, dp: number): string {
  return `${exporter}|${proto}|${s}|${sp}|${d}|${dp}`;
}

/**
 * Marks continuations: an exporter splits a long conversation at its active timeout into several
 * records; the ones after a record that ended "active" carry `cont: true`, as the flow table's do,
 * so the console counts the conversation once. Remembered per exporter and conversation for
 * `memoryMs` after the "active" record (longer than any sane active timeout).
 */
export class ContinuationTracker {
  private readonly open = new Map<string, number>();

  constructor(
    private readonly memoryMs = 35 * 60_000,
    private readonly max = 1_000_000,
  ) {}

  mark(r: FlowRecord, exporter: string, now: number): void {
    const k = `${exporter}|${r.proto}|${r.src}|${r.sport}|${r.dst}|${r.dport}`;
    const until = this.open.get(k);
    if (until !== undefined) {
      this.open.delete(k);
      if (until >= now) r.cont = true;
    }
    if (r.end === 'active') {
      if (this.open.size >= this.max) this.open.delete(this.open.keys().next().value!);
      this.open.set(k, now + this.memoryMs);
    }
  }

  expire(now: number): void {
    // Insertion order is expiry order (same memory for all): stop at the first one still open.
    for (const [k, until] of this.open) {
      if (until >= now) break;
      this.open.delete(k);
    }
  }

  get size(): number {
    return this.open.size;
  }
}
