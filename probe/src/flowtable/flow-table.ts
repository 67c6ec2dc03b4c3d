import { formatIPv4, formatIPv6, type EndReason, type FlowRecord } from '@spanmap/shared';
import type { PacketInfo } from '../decode/packet-info.js';
import { icmpKey, icmpRole, responderByPort } from './initiator.js';
import {
  FlowStore,
  FlowIndex,
  FlowKey,
  hashWords,
  WORDS,
  DOUBLES,
  V6_WORDS,
  META_V6,
  W_A,
  W_B,
  W_PORTS,
  W_META,
  W_PREV,
  W_NEXT,
  W_PK_A,
  W_PK_B,
  W_BY_A,
  W_BY_B,
  W_MISC,
  W_QUEUED,
  D_FIRST,
  D_LAST,
} from './flow-store.js';

// Our own table rather than a Map of objects: at millions of packets per second the hot path must
// not allocate, and must touch as little memory as possible. Each flow is one 64-byte record (one
// cache line) in a shared ArrayBuffer (flow-store.ts), found through an open-addressing index on
// numeric keys.
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

export type FlowSink = (record: FlowRecord) => void;

export interface FlowCounters {
  packets: number;
  bytes: number;
  flowsCreated: number;
  flowsEmitted: Record<EndReason, number>;
  maxActive: number;
}

// State bits (byte 0 of W_MISC).
const FIRST_B = 1; // the flow's first packet came from side b
const HINT_A = 2; // side a initiated: its SYN, or its ICMP request
const HINT_B = 4;
const HINT_SYN = 8; // the hint came from a SYN rather than an ICMP type
const CONT = 16; // the current segment continues an earlier record (active timeout)
const FIN_A = 32;
const FIN_B = 64;
const RST = 128;
const CLOSED_ANY = FIN_A | FIN_B | RST;

const TCP_FIN = 1;
const TCP_SYN = 2;
const TCP_RST = 4;
const TCP_ACK = 16;

const NONE = -1;
const OPEN = 0;
const CLOSING = 1;

function isClosing(s: number): boolean {
  return (s & RST) !== 0 || (s & (FIN_A | FIN_B)) === (FIN_A | FIN_B);
}

const REBASE_AFTER = 0x80000000; // ~24.8 days of packet time
const REBASE_KEEP = 0x40000000; // after a re-base, the newest tick is ~12.4 days after the epoch

/** Byte counters are 32-bit per segment: a segment that would overflow is split, like an active timeout. */
const MAX_SEGMENT_BYTES = 0xffffffff - 0x10028;

export class FlowTable {
  /** Names for interface indexes (0-255) passed to add(); records carry `iface` when set. */
  ifaceNames: Array<string | null> = [];

