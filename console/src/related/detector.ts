import type { EdgeKey } from '../catalog/catalog.js';
import { RELATED_KINDS, controlMask, dataMask } from './kinds.js';

/** What the detector reads of a flow record. */
export interface FlowEnds {
  src: string;
  dst: string;
  proto: number;
  sport: number;
  dport: number;
  first: number;
  last: number;
  cont?: boolean;
}

/** A data connection recognised as following a control connection. */
export interface RelatedMatch {
  /** Index into RELATED_KINDS, from 1. */
  kind: number;
  data: EdgeKey;
  control: EdgeKey;
}

/** A control connection (or several close together, merged), kept per host pair. */
export interface Control {
  kind: number;
  proto: number;
  sport: number;
  first: number;
  last: number;
}

interface Pending {
  mask: number;
  src: string;
  dst: string;
  proto: number;
  dport: number;
  first: number;
}

interface PairState {
  controls: Control[];
  pending: Pending[];
  newest: number;
}

export interface DetectorOptions {
  /** A data connection must start at most this long after its control connection's last packet. */
  followMs: number;
  /** ... and no more than this before the control's first packet (clock skew between probes). */
  skewMs: number;
  /** State older than this (record time) is forgotten: the longest a record can arrive late. */
  retainMs: number;
  /** Data connections waiting for a control record that is emitted later (a long FTP control session). */
  maxPending: number;
  maxControlsPerPair: number;
}

export const DEFAULT_DETECTOR_OPTIONS: DetectorOptions = {
  followMs: 15_000,
  skewMs: 2_000,
  // A probe emits a long control connection at its active timeout (30 min) or idle end (5 min).
  retainMs: 2 * 3_600_000,
  maxPending: 200_000,
  maxControlsPerPair: 16,
};

const pairKey = (a: string, b: string) => `${a}|${b}`;

/**
 * Recognises control/data pairs from flow records alone. Per host pair it keeps the recent
 * control connections (merged when close in time); a candidate data connection matches one when
 * it starts within [control first - skew, control last + follow]. Records arrive in emission
 * order, not start order — a passive FTP data connection ends (and is emitted) before its control
 * connection — so candidates without a control yet wait, bounded, until one arrives or they age
 * out. Pure: time is the records' own clock; persistence is the caller's (dirty pairs).
 */
export class RelatedDetector {
  private readonly pairs = new Map<string, PairState>();
  private readonly dirty = new Set<string>();
  clock = -Infinity;
  private pendingCount = 0;
  readonly counters = { controls: 0, candidates: 0, matched: 0, pendingDropped: 0 };

  constructor(private readonly o: DetectorOptions = DEFAULT_DETECTOR_OPTIONS) {}

  get pending(): number {
    return this.pendingCount;
  }

  observe(r: FlowEnds, out: RelatedMatch[]): void {
    if (r.last > this.clock) this.clock = r.last;
    const cm = controlMask(r.proto, r.dport);
    if (cm !== 0) {
      for (let i = 0; i < RELATED_KINDS.length; i++) if (cm & (1 << i)) this.control(r, i + 1, out);
      return;
    }
    if (r.cont) return; // a continuation's first packet is not the connection's start
    const dm = dataMask(r.proto, r.sport, r.dport);
    if (dm === 0) return;
    this.counters.candidates++;
    let same = 0;
    let reverse = 0;
    for (let i = 0; i < RELATED_KINDS.length; i++) {
      if (!(dm & (1 << i))) continue;
      if (RELATED_KINDS[i]!.data.reverse) reverse |= 1 << i;
      else same |= 1 << i;
    }
    if (same && this.candidate(pairKey(r.src, r.dst), same, r, out)) return;
    if (reverse) this.candidate(pairKey(r.dst, r.src), reverse, r, out);
  }

  private state(key: string, t: number): PairState {
    let s = this.pairs.get(key);
    if (s)
      this.pairs.delete(key); // re-inserted last: the map stays in touch order for pruning
    else s = { controls: [], pending: [], newest: t };
    if (t > s.newest) s.newest = t;
    this.pairs.set(key, s);
    return s;
  }

  private fits(c: Control, kind: number, p: { first: number; dport: number }): boolean {
    if (c.kind !== kind) return false;
    if (p.first < c.first - this.o.skewMs || p.first > c.last + this.o.followMs) return false;
    return !RELATED_KINDS[kind - 1]!.data.toControlPort || p.dport === c.sport;
  }

