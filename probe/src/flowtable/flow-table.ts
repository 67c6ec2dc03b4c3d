import type { EndReason, FlowRecord } from '@spanmap/shared';
import type { PacketInfo } from '../decode/packet-info.js';
import { FlowStore } from './flow-store.js';
import { flowRecord, orientation, learnResponder } from './flow-record.js';
import { ServiceHistory } from './service-history.js';
import { JsonLines } from './json-lines.js';
import { PacketBatch } from './packet-batch.js';
import { FlowQueues, NONE, OPEN, CLOSING } from './flow-queues.js';
import { WORDS, DOUBLES, W_NEXT, W_PK_A, W_PK_B, W_BY_A, W_BY_B, W_MISC, D_FIRST, D_LAST, FIRST_B, RST, isClosing } from './layout.js';

// Our own table rather than a Map of objects: at millions of packets per second the hot path must
// not allocate, and must touch as little memory as possible. Each flow is one 64-byte record in a
// shared ArrayBuffer (layout.ts, flow-store.ts), found through an open-addressing index on
// numeric keys. Packets arrive keyed and in batches (packet-batch.ts), so the memory loads of a
// whole batch overlap before the packets are accounted in order.
// Timeouts are decided exactly when a packet arrives (idle, active, closing grace); the periodic
// expire() scan only emits flows nobody touches any more, so there is no per-packet list surgery.

export interface FlowTableOptions {
  /** A flow with no packet for this long is emitted ("idle"). */
  idleMs: number;
  /** A flow is split after this long; later records carry `cont` ("active"). */
  activeMs: number;
  /** After FIN from both sides or a RST, trailing packets are awaited this long ("fin"/"rst"). */
  graceMs: number;
  /** Upper bound on concurrent flows; when full the least recently active one is emitted ("forced"). */
  maxFlows: number;
  initialCapacity?: number;
}

export const DEFAULT_FLOW_OPTIONS: FlowTableOptions = { idleMs: 300_000, activeMs: 1_800_000, graceMs: 5_000, maxFlows: 1_000_000 };

/** Where emitted records go: a function taking each record, or JSON lines written straight from the table. */
export type FlowSink = ((record: FlowRecord) => void) | JsonLines;

export interface FlowCounters {
  packets: number;
  bytes: number;
  flowsCreated: number;
  flowsEmitted: Record<EndReason, number>;
  maxActive: number;
}

/** Flows whose records are allocated up front (256 MiB of address space, resident only as used). */
const PREALLOCATE_MAX = 1 << 22;

/**
 * Byte counters are 32-bit per segment: a segment that would overflow is split, like an active
 * timeout. update() uses the value as a literal.
 */
export const MAX_SEGMENT_BYTES = 0xffffffff - 0x10028;

export class FlowTable {
  /** Names for interface indexes (0-255) passed to add(); records carry `iface` when set. */
  ifaceNames: Array<string | null> = [];

  private readonly store: FlowStore;
  private readonly queues: FlowQueues;
  /** Endpoints that answered flows before: evidence for orienting flows without a handshake. */
  private readonly history = new ServiceHistory();
  private freeHead = NONE;
  private unused = 0;
  private active = 0;
  /** The batch add() keys a single packet into. */
  private readonly one = new PacketBatch();
  /** Packet time at which addBatch next runs expiry. */
  private nextExpire = -Infinity;
  /** Folds the batch pre-loads into something observable, so the compiler keeps them. */
  warm = 0;
  private readonly idleMs: number;
  private readonly activeMs: number;
  private readonly graceMs: number;
  private packets = 0;
  private bytes = 0;
  private created = 0;
  private maxActive = 0;
  private readonly emitted: Record<EndReason, number> = { idle: 0, active: 0, fin: 0, rst: 0, eof: 0, forced: 0 };

  constructor(
    private readonly opts: FlowTableOptions,
    private readonly sink: FlowSink,
  ) {
    if (!(opts.maxFlows >= 1)) throw new RangeError('maxFlows must be at least 1');
    this.idleMs = opts.idleMs;
    this.activeMs = opts.activeMs;
    this.graceMs = opts.graceMs;
    // Records for every flow up front (pages become resident only when used), within reason:
    // beyond PREALLOCATE_MAX flows the table grows on demand.
    this.store = new FlowStore(Math.min(opts.initialCapacity ?? PREALLOCATE_MAX, opts.maxFlows));
    this.queues = new FlowQueues(this.store);
  }

  get counters(): FlowCounters {
    return { packets: this.packets, bytes: this.bytes, flowsCreated: this.created, flowsEmitted: { ...this.emitted }, maxActive: this.maxActive };
  }

  /** Flows currently held. */
  get size(): number {
    return this.active;
  }

  /**
   * Bytes of the table's storage in use (records up to the most ever held at once, IPv6
   * addresses, index): what is resident. The records of a table's whole capacity are allocated
   * up front, but pages nobody touched take no memory.
   */
  get storageBytes(): number {
    return this.unused * WORDS * 4 + this.store.sideBytes;
  }