  private readonly store: FlowStore;
  private readonly idx: FlowIndex;
  private readonly head = [NONE, NONE];
  private readonly tail = [NONE, NONE];
  private freeHead = NONE;
  private unused = 0;
  private active = 0;
  private readonly key = new FlowKey();
  private readonly idleMs: number;
  private readonly activeMs: number;
  private readonly graceMs: number;
  /** Queue times are milliseconds after this (first the first packet's time; moved forward as time passes). */
  private epoch = NaN;
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
    this.store = new FlowStore(Math.min(opts.initialCapacity ?? 65536, opts.maxFlows));
    this.idx = new FlowIndex(this.store);
  }

  get counters(): FlowCounters {
    return { packets: this.packets, bytes: this.bytes, flowsCreated: this.created, flowsEmitted: { ...this.emitted }, maxActive: this.maxActive };
  }

  /** Flows currently held. */
  get size(): number {
    return this.active;
  }

  /** Bytes held by the table's own storage (records, IPv6 keys, index), for memory accounting. */
  get storageBytes(): number {
    return this.store.bytes + this.idx.bytes;
  }

  /** Accounts one decoded packet, seen at `p.ts` (ms) on interface `iface`. */
  add(p: PacketInfo, iface = 0): void {
    const ts = p.ts;
    const k = this.key;
    const proto = p.proto;
    let sport = p.sport;
    let dport = p.dport;
    const icmp = proto === 1 || proto === 58;
    if (icmp) {
      sport = 0;
      dport = icmpKey(proto, dport);
    }
    // Canonical order: side a is the lower (address, port) endpoint, so both directions meet.
    let srcIsA: boolean;
    if (p.s0 !== p.d0) srcIsA = p.s0 < p.d0;
    else if (p.s1 !== p.d1) srcIsA = p.s1 < p.d1;
    else if (p.s2 !== p.d2) srcIsA = p.s2 < p.d2;
    else if (p.s3 !== p.d3) srcIsA = p.s3 < p.d3;
    else srcIsA = sport <= dport;
    const v6 = p.family === 6;
    if (v6) {
      const w = k.v6;
      if (srcIsA) {
        w[0] = p.s0;
        w[1] = p.s1;
        w[2] = p.s2;
        w[3] = p.s3;
        w[4] = p.d0;
        w[5] = p.d1;
        w[6] = p.d2;
        w[7] = p.d3;
      } else {
        w[0] = p.d0;
        w[1] = p.d1;
        w[2] = p.d2;
        w[3] = p.d3;
        w[4] = p.s0;
        w[5] = p.s1;
        w[6] = p.s2;
        w[7] = p.s3;
      }
      k.a = (w[0]! ^ w[1]! ^ w[2]! ^ w[3]!) >>> 0;
      k.b = (w[4]! ^ w[5]! ^ w[6]! ^ w[7]!) >>> 0;
    } else if (srcIsA) {
      k.a = p.s0;
      k.b = p.d0;
    } else {
      k.a = p.d0;
      k.b = p.s0;
    }
    k.ports = icmp ? dport : srcIsA ? ((sport << 16) | dport) >>> 0 : ((dport << 16) | sport) >>> 0;
    k.meta = proto | ((p.vlan + 1) << 8) | (v6 ? META_V6 : 0);
    k.hash = hashWords(k.a, k.b, k.ports, k.meta);
    const flags = p.tcpFlags;
    const side = srcIsA ? 0 : 1;
    const ipBytes = p.ipBytes;
    let u = this.store.u32;
    let d = this.store.f64;

    let f = this.idx.find(k);
    if (f >= 0) {
      const o = f * WORDS;
      const s = u[o + W_MISC]! & 255;
      const gap = ts - d[f * DOUBLES + D_LAST]!;
      if (gap >= this.idleMs) {
        this.emitAndRemove(f, 'idle');
        f = NONE;
      } else if (s & CLOSED_ANY && ((proto === 6 && (flags & (TCP_SYN | TCP_ACK)) === TCP_SYN) || (isClosing(s) && gap >= this.graceMs))) {
        // A fresh SYN after a FIN or RST, or anything after the closing grace: a new connection on the same 5-tuple.
        this.emitAndRemove(f, s & RST ? 'rst' : 'fin');
        f = NONE;
      } else if (ts - d[f * DOUBLES + D_FIRST]! >= this.activeMs || u[o + W_BY_A + side]! > MAX_SEGMENT_BYTES) {
        this.emit(f, 'active');
        u[o + W_PK_A] = 0;
        u[o + W_PK_B] = 0;
        u[o + W_BY_A] = 0;
        u[o + W_BY_B] = 0;
        // counters and TCP flags restart; initiator knowledge and the interface stay
        u[o + W_MISC] = (u[o + W_MISC]! & 0xff000000) | s | CONT;
        d[f * DOUBLES + D_FIRST] = ts;
      }
    }
    if (f < 0) {
      f = this.create(k, ts, side);
      u = this.store.u32; // creating may have grown the store
      d = this.store.f64;
    }

    const o = f * WORDS;
    const dd = f * DOUBLES;
    u[o + W_PK_A + side]!++;
    u[o + W_BY_A + side] += ipBytes;
    if (ts > d[dd + D_LAST]!) d[dd + D_LAST] = ts;
    else if (ts < d[dd + D_FIRST]!) d[dd + D_FIRST] = ts;
    this.packets++;
    this.bytes += ipBytes;

    const misc = u[o + W_MISC]!;
    const before = misc & 255;
    let s = before;
    if (proto === 6) {
      if (flags & TCP_SYN && !(s & HINT_SYN)) {
        // SYN: its sender initiated; SYN+ACK: its receiver did. The first one seen decides, for the flow's life.
        const senderInitiated = (flags & TCP_ACK) === 0;
        s = (s & ~(HINT_A | HINT_B)) | HINT_SYN | ((side === 0) === senderInitiated ? HINT_A : HINT_B);
      }
      if (flags & TCP_FIN) s |= side === 0 ? FIN_A : FIN_B;
      if (flags & TCP_RST) s |= RST;
    } else if (icmp && !(s & (HINT_A | HINT_B))) {
      const role = icmpRole(proto, p.dport);
      if (role !== 0) s |= (side === 0) === (role === 1) ? HINT_A : HINT_B;
    }
    u[o + W_MISC] = ((iface & 255) << 24) | (misc & 0x00ffff00) | (flags << (8 + 8 * side)) | s;
    if (s !== before && isClosing(s) && !isClosing(before)) {
      this.unlink(f, OPEN);
      this.append(f, CLOSING, ts);
    }
  }

  /** Emits flows whose idle timeout or closing grace period has passed at `now` (ms). */
  expire(now: number): void {
    this.scan(CLOSING, now - this.graceMs);
    this.scan(OPEN, now - this.idleMs);
  }

  /** Emits every flow: closed ones with their reason, open ones with `reason` (end of input, shutdown). */
  flush(reason: EndReason = 'eof'): void {
    while (this.head[CLOSING] !== NONE) this.emitAndRemove(this.head[CLOSING]!, this.closeReason(this.head[CLOSING]!));
    while (this.head[OPEN] !== NONE) this.emitAndRemove(this.head[OPEN]!, reason);
  }

  /**
   * Lists are ordered by when a flow was queued. A flow queued by `deadline` either really ended
   * (its last packet is by the deadline too) or saw packets since and is re-queued after the
   * deadline's tick, so the loop ends.
   */
  private scan(list: number, deadline: number): void {
    if (!(deadline >= this.epoch)) return; // nothing was queued that early (or nothing at all)
    const limit = this.tick(deadline);
    for (let f = this.head[list]!; f !== NONE && this.store.u32[f * WORDS + W_QUEUED]! <= limit; f = this.head[list]!) {
      const last = this.store.f64[f * DOUBLES + D_LAST]!;
      if (last <= deadline) this.emitAndRemove(f, list === CLOSING ? this.closeReason(f) : 'idle');
      else {
        this.unlink(f, list);
        this.append(f, list, last, limit + 1);
      }
    }
  }

  /**
   * Milliseconds since the table's epoch as a 32-bit tick; earlier times clamp to 0. Every ~24
   * days of packet time the epoch moves forward and queued ticks are shifted (a live probe runs
   * for months).
   */
  private tick(ms: number): number {
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

  private closeReason(f: number): EndReason {
    return this.store.u32[f * WORDS + W_MISC]! & RST ? 'rst' : 'fin';
  }

  private create(k: FlowKey, ts: number, side: number): number {
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
    this.idx.insert(k, f);
    const o = f * WORDS;
    u[o + W_PK_A] = 0;
    u[o + W_PK_B] = 0;
    u[o + W_BY_A] = 0;
    u[o + W_BY_B] = 0;
    u[o + W_MISC] = side === 1 ? FIRST_B : 0;
    this.store.f64[f * DOUBLES + D_FIRST] = ts;
    this.store.f64[f * DOUBLES + D_LAST] = ts;
    this.append(f, OPEN, ts);
    this.created++;
    if (++this.active > this.maxActive) this.maxActive = this.active;
    return f;
  }

  /** Makes room when full: a finished (closing) flow if any, else the least recently active open flow. */
  private evictOne(): void {
    const closing = this.head[CLOSING]!;
    if (closing !== NONE) {
      this.emitAndRemove(closing, this.closeReason(closing));
      return;
    }
    // The open list is only roughly LRU (lazy re-queueing): skip a few heads that saw packets since.
    for (let tries = 0; tries < 8; tries++) {
      const f = this.head[OPEN]!;
      const last = this.store.f64[f * DOUBLES + D_LAST]!;
      if (this.tick(last) <= this.store.u32[f * WORDS + W_QUEUED]!) break;
      this.unlink(f, OPEN);
      this.append(f, OPEN, last);
    }
    this.emitAndRemove(this.head[OPEN]!, 'forced');
  }

  private emitAndRemove(f: number, reason: EndReason): void {
    this.emit(f, reason);
    const u = this.store.u32;
    this.unlink(f, isClosing(u[f * WORDS + W_MISC]! & 255) ? CLOSING : OPEN);
    this.idx.remove(f);
    u[f * WORDS + W_NEXT] = this.freeHead;
    this.freeHead = f;
    this.active--;
  }

  /** Builds the record for flow f's current segment, oriented initiator → responder. */
  private emit(f: number, reason: EndReason): void {
    const u = this.store.u32;
    const d = this.store.f64;
    const o = f * WORDS;
    const dd = f * DOUBLES;
    const meta = u[o + W_META]!;
    const proto = meta & 0xff;
    const v6 = (meta & META_V6) !== 0;
    const vlan = ((meta >>> 8) & 0x1fff) - 1;
    const ports = u[o + W_PORTS]!;
    const icmp = proto === 1 || proto === 58;
    const aPort = icmp ? 0 : ports >>> 16;
    const bPort = icmp ? ports : ports & 0xffff;
    const misc = u[o + W_MISC]!;
    const s = misc & 255;
    let initB: boolean;
    let how: FlowRecord['initiator'];
    if (s & (HINT_A | HINT_B)) {
      initB = (s & HINT_B) !== 0;
      how = s & HINT_SYN ? 'syn' : 'port';
    } else {
      const responder = icmp ? 0 : responderByPort(proto, aPort, bPort);
      if (responder !== 0) {
        initB = responder === 1;
        how = 'port';
      } else {
        initB = (s & FIRST_B) !== 0;
        how = 'first';
      }
    }
    let a: string;
    let b: string;
    if (v6) {
      const w = this.store.v6;
      const x = f * V6_WORDS;
      a = formatIPv6(w[x]!, w[x + 1]!, w[x + 2]!, w[x + 3]!);
      b = formatIPv6(w[x + 4]!, w[x + 5]!, w[x + 6]!, w[x + 7]!);
    } else {
      a = formatIPv4(u[o + W_A]!);
      b = formatIPv4(u[o + W_B]!);
    }
    const flagsA = (misc >>> 8) & 255;
    const flagsB = (misc >>> 16) & 255;
    const rec: FlowRecord = {
      src: initB ? b : a,
      dst: initB ? a : b,
      proto,
      sport: icmp ? 0 : initB ? bPort : aPort,
      dport: icmp ? bPort : initB ? aPort : bPort,
      packets: initB ? u[o + W_PK_B]! : u[o + W_PK_A]!,
      bytes: initB ? u[o + W_BY_B]! : u[o + W_BY_A]!,
      rpackets: initB ? u[o + W_PK_A]! : u[o + W_PK_B]!,
      rbytes: initB ? u[o + W_BY_A]! : u[o + W_BY_B]!,
      first: Math.floor(d[dd + D_FIRST]!),
      last: Math.floor(d[dd + D_LAST]!),
      tcpFlags: initB ? flagsB : flagsA,
      rtcpFlags: initB ? flagsA : flagsB,
      vlan: vlan >= 0 ? vlan : null,
      end: reason,
      initiator: how,
    };
    if (s & CONT) rec.cont = true;
    const name = this.ifaceNames[misc >>> 24];
    if (name) rec.iface = name;
    this.emitted[reason]++;
    this.sink(rec);
  }

  private append(f: number, list: number, queuedMs: number, minTick = 0): void {
    const u = this.store.u32;
    const o = f * WORDS;
    const t = this.tail[list]!;
    const q = this.tick(queuedMs);
    u[o + W_PREV] = t;
    u[o + W_NEXT] = NONE;
    u[o + W_QUEUED] = q > minTick ? q : minTick;
    if (t !== NONE) u[t * WORDS + W_NEXT] = f;
    else this.head[list] = f;
    this.tail[list] = f;
  }

  private unlink(f: number, list: number): void {
    const u = this.store.u32;
    const o = f * WORDS;
    const pv = u[o + W_PREV]! | 0;
    const nx = u[o + W_NEXT]! | 0;
    if (pv !== NONE) u[pv * WORDS + W_NEXT] = nx;
    else this.head[list] = nx;
    if (nx !== NONE) u[nx * WORDS + W_PREV] = pv;
    else this.tail[list] = pv;
  }

  private grow(): void {
    this.store.grow(Math.min(this.store.capacity * 2, this.opts.maxFlows));
    this.idx.rehash();
  }
}
