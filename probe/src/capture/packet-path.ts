import { decodeFrame, PacketInfo, DECODE_REASONS, type DecodeReason } from '../decode/index.js';
import { FragmentTracker } from '../decode/fragments.js';
import { DuplicateFilter } from '../dedup/duplicates.js';
import { PacketBatch } from '../flowtable/packet-batch.js';
import type { NameObserver } from '../names/types.js';
import { partitionOf } from './partition.js';

/** Where keyed packets go: a flow table (FlowTable), or a ring to one on another thread (pipelined-read.ts). */
export interface BatchSink {
  /** Accounts the batch's packets, then empties it; with `expireEveryMs`, expiry runs as packet time advances. */
  addBatch(batch: PacketBatch, expireEveryMs: number): void;
  /** True when packet time `ts` is due for the expiry addBatch runs. */
  expiryDue(ts: number): boolean;
  /** Lets packet time pass without a packet (runs the expiry addBatch would have run at `ts`). */
  tick(ts: number, expireEveryMs: number): void;
}

export interface PacketPathOptions {
  /** Key tunnelled traffic on the innermost IP header (else the outermost). */
  decapInner: boolean;
  /** Drop copies of a packet seen again within this many ms (0: keep every copy). */
  dedupWindowMs: number;
  /** Entries of the duplicate filter (default 8192): how many packets may pass between a packet and its copy. */
  dedupEntries?: number;
  /** Passive naming: offered every decoded packet that is not a duplicate (null: off). */
  names: NameObserver | null;
  /** Replaying files: the flow table expires whenever packet time advanced this far (0: its owner expires it). */
  expireEveryMs: number;
  /**
   * This path is worker `index` of `count` reading the same input: it counts only the packets
   * whose address pair hashes to it (partition.ts), and lets the others' time pass.
   */
  partition?: { index: number; count: number };
}

export interface PacketPathCounters {
  /** Frames that carried no usable IP header, by reason. */
  decodeErrors: Partial<Record<DecodeReason, number>>;
  /** Packets dropped as copies of a packet already counted. */
  duplicates: number;
  fragments: { matched: number; orphaned: number; absorbed: number };
}

/** How often fragment state is expired, in packet time. */
const FRAGMENT_EXPIRY_MS = 1000;

/** Copies of a packet within this many ms are dropped, by default (`--dedup-window`, `flows.dedupWindow`). */
export const DEFAULT_DEDUP_WINDOW_MS = 2;

/**
 * The probe's packet path, shared by file replay and live capture: each frame is decoded into one
 * reused PacketInfo, checked against recent packets (duplicates are dropped and counted),
 * completed from fragment state, offered to passive naming, and keyed into a batch that goes to
 * the flow table when full. Call `flush()` when a run of frames ends (end of a read, end of a
 * capture batch) so no packet waits in the batch while time passes.
 */
export class PacketPath {
  private readonly p = new PacketInfo();
  private readonly batch = new PacketBatch();
  private readonly frags = new FragmentTracker();
  private readonly dedup: DuplicateFilter | null;
  private readonly errors = new Uint32Array(DECODE_REASONS.length);
  private readonly names: NameObserver | null;
  private readonly expireEveryMs: number;
  private nextFragExpire = -Infinity;
  /** Per interface: 1 when this path offers its packets to naming (0: a names capture of its own does). */
  private readonly namesHere = new Uint8Array(256).fill(1);
  private readonly part: number;
  private readonly parts: number;
  decapInner: boolean;

  constructor(
    private readonly table: BatchSink,
    opts: PacketPathOptions,
  ) {
    this.decapInner = opts.decapInner;
    this.dedup = opts.dedupWindowMs > 0 ? new DuplicateFilter(opts.dedupWindowMs, opts.dedupEntries) : null;
    this.names = opts.names;
    this.expireEveryMs = opts.expireEveryMs;
    this.part = opts.partition?.index ?? 0;
    this.parts = opts.partition?.count ?? 1;
  }

  /** One frame `b[off, off + caplen)` of link type `linktype`, captured at `ts` (ms) on interface `iface` (0-255). */
  frame(b: Uint8Array, off: number, caplen: number, linktype: number, iface: number, ts: number): void {
    const p = this.p;
    const r = decodeFrame(b, off, caplen, linktype, p, this.decapInner);
    if (r !== 0) {
      this.errors[r]!++;
      return;
    }
    p.ts = ts;
    if (
      (this.parts > 1 && partitionOf(p, this.parts) !== this.part) || // another worker counts it
      (this.dedup !== null && this.dedup.seen(b, p, ts)) ||
      ((p.frag !== 0 || p.outerFragKey !== '') && !this.frags.resolve(p, b, ts))
    ) {
      this.pass(ts);
      return;
    }
    const names = this.names;
    if (names !== null && this.namesHere[iface] === 1 && names.wants(p, b)) names.observe(b, p);
    const batch = this.batch;
    batch.push(p, iface);
    if (batch.full) this.table.addBatch(batch, this.expireEveryMs);
    if (ts >= this.nextFragExpire) {
      this.frags.expire(ts);
      this.nextFragExpire = ts + FRAGMENT_EXPIRY_MS;
    }
  }

  /**
   * Time passes for a packet that is not counted here (a copy, an absorbed fragment, another
   * worker's share): expiry runs as it would have for a counted packet, so one table and several
   * workers see the same clock.
   */
  private pass(ts: number): void {
    if (this.expireEveryMs > 0 && this.table.expiryDue(ts)) {
      this.flush();
      this.table.tick(ts, this.expireEveryMs);
    }
    if (ts >= this.nextFragExpire) {
      this.frags.expire(ts);
      this.nextFragExpire = ts + FRAGMENT_EXPIRY_MS;
    }
  }

  /** Whether this path offers interface `iface`'s packets to naming (off when a names capture of its own feeds the observer). */
  offerNames(iface: number, on: boolean): void {
    this.namesHere[iface & 255] = on ? 1 : 0;
  }

  /** Hands the packets waiting in the batch to the flow table. */
  flush(): void {
    if (this.batch.length > 0) this.table.addBatch(this.batch, this.expireEveryMs);
  }

  /** Expires fragment state at `now` (ms), for live capture where packet time is not the clock. */
  expire(now: number): void {
    this.frags.expire(now);
  }

  get counters(): PacketPathCounters {
    const decodeErrors: Partial<Record<DecodeReason, number>> = {};
    DECODE_REASONS.forEach((r, i) => {
      if (i > 0 && this.errors[i]! > 0) decodeErrors[r] = this.errors[i]!;
    });
    const f = this.frags;
    return {
      decodeErrors,
      duplicates: this.dedup?.duplicates ?? 0,
      fragments: { matched: f.matched, orphaned: f.orphans, absorbed: f.absorbed },
    };
  }
}