  /** Accounts one decoded packet, seen at `p.ts` (ms) on interface `iface` (0-255). */
  add(p: PacketInfo, iface = 0): void {
    const b = this.one;
    b.length = 0;
    b.push(p, iface);
    this.update(b, 0);
  }

  /**
   * Accounts a batch of keyed packets in order, then empties it. With `expireEveryMs`, expiry
   * also runs (after the packet) whenever packet time has advanced that far since it last ran:
   * replaying files, where packet time is the clock.
   */
  addBatch(batch: PacketBatch, expireEveryMs = 0): void {
    this.warm ^= this.store.touch(batch);
    const ts = batch.ts;
    for (let i = 0, n = batch.length; i < n; i++) {
      this.update(batch, i);
      if (expireEveryMs > 0 && ts[i]! >= this.nextExpire) {
        this.expire(ts[i]!);
        this.nextExpire = ts[i]! + expireEveryMs;
      }
    }
    batch.length = 0;
  }

  /** True when packet time `ts` is due for the expiry addBatch runs every `expireEveryMs` (see tick()). */
  expiryDue(ts: number): boolean {
    return ts >= this.nextExpire;
  }

  /**
   * Lets packet time pass without a packet for this table (a packet another worker's table
   * counts): runs the expiry addBatch would have run at `ts`. The caller hands over pending
   * batches first.
   */
  tick(ts: number, expireEveryMs: number): void {
    if (ts >= this.nextExpire) {
      this.expire(ts);
      this.nextExpire = ts + expireEveryMs;
    }
  }

  /**
   * Accounts packet i of the batch. The hottest code of the probe: record offsets (layout.ts),
   * state bits and TCP flags are written as literals and named in comments, because V8 does not
   * constant-fold module-level or imported constants.
   */
  private update(batch: PacketBatch, i: number): void {
    const ts = batch.ts[i]!;
    const info = batch.info[i]!;
    const side = info & 1; // INFO_SIDE_B
    const flags = (info >>> 1) & 255; // INFO_FLAGS_SHIFT
    const proto = batch.meta[i]! & 255;
    const ipBytes = batch.bytes[i]!;
    let u = this.store.u32;
    let d = this.store.f64;

    let f = this.store.find(batch, i);
    if (f >= 0) {
      const o = f * 16;
      const s = u[o + 10]! & 255; // W_MISC state
      const gap = ts - d[f * 8 + 7]!; // D_LAST
      if (gap >= this.idleMs) {
        this.emitAndRemove(f, 'idle');
        f = -1;
      } else if (s & 224 /* CLOSED_ANY */ && ((proto === 6 && (flags & 18) === 2) /* a SYN without ACK */ || (isClosing(s) && gap >= this.graceMs))) {
        // A fresh SYN after a FIN or RST, or anything after the closing grace: a new connection on the same 5-tuple.
        this.emitAndRemove(f, s & 128 /* RST */ ? 'rst' : 'fin');
        f = -1;
      } else if (ts - d[f * 8 + 6]! /* D_FIRST */ >= this.activeMs || u[o + 8 + side]! /* W_BY_A */ > 0xfffeffd7 /* MAX_SEGMENT_BYTES */) {
        this.emit(f, 'active');
        u[o + 6] = 0; // W_PK_A
        u[o + 7] = 0; // W_PK_B
        u[o + 8] = 0; // W_BY_A
        u[o + 9] = 0; // W_BY_B
        // counters and TCP flags restart; initiator knowledge and the interface stay
        u[o + 10] = (u[o + 10]! & 0xff000000) | s | 16; // W_MISC, CONT
        d[f * 8 + 6] = ts; // D_FIRST
      }
    }
    if (f < 0) {
      f = this.create(batch, i, ts, side);
      u = this.store.u32; // creating may have grown the store
      d = this.store.f64;
    }

    const o = f * 16;
    const dd = f * 8;
    u[o + 6 + side]!++; // W_PK_A/B
    u[o + 8 + side] += ipBytes; // W_BY_A/B
    if (ts > d[dd + 7]!)
      d[dd + 7] = ts; // D_LAST
    else if (ts < d[dd + 6]!) d[dd + 6] = ts; // D_FIRST
    this.packets++;
    this.bytes += ipBytes;

    const misc = u[o + 10]!; // W_MISC
    const before = misc & 255;
    let s = before;
    if (proto === 6) {
      if (flags & 2 /* SYN */ && !(s & 8) /* HINT_SYN */) {
        // SYN: its sender initiated; SYN+ACK: its receiver did. The first one seen decides, for the flow's life.
        const senderInitiated = (flags & 16) /* ACK */ === 0;
        s = (s & ~6) | 8 | ((side === 0) === senderInitiated ? 2 : 4); // HINT_SYN | HINT_A or HINT_B
      }
      if (flags & 1 /* FIN */) s |= side === 0 ? 32 : 64; // FIN_A, FIN_B
      if (flags & 4 /* RST */) s |= 128; // RST
    } else if (!(s & 6) /* HINT_A | HINT_B */) {
      const role = (info >>> 9) & 3; // INFO_ROLE_SHIFT
      if (role !== 0) s |= (side === 0) === (role === 1) ? 2 : 4;
    }
    u[o + 10] = (((info >>> 11) & 255) << 24) | (misc & 0x00ffff00) | (flags << (8 + 8 * side)) | s; // interface (INFO_IFACE_SHIFT), flags, state
    if (s !== before && isClosing(s) && !isClosing(before)) {
      this.queues.unlink(f, OPEN);
      this.queues.append(f, CLOSING, ts);
    }
  }

