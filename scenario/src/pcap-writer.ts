import { closeSync, openSync, writeSync } from 'node:fs';

/** Classic pcap: little-endian, microsecond timestamps, Ethernet. */
export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const LINKTYPE_ETHERNET = 1;
export const PCAP_SNAPLEN = 65535;
const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;

export interface PcapWriterOptions {
  /** Bytes buffered before each synchronous write (default 4 MiB). */
  bufferSize?: number;
}

/**
 * Streaming pcap writer with bounded memory: packets are assembled in one large buffer that is
 * flushed with synchronous writes. Frames can be built in place (`reserve` + `commit`) so the
 * hot path allocates nothing.
 */
export class PcapWriter {
  private readonly fd: number;
  private readonly buf: Buffer;
  private pos = 0;
  private pending = -1;
  private closed = false;
  packets = 0;
  bytes = 0;
  private lastTs = -Infinity;

  constructor(path: string, options: PcapWriterOptions = {}) {
    const size = Math.max(options.bufferSize ?? 4 * 1024 * 1024, RECORD_HEADER + PCAP_SNAPLEN);
    this.buf = Buffer.alloc(size);
    this.fd = openSync(path, 'w');
    const b = this.buf;
    b.writeUInt32LE(PCAP_MAGIC_US, 0);
    b.writeUInt16LE(2, 4); // version 2.4
    b.writeUInt16LE(4, 6);
    b.writeInt32LE(0, 8); // thiszone
    b.writeUInt32LE(0, 12); // sigfigs
    b.writeUInt32LE(PCAP_SNAPLEN, 16);
    b.writeUInt32LE(LINKTYPE_ETHERNET, 20);
    this.pos = GLOBAL_HEADER;
    this.bytes = GLOBAL_HEADER;
  }

  /**
   * Space for one frame of at most `maxLen` bytes: returns the buffer and the offset where the
   * frame's first byte goes. Call `commit` with the real length before the next `reserve`.
   */
  reserve(maxLen: number): { buf: Buffer; offset: number } {
    this.reserveAt(maxLen);
    return { buf: this.buf, offset: this.pending + RECORD_HEADER };
  }

  /** Like `reserve` but returns only the frame offset into `buffer` (no allocation). */
  reserveAt(maxLen: number): number {
    if (this.closed) throw new Error('pcap writer is closed');
    if (maxLen > PCAP_SNAPLEN) throw new Error(`frame of ${maxLen} bytes exceeds the snaplen`);
    if (this.pos + RECORD_HEADER + maxLen > this.buf.length) this.flush();
    this.pending = this.pos;
    return this.pos + RECORD_HEADER;
  }

  /** The writer's buffer, for building frames in place after `reserveAt`. */
  get buffer(): Buffer {
    return this.buf;
  }

  /** Finishes the reserved frame: `tsUs` is the packet time in microseconds since the epoch. */
  commit(tsUs: number, len: number): void {
    const at = this.pending;
    if (at < 0) throw new Error('commit without reserve');
    if (tsUs < this.lastTs) throw new Error(`packet timestamps went backwards (${tsUs} < ${this.lastTs})`);
    this.lastTs = tsUs;
    const sec = Math.floor(tsUs / 1e6);
    const b = this.buf;
    b.writeUInt32LE(sec, at);
    b.writeUInt32LE(tsUs - sec * 1e6, at + 4);
    b.writeUInt32LE(len, at + 8);
    b.writeUInt32LE(len, at + 12);
    this.pos = at + RECORD_HEADER + len;
    this.pending = -1;
    this.packets++;
    this.bytes += RECORD_HEADER + len;
  }

  /** Copies a ready-made frame. */
  write(tsUs: number, frame: Uint8Array): void {
    const off = this.reserveAt(frame.length);
    this.buf.set(frame, off);
    this.commit(tsUs, frame.length);
  }

  private flush(): void {
    let off = 0;
    while (off < this.pos) off += writeSync(this.fd, this.buf, off, this.pos - off);
    this.pos = 0;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    closeSync(this.fd);
    this.closed = true;
  }
}
