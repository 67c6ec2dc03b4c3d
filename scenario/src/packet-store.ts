/**
 * Every planned packet in compact columns (about 20 bytes each), appended conversation by
 * conversation while planning. The writer replays them, so the truth (computed from the same
 * columns) is exactly what goes on the wire, and no packet is generated twice.
 */
export class PacketStore {
  size = 0;
  t: Float64Array;
  seq: Uint32Array;
  ack: Uint32Array;
  payload: Uint16Array;
  flags: Uint8Array;
  /** bit 0: direction (1 = server→client); bit 1: MSS option present. */
  meta: Uint8Array;

  constructor(capacity = 1 << 16) {
    this.t = new Float64Array(capacity);
    this.seq = new Uint32Array(capacity);
    this.ack = new Uint32Array(capacity);
    this.payload = new Uint16Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.meta = new Uint8Array(capacity);
  }

  private grow(): void {
    const cap = this.t.length * 2;
    const g = <T extends Float64Array | Uint32Array | Uint16Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.t = g(this.t, (n) => new Float64Array(n));
    this.seq = g(this.seq, (n) => new Uint32Array(n));
    this.ack = g(this.ack, (n) => new Uint32Array(n));
    this.payload = g(this.payload, (n) => new Uint16Array(n));
    this.flags = g(this.flags, (n) => new Uint8Array(n));
    this.meta = g(this.meta, (n) => new Uint8Array(n));
  }

  /** Appends a packet (for ICMP, `seq` carries the echo sequence number); returns its index. */
  push(t: number, dir: 0 | 1, flags: number, seq: number, ack: number, payload: number, mss: boolean): number {
    if (this.size === this.t.length) this.grow();
    const i = this.size++;
    this.t[i] = t;
    this.seq[i] = seq;
    this.ack[i] = ack;
    this.payload[i] = payload;
    this.flags[i] = flags;
    this.meta[i] = dir | (mss ? 2 : 0);
    return i;
  }
}
