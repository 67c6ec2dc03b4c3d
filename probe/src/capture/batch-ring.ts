import { BATCH_SIZE, PacketBatch } from '../flowtable/packet-batch.js';

// Keyed packet batches from one thread to another through a SharedArrayBuffer: `probe read` on
// two cores decodes on one thread and counts flows on the other (pipelined-read.ts). One producer,
// one consumer, fixed slots; each side blocks with Atomics.wait only when the ring is full (or
// empty), so in the steady state handing over a batch is a copy of its columns and one store.
// Hand-written: a MessagePort would copy and allocate per batch, and no package offers a
// blocking typed-array ring for worker_threads.

/** Slots in the ring: 256 batches of 256 packets (4.4 MiB of shared memory, resident as used): what is decoded while the table's thread starts. */
export const RING_SLOTS = 256;

/** A waiting consumer is woken once this many slots wait for it (or at the end): fewer wake-ups. */
const WAKE_AFTER = 8;

// Control words (Int32): how many slots were written, how many read, a failure flag, the count of
// written slots a sleeping consumer waits for (0: awake), and whether the producer sleeps.
const C_WRITTEN = 0;
const C_READ = 1;
const C_FAILED = 2;
const C_WANT = 3;
const C_PRODUCER_WAITS = 4;
const C_STARTED = 5;

/** How long a producer waits for a consumer that never started (its thread failed to load). */
const START_TIMEOUT_MS = 10_000;
const CONTROL_BYTES = 64;

// Per slot: header (length, flags, tick time) then the columns of PacketBatch.
const F_TICK = 1;
const F_END = 2;
const F_V6 = 4;
const HEADER_BYTES = 16;
/** Bytes of one slot's columns: five int32 key columns, IPv6 addresses (8 words), time (float64), bytes and info. */
const SLOT_BYTES = HEADER_BYTES + BATCH_SIZE * (5 * 4 + 32 + 8 + 4 + 4);

/** The columns of a batch, in a PacketBatch or in a slot of the ring. */
interface Columns {
  a: Int32Array;
  b: Int32Array;
  ports: Int32Array;
  meta: Int32Array;
  hash: Int32Array;
  v6: Int32Array;
  ts: Float64Array;
  bytes: Uint32Array;
  info: Int32Array;
}

/** What a slot carried besides its packets. */
export interface Taken {
  /** Packet time (ms) at which time passes for the table after the packets (NaN: none). */
  tick: number;
  /** The producer is done: no slot follows. */
  end: boolean;
}

/** Raised in the producer when the consumer reported that it failed (it will read no more). */
export class RingConsumerFailed extends Error {
  constructor() {
    super('the flow table thread failed');
  }
}

interface SlotViews {
  header: Int32Array;
  tick: Float64Array;
  cols: Columns;
}

/** Views of slot `s`'s header and columns in the ring's shared memory. */
function slotViews(sab: SharedArrayBuffer, s: number): SlotViews {
  let at = CONTROL_BYTES + s * SLOT_BYTES;
  /** The offset of the next `bytes` of the slot. */
  const place = (bytes: number) => {
    const o = at;
    at += bytes;
    return o;
  };
  const header = new Int32Array(sab, place(8), 2);
  const tick = new Float64Array(sab, place(8), 1);
  const N = BATCH_SIZE;
  const cols: Columns = {
    a: new Int32Array(sab, place(N * 4), N),
    b: new Int32Array(sab, place(N * 4), N),
    ports: new Int32Array(sab, place(N * 4), N),
    meta: new Int32Array(sab, place(N * 4), N),
    hash: new Int32Array(sab, place(N * 4), N),
    v6: new Int32Array(sab, place(N * 32), N * 8),
    ts: new Float64Array(sab, place(N * 8), N),
    bytes: new Uint32Array(sab, place(N * 4), N),
    info: new Int32Array(sab, place(N * 4), N),
  };
  return { header, tick, cols };
}

/** Copies whole columns (no subarray objects per batch); the IPv6 addresses only when `v6`. */
function copyColumns(to: Columns, from: Columns, v6: boolean): void {
  to.a.set(from.a);
  to.b.set(from.b);
  to.ports.set(from.ports);
  to.meta.set(from.meta);
  to.hash.set(from.hash);
  to.ts.set(from.ts);
  to.bytes.set(from.bytes);
  to.info.set(from.info);
  if (v6) to.v6.set(from.v6);
}