  /** Emits flows whose idle timeout or closing grace period has passed at `now` (ms). */
  expire(now: number): void {
    this.scan(CLOSING, now - this.graceMs);
    this.scan(OPEN, now - this.idleMs);
  }

  /** Emits every flow: closed ones with their reason, open ones with `reason` (end of input, shutdown). */
  flush(reason: EndReason = 'eof'): void {
    while (this.queues.head[CLOSING] !== NONE) this.emitAndRemove(this.queues.head[CLOSING]!, this.closeReason(this.queues.head[CLOSING]!));
    while (this.queues.head[OPEN] !== NONE) this.emitAndRemove(this.queues.head[OPEN]!, reason);
  }

  /**
   * Lists are ordered by when a flow was queued. A flow queued by `deadline` either really ended
   * (its last packet is by the deadline too) or saw packets since and is re-queued after the
   * deadline's tick, so the loop ends.
   */
  private scan(list: number, deadline: number): void {
    if (!(deadline >= this.queues.epoch)) return; // nothing was queued that early (or nothing at all)
    const limit = this.queues.tick(deadline);
    for (let f = this.queues.head[list]!; f !== NONE && this.queues.queued(f) <= limit; f = this.queues.head[list]!) {
      const last = this.store.f64[f * DOUBLES + D_LAST]!;
      if (last <= deadline) this.emitAndRemove(f, list === CLOSING ? this.closeReason(f) : 'idle');
      else {
        this.queues.unlink(f, list);
        this.queues.append(f, list, last, limit + 1);
      }
    }
  }

  private closeReason(f: number): EndReason {
    return this.store.u32[f * WORDS + W_MISC]! & RST ? 'rst' : 'fin';
  }

  private create(batch: PacketBatch, i: number, ts: number, side: number): number {
    if (this.freeHead === NONE && this.unused === this.store.capacity) {
      if (this.store.capacity < this.opts.maxFlows) this.grow();
      else this.evictOne();
    }
    let f: number;
    const u = this.store.u32;
    if (this.freeHead !== NONE) {
      f = this.freeHead;
      this.freeHead = u[f * WORDS + W_NEXT]! | 0;
    } else f = this.unused++;
    this.store.insert(batch, i, f);
    const o = f * WORDS;
    u[o + W_PK_A] = 0;
    u[o + W_PK_B] = 0;
    u[o + W_BY_A] = 0;
    u[o + W_BY_B] = 0;
    u[o + W_MISC] = side === 1 ? FIRST_B : 0;
    this.store.f64[f * DOUBLES + D_FIRST] = ts;
    this.store.f64[f * DOUBLES + D_LAST] = ts;
    this.queues.append(f, OPEN, ts);
    this.created++;
    if (++this.active > this.maxActive) this.maxActive = this.active;
    return f;
  }

  /** Makes room when full: a finished (closing) flow if any, else the least recently active open flow. */
  private evictOne(): void {
    const closing = this.queues.head[CLOSING]!;
    if (closing !== NONE) {
      this.emitAndRemove(closing, this.closeReason(closing));
      return;
    }
    // The open list is only roughly LRU (lazy re-queueing): skip a few heads that saw packets since.
    for (let tries = 0; tries < 8; tries++) {
      const f = this.queues.head[OPEN]!;
      const last = this.store.f64[f * DOUBLES + D_LAST]!;
      if (this.queues.tick(last) <= this.queues.queued(f)) break;
      this.queues.unlink(f, OPEN);
      this.queues.append(f, OPEN, last);
    }
    this.emitAndRemove(this.queues.head[OPEN]!, 'forced');
  }

  private emitAndRemove(f: number, reason: EndReason): void {
    this.emit(f, reason);
    const u = this.store.u32;
    this.queues.unlink(f, isClosing(u[f * WORDS + W_MISC]! & 255) ? CLOSING : OPEN);
    this.store.remove(f);
    u[f * WORDS + W_NEXT] = this.freeHead;
    this.freeHead = f;
    this.active--;
  }

  /** Emits the record of flow f's current segment, oriented from the best evidence (orientation()), and learns from it. */
  private emit(f: number, reason: EndReason): void {
    this.emitted[reason]++;
    const or = orientation(this.store, f, this.history);
    learnResponder(this.store, f, or, this.history);
    const sink = this.sink;
    if (sink instanceof JsonLines) sink.record(this.store, f, reason, this.ifaceNames, or);
    else sink(flowRecord(this.store, f, reason, this.ifaceNames, or));
  }

  private grow(): void {
    this.store.grow(Math.min(this.store.capacity * 2, this.opts.maxFlows));
  }
}
