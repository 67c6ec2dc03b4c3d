/**
 * Export sequence numbers of one transport session (exporter address and port) and observation
 * domain / source id. What a number counts depends on the protocol: NetFlow v5 counts flow
 * records, NetFlow v9 export packets, IPFIX data records. `add` takes a message's sequence number
 * and how many of those units it carries.
 *
 * UDP reorders, so a gap is not loss until it is old: we keep the missing ranges ("holes") of the
 * last `window` units; a late message fills its hole (counted `late`). `lost` is every hole,
 * pending or final: at any moment, what we have not received. Holes older than the window are
 * final and forgotten (memory stays bounded). A jump backwards by more than `resetBehind` is an
 * exporter restart (its counter started again), not loss; nor is the gap after a message whose
 * size we could not tell (data for an unknown template): we resynchronise on the next one.
 */
export class SequenceTracker {
  /** Unwrapped sequence number just after the highest unit received; NaN before the first message. */
  private highest = NaN;
  /** Unwrapped sequence number of the lowest unit received (the first message, or a late one before it). */
  private low = NaN;
  private holes: Array<[number, number]> = [];
  private pendingLost = 0;
  private finalLost = 0;
  private resync = false;
  late = 0;
  duplicates = 0;
  resets = 0;

  constructor(
    private readonly window: number,
    private readonly resetBehind = Math.max(window * 4, 10_000),
  ) {}

  get lost(): number {
    return this.finalLost + this.pendingLost;
  }

  /** `units` undefined: the message's size is unknown, so the gap after it cannot be judged. */
  add(seq: number, units: number | undefined): void {
    const n = units ?? 0;
    if (Number.isNaN(this.highest)) {
      this.low = seq;
      this.highest = seq + n;
      this.resync = units === undefined;
      return;
    }
    // Unwrap the 32-bit counter around where we are.
    const d = (seq - (this.highest % 4294967296)) | 0;
    const s = this.highest + d;
    if (d < -this.resetBehind) {
      this.resets++;
      this.finalize(Infinity);
      this.low = seq;
      this.highest = seq + n;
      this.resync = units === undefined;
      return;
    }
    if (s >= this.highest) {
      if (s > this.highest && !this.resync) {
        this.holes.push([this.highest, s]);
        this.pendingLost += s - this.highest;
      }
      this.highest = s + n;
      this.resync = units === undefined;
      this.finalize(this.highest - this.window);
      return;
    }
    // A message carrying no counted units (IPFIX templates only) fills nothing: late, nothing more.
    if (n === 0) {
      this.late++;
      return;
    }
    const e = s + n;
    if (s < this.low && s >= this.highest - this.window) {
      // Sent before the first message we saw, arriving after it: what lies between is missing too.
      if (e < this.low) {
        this.holes.unshift([e, this.low]);
        this.pendingLost += this.low - e;
      }
      this.low = s;
      this.late++;
    } else if (this.fill(s, e)) this.late++;
    else this.duplicates++;
  }

  /** Removes [s, e) from the holes; true when it filled any. */
  private fill(s: number, e: number): boolean {
    let filled = false;
    const next: Array<[number, number]> = [];
    for (const [hs, he] of this.holes) {
      if (e <= hs || s >= he) {
        next.push([hs, he]);
        continue;
      }
      filled = true;
      const from = Math.max(s, hs);
      const to = Math.min(e, he);
      this.pendingLost -= to - from;
      if (hs < from) next.push([hs, from]);
      if (to < he) next.push([to, he]);
    }
    this.holes = next;
    return filled;
  }

  /** Holes ending at or below `floor` become final. */
  private finalize(floor: number): void {
    while (this.holes.length > 0 && this.holes[0]![1] <= floor) {
      const [hs, he] = this.holes.shift()!;
      this.pendingLost -= he - hs;
      this.finalLost += he - hs;
    }
  }
}

/** Reorder windows, in each protocol's units: about 100 export packets' worth. */
export const SEQUENCE_WINDOW = { v5: 3000, v9: 100, ipfix: 5000 } as const;

/**
 * IPFIX sequence numbers, read the way the exporter actually numbers them. RFC 7011 (section 3.1)
 * counts the data records sent before the message, options data records included; softflowd
 * 1.1.0 counts them up to and including the message and leaves options records out; others get
 * one of the two halves wrong. We count loss under all four conventions side by side and report
 * the one the exporter's numbers follow best (the RFC's unless another fits at least two more
 * messages): a wrong convention shows as a steady trickle of "loss" that is only numbering.
 */
export class IpfixSequence {
  private readonly score = [0, 0, 0, 0];
  private readonly trackers: SequenceTracker[];
  private prev: [number, number, number] | null = null;
  private first = true;

  constructor(window: number) {
    this.trackers = [0, 1, 2, 3].map(() => new SequenceTracker(window));
  }

  /** The tracker of the convention the exporter follows. */
  get t(): SequenceTracker {
    let best = RFC;
    for (let m = 1; m < 4; m++) if (this.score[m]! > this.score[best]!) best = m;
    // Leave the RFC's reading only on evidence: two more messages numbered the other way.
    return this.trackers[this.score[best]! >= this.score[RFC]! + 2 ? best : RFC]!;
  }

  /** `all`: data records including options data; `data`: without. Undefined when the message could not be fully decoded. */
  add(seq: number, all: number | undefined, data: number | undefined): void {
    if (all === undefined || data === undefined) {
      this.prev = null;
      for (const t of this.trackers) t.add(seq, undefined);
      return;
    }
    const msg: [number, number, number] = [seq, all, data];
    if (this.prev) for (let m = 0; m < 4; m++) if (seq === expected(m, this.prev, msg)) this.score[m]!++;
    if (this.first && seq !== 0 && all !== 0) {
      // A session's first message numbers its own records under the inclusive conventions (an
      // exporter that just started has sent nothing before it); joining mid-stream, a sequence
      // number equal to the message's record count is unlikely.
      if (seq === all) this.score[INCLUSIVE]!++;
      if (seq === data) this.score[INCLUSIVE_NO_OPTIONS]!++;
    }
    this.first = false;
    this.prev = msg;
    for (let m = 0; m < 4; m++) {
      const units = m === RFC || m === INCLUSIVE ? all : data;
      const start = m === INCLUSIVE || m === INCLUSIVE_NO_OPTIONS ? seq - units : seq;
      this.trackers[m]!.add(start >>> 0, units);
    }
  }
}

const RFC = 0;
const NO_OPTIONS = 1;
const INCLUSIVE = 2;
const INCLUSIVE_NO_OPTIONS = 3;

/** The sequence number `cur` should carry after `prev` under convention `m`. */
function expected(m: number, prev: [number, number, number], cur: [number, number, number]): number {
  const [seq, all, data] = prev;
  if (m === RFC) return (seq + all) >>> 0;
  if (m === NO_OPTIONS) return (seq + data) >>> 0;
  if (m === INCLUSIVE) return (seq + cur[1]) >>> 0;
  return (seq + cur[2]) >>> 0;
}