export class BatchRing {
  readonly sab: SharedArrayBuffer;
  private readonly control: Int32Array;
  private readonly slots: SlotViews[];
  private written = 0;
  private read = 0;

  /** A new ring (no argument) or the other end of an existing one. */
  constructor(sab?: SharedArrayBuffer) {
    this.sab = sab ?? new SharedArrayBuffer(CONTROL_BYTES + RING_SLOTS * SLOT_BYTES);
    this.control = new Int32Array(this.sab, 0, 8);
    this.slots = Array.from({ length: RING_SLOTS }, (_, s) => slotViews(this.sab, s));
  }

  /**
   * Producer: hands over the batch's packets (then empties it), with a tick after them (`tick`,
   * NaN for none) and whether this is the last slot. Blocks while the ring is full.
   */
  put(batch: PacketBatch, tick: number, end: boolean): void {
    const c = this.control;
    let since = 0;
    for (;;) {
      const read = Atomics.load(c, C_READ);
      if (this.written - read < RING_SLOTS) break;
      if (Atomics.load(c, C_FAILED) !== 0) throw new RingConsumerFailed();
      if (Atomics.load(c, C_STARTED) === 0) {
        // the producer starts before the consumer's thread has loaded; one that never does fails
        since ||= Date.now();
        if (Date.now() - since > START_TIMEOUT_MS) throw new RingConsumerFailed();
      }
      Atomics.store(c, C_PRODUCER_WAITS, 1);
      Atomics.wait(c, C_READ, read, 1000);
    }
    const slot = this.slots[this.written % RING_SLOTS]!;
    const n = batch.length;
    const v6 = hasV6(batch);
    copyColumns(slot.cols, batch, v6);
    slot.header[0] = n;
    slot.header[1] = (tick === tick ? F_TICK : 0) | (end ? F_END : 0) | (v6 ? F_V6 : 0);
    slot.tick[0] = tick;
    batch.length = 0;
    Atomics.store(c, C_WRITTEN, ++this.written);
    const want = Atomics.load(c, C_WANT);
    if (want !== 0 && (this.written >= want || end)) {
      Atomics.store(c, C_WANT, 0);
      Atomics.notify(c, C_WRITTEN);
    }
  }

  /** Consumer: fills `into` with the next slot's packets (blocking while the ring is empty). */
  take(into: PacketBatch): Taken {
    const c = this.control;
    while (Atomics.load(c, C_WRITTEN) === this.read) {
      Atomics.store(c, C_WANT, this.read + WAKE_AFTER);
      Atomics.wait(c, C_WRITTEN, this.read);
    }
    const slot = this.slots[this.read % RING_SLOTS]!;
    const n = slot.header[0]!;
    const flags = slot.header[1]!;
    copyColumns(into, slot.cols, (flags & F_V6) !== 0);
    into.length = n;
    const taken = { tick: flags & F_TICK ? slot.tick[0]! : NaN, end: (flags & F_END) !== 0 };
    Atomics.store(c, C_READ, ++this.read);
    if (Atomics.load(c, C_PRODUCER_WAITS) !== 0) {
      Atomics.store(c, C_PRODUCER_WAITS, 0);
      Atomics.notify(c, C_READ);
    }
    return taken;
  }

  /** Consumer: it is running (a producer that filled the ring before waits for it, not forever). */
  started(): void {
    Atomics.store(this.control, C_STARTED, 1);
  }

  /** Consumer: it stopped reading (an error); the producer's next put() that would wait throws. */
  fail(): void {
    Atomics.store(this.control, C_FAILED, 1);
    Atomics.notify(this.control, C_READ);
  }
}

/** Whether any packet of the batch is IPv6 (its addresses are then in the v6 column). */
function hasV6(batch: PacketBatch): boolean {
  const meta = batch.meta;
  for (let i = 0, n = batch.length; i < n; i++) if (meta[i]! & 0x200000 /* META_V6 */) return true;
  return false;
}
