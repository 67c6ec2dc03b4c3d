import type { FileWindow } from './file-window.js';
import { u16, u32 } from './bytes.js';
import { CaptureFileError, MAX_RECORD, type PacketHandler, type CaptureInterface } from './types.js';

/** Classic libpcap format: micro- or nanosecond magic, either byte order. */
export class PcapParser {
  readonly interfaces: CaptureInterface[];
  private readonly le: boolean;
  private readonly msPerFrac: number;
  private readonly linktype: number;
  /** Records whose captured length exceeds the original length (tolerated, counted). */
  caplenOverLen = 0;
  /** The timestamp of the packet being handed out, ms. */
  readonly clock = new Float64Array(1);

  constructor(
    private readonly w: FileWindow,
    private readonly file: string,
  ) {
    const b = w.buf;
    if (!w.ensure(24)) throw new CaptureFileError(file, w.available, 'truncated pcap file header');
    const magic = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    // Bytes d4 c3 b2 a1 (µs) / 4d 3c b2 a1 (ns) are little-endian files.
    this.le = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
    const nano = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
    this.msPerFrac = nano ? 1e-6 : 1e-3;
    const major = this.u16(4);
    if (major !== 2) throw new CaptureFileError(file, 4, `unsupported pcap version ${major}.${this.u16(6)} (only 2.x exists)`);
    const snaplen = this.u32(16);
    // The upper bits of the link-type field carry FCS information (pcap-savefile(5)).
    this.linktype = this.u32(20) & 0x0fffffff;
    this.interfaces = [{ linktype: this.linktype, name: null, snaplen }];
    w.pos = 24;
  }

  private u16(o: number): number {
    return u16(this.w.buf, o, this.le);
  }

  private u32(o: number): number {
    return u32(this.w.buf, o, this.le);
  }

  /** Reads up to `max` packets; returns false once the file is exhausted. */
  step(handler: PacketHandler, max: number): boolean {
    const w = this.w;
    const linktype = this.linktype;
    const le = this.le;
    const msPerFrac = this.msPerFrac;
    const clock = this.clock;
    for (let n = 0; n < max; n++) {
      if (w.end - w.pos < 16 && !w.ensure(16)) {
        if (w.available === 0) return false;
        throw new CaptureFileError(this.file, w.offset, `truncated packet record header (${w.available} of 16 bytes)`);
      }
      let b = w.buf;
      let p = w.pos;
      // Record header read inline: this loop runs once per packet.
      const sec = le
        ? (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0
        : ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
      const frac = le
        ? (b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16) | (b[p + 7]! << 24)) >>> 0
        : ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0;
      const incl = le
        ? (b[p + 8]! | (b[p + 9]! << 8) | (b[p + 10]! << 16) | (b[p + 11]! << 24)) >>> 0
        : ((b[p + 8]! << 24) | (b[p + 9]! << 16) | (b[p + 10]! << 8) | b[p + 11]!) >>> 0;
      const orig = le
        ? (b[p + 12]! | (b[p + 13]! << 8) | (b[p + 14]! << 16) | (b[p + 15]! << 24)) >>> 0
        : ((b[p + 12]! << 24) | (b[p + 13]! << 16) | (b[p + 14]! << 8) | b[p + 15]!) >>> 0;
      if (incl > MAX_RECORD)
        throw new CaptureFileError(this.file, w.offset, `packet record claims ${incl} bytes, more than the ${MAX_RECORD}-byte maximum (corrupt file)`);
      if (w.end - p < 16 + incl) {
        if (!w.ensure(16 + incl)) throw new CaptureFileError(this.file, w.offset, `truncated packet record (${w.available - 16} of ${incl} bytes)`);
        b = w.buf;
        p = w.pos;
      }
      if (incl > orig) this.caplenOverLen++;
      clock[0] = sec * 1000 + frac * msPerFrac;
      handler(b, p + 16, incl, orig > incl ? orig : incl, linktype, 0);
      w.pos = p + 16 + incl;
    }
    return true;
  }
}
