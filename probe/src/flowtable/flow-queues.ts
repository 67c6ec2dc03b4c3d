import type { FlowStore } from './flow-store.js';
import { W_PREV, W_NEXT, W_QUEUED, WORDS } from './layout.js';

export const NONE = -1;
/** Flows still open: ordered by when they were last queued (their first packet, or a re-queue by a scan). */
export const OPEN = 0;
/** Flows closed by FIN or RST, waiting out the grace period for trailing packets. */
export const CLOSING = 1;

const REBASE_AFTER = 0x80000000; // ~24.8 days of packet time
const REBASE_KEEP = 0x40000000; // after a re-base, the newest tick is ~12.4 days after the epoch

/**
 * The flow table's two queues (open, closing): doubly linked lists threaded through the records
 * (W_PREV, W_NEXT), each record stamped with when it was queued (W_QUEUED, a 32-bit millisecond
 * tick since the queues' epoch). Queues are only roughly ordered by last activity: a packet does
 * not move its flow (no per-packet list surgery); the expiry scan re-queues flows it finds active.
 */
export class FlowQueues {
  readonly head = [NONE, NONE];
  private readonly tail = [NONE, NONE];
  /** Queue times are milliseconds after this (first the first packet's time; moved forward as time passes). */
  epoch = NaN;

  constructor(private readonly store: FlowStore) {}

  /**
   * Milliseconds since the epoch as a 32-bit tick; earlier times clamp to 0. Every ~24 days of
   * packet time the epoch moves forward and queued ticks are shifted (a live probe runs for months).
   */
  tick(ms: number): number {
    if (this.epoch !== this.epoch) this.epoch = ms;
    let t = Math.floor(ms - this.epoch);
    if (t >= REBASE_AFTER) {
      // However far time jumped (spliced captures jump by years), the new tick lands mid-range.
      const by = t - REBASE_KEEP;
      this.rebase(by);
      t -= by;
    }
    return t < 0 ? 0 : t;
  }

  /** The tick flow f was queued at. */
  queued(f: number): number {
    return this.store.u32[f * WORDS + W_QUEUED]!;
  }

  /**
   * Appends flow f to `list`, queued at `queuedMs` (never before tick `minTick`, nor before the
   * flow ahead of it: packet times may go backwards a little, and a queue out of order would hide
   * flows from the expiry scan, which stops at the first flow queued after its deadline).
   */
  append(f: number, list: number, queuedMs: number, minTick = 0): void {
    const u = this.store.u32;
    const o = f * WORDS;
    const t = this.tail[list]!;
    let q = this.tick(queuedMs);
    if (q < minTick) q = minTick;
    if (t !== NONE && q < u[t * WORDS + W_QUEUED]!) q = u[t * WORDS + W_QUEUED]!;
    u[o + W_PREV] = t;
    u[o + W_NEXT] = NONE;
    u[o + W_QUEUED] = q;
    if (t !== NONE) u[t * WORDS + W_NEXT] = f;
    else this.head[list] = f;
    this.tail[list] = f;
  }

  unlink(f: number, list: number): void {
    const u = this.store.u32;
    const o = f * WORDS;
    const pv = u[o + W_PREV]! | 0;
    const nx = u[o + W_NEXT]! | 0;
    if (pv !== NONE) u[pv * WORDS + W_NEXT] = nx;
    else this.head[list] = nx;
    if (nx !== NONE) u[nx * WORDS + W_PREV] = pv;
    else this.tail[list] = pv;
  }

  private rebase(by: number): void {
    this.epoch += by;
    const u = this.store.u32;
    for (const list of [OPEN, CLOSING]) {
      for (let f = this.head[list]!; f !== NONE; f = u[f * WORDS + W_NEXT]! | 0) {
        const q = u[f * WORDS + W_QUEUED]!;
        u[f * WORDS + W_QUEUED] = q > by ? q - by : 0;
      }
    }
  }
}