  private control(r: FlowEnds, kind: number, out: RelatedMatch[]): void {
    this.counters.controls++;
    const key = pairKey(r.src, r.dst);
    const s = this.state(key, r.last);
    const exact = RELATED_KINDS[kind - 1]!.data.toControlPort === true;
    const near = s.controls.find(
      (c) =>
        c.kind === kind && c.proto === r.proto && (!exact || c.sport === r.sport) && r.first <= c.last + this.o.followMs && r.last >= c.first - this.o.followMs,
    );
    let c: Control;
    if (near) {
      c = near;
      c.first = Math.min(c.first, r.first);
      c.last = Math.max(c.last, r.last);
    } else {
      c = { kind, proto: r.proto, sport: r.sport, first: r.first, last: r.last };
      s.controls.push(c);
      if (s.controls.length > this.o.maxControlsPerPair) {
        s.controls.sort((a, b) => a.last - b.last);
        s.controls.shift();
      }
    }
    this.dirty.add(key);
    // Data connections that were emitted before this control record.
    const bit = 1 << (kind - 1);
    const keep: Pending[] = [];
    for (const p of s.pending) {
      if (p.mask & bit && this.fits(c, kind, p)) {
        this.match(kind, p, c, out);
        this.pendingCount--;
      } else keep.push(p);
    }
    s.pending = keep;
  }

  private candidate(key: string, mask: number, r: FlowEnds, out: RelatedMatch[]): boolean {
    const s = this.pairs.get(key);
    if (s) {
      for (let i = 0; i < RELATED_KINDS.length; i++) {
        if (!(mask & (1 << i))) continue;
        const c = s.controls.find((x) => this.fits(x, i + 1, { first: r.first, dport: r.dport }));
        if (c) {
          this.match(i + 1, r, c, out);
          return true;
        }
      }
    }
    if (this.pendingCount >= this.o.maxPending) {
      this.counters.pendingDropped++;
      return false;
    }
    this.state(key, r.first).pending.push({ mask, src: r.src, dst: r.dst, proto: r.proto, dport: r.dport, first: r.first });
    this.pendingCount++;
    return false;
  }

  private match(kind: number, d: { src: string; dst: string; proto: number; dport: number }, c: Control, out: RelatedMatch[]): void {
    const k = RELATED_KINDS[kind - 1]!;
    this.counters.matched++;
    const [a, b] = k.data.reverse ? [d.dst, d.src] : [d.src, d.dst];
    out.push({ kind, data: { src: d.src, dst: d.dst, proto: d.proto, port: d.dport }, control: { src: a, dst: b, proto: c.proto, port: k.control.port } });
  }

  /** Forgets what is older than the retention (by the records' clock): whole pairs, oldest touched first. */
  prune(): void {
    const horizon = this.clock - this.o.retainMs;
    for (const [key, s] of this.pairs) {
      if (s.newest >= horizon) {
        // Touch order roughly follows time: the rest are fresher. Trim this one and stop.
        this.trim(key, s, horizon);
        break;
      }
      this.pairs.delete(key);
      this.pendingCount -= s.pending.length;
      if (s.controls.length > 0) this.dirty.add(key);
    }
  }

  private trim(key: string, s: PairState, horizon: number): void {
    const n = s.controls.length;
    s.controls = s.controls.filter((c) => c.last >= horizon);
    if (s.controls.length !== n) this.dirty.add(key);
    const m = s.pending.length;
    s.pending = s.pending.filter((p) => p.first >= horizon);
    this.pendingCount -= m - s.pending.length;
  }

  /** Pairs whose control connections changed since the last call: their controls, or null once gone. */
  takeDirty(): Array<[string, Control[] | null]> {
    const out: Array<[string, Control[] | null]> = [];
    for (const key of this.dirty) {
      const s = this.pairs.get(key);
      out.push([key, s && s.controls.length > 0 ? s.controls.map((c) => ({ ...c })) : null]);
    }
    this.dirty.clear();
    return out;
  }

  /** Control connections persisted earlier (start). */
  restore(key: string, controls: Control[]): void {
    const s = this.state(key, Math.max(...controls.map((c) => c.last)));
    s.controls = controls.map((c) => ({ ...c }));
    for (const c of controls) if (c.last > this.clock) this.clock = c.last;
  }
}
