import type { FileWindow } from './file-window.js';
import { u16, u32 } from './bytes.js';
import { CaptureFileError, MAX_RECORD, type PacketHandler, type CaptureInterface } from './types.js';

const SHB = 0x0a0d0d0a;
const IDB = 1;
const OPB = 2; // obsolete Packet Block
const SPB = 3;
const EPB = 6;
const MAX_BLOCK = 16 << 20;

interface NgInterface extends CaptureInterface {
  /** Milliseconds per timestamp unit. */
  msPerUnit: number;
  /** Added to every timestamp (if_tsoffset), ms. */
  offsetMs: number;
}

/**
 * pcapng: any number of sections (each with its own byte order), several interfaces with
 * their own link types and timestamp resolutions; EPB, SPB and the obsolete Packet Block
 * carry packets; every other block type is skipped.
 */
export class PcapngParser {
  /** Interfaces of all sections, in order of appearance; ifIndex passed to handlers indexes this. */
  readonly interfaces: CaptureInterface[] = [];
  private section: NgInterface[] = [];
  private sectionBase = 0;
  private le = true;
  /** The timestamp of the packet being handed out, ms. */
  readonly clock = new Float64Array(1);
  caplenOverLen = 0;
  skippedBlocks = 0;

  constructor(
    private readonly w: FileWindow,
    private readonly file: string,
  ) {}

  private u16(o: number): number {
    return u16(this.w.buf, o, this.le);
  }

  private u32(o: number): number {
    return u32(this.w.buf, o, this.le);
  }

  private fail(problem: string): never {
    throw new CaptureFileError(this.file, this.w.offset, problem);
  }

  step(handler: PacketHandler, max: number): boolean {
    const w = this.w;
    for (let n = 0; n < max;) {
      if (!w.ensure(12)) {
        if (w.available === 0) return false;
        this.fail(`truncated block header (${w.available} bytes left)`);
      }
      const p = w.pos;
      const b = w.buf;
      let type = this.u32(p);
      if (type === SHB) {
        const bom = ((b[p + 8]! << 24) | (b[p + 9]! << 16) | (b[p + 10]! << 8) | b[p + 11]!) >>> 0;
        if (bom === 0x4d3c2b1a) this.le = true;
        else if (bom === 0x1a2b3c4d) this.le = false;
        else this.fail(`bad section byte-order magic 0x${bom.toString(16)}`);
        type = SHB;
      }
      const len = this.u32(p + 4);
      if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK) this.fail(`bad block length ${len} for block type 0x${type.toString(16)}`);
      if (!w.ensure(len)) this.fail(`truncated block (${w.available} of ${len} bytes)`);
      const q = w.pos; // ensure may have moved the data
      if (this.u32(q + len - 4) !== len) this.fail(`block length ${len} does not match its trailing copy`);
      switch (type) {
        case SHB:
          this.readShb(q, len);
          break;
        case IDB:
          this.readIdb(q, len);
          break;
        case EPB:
        case OPB: {
          const hdr = 28; // EPB and the obsolete Packet Block share this layout
          if (len < hdr + 4) this.fail('packet block too short');
          const ifId = type === EPB ? this.u32(q + 8) : this.u16(q + 8);
          const caplen = this.u32(q + 20);
          const orig = this.u32(q + 24);
          if (caplen > len - hdr - 4 || caplen > MAX_RECORD) this.fail(`packet block captured length ${caplen} exceeds the block`);
          const iface = this.section[ifId];
          if (!iface) this.fail(`packet for undefined interface ${ifId}`);
          const units = this.u32(q + 12) * 4294967296 + this.u32(q + 16);
          const ts = units * iface.msPerUnit + iface.offsetMs;
          this.clock[0] = ts;
          if (caplen > orig) this.caplenOverLen++;
          handler(w.buf, q + hdr, caplen, orig > caplen ? orig : caplen, iface.linktype, this.sectionBase + ifId);
          n++;
          break;
        }
        case SPB: {
          const iface = this.section[0];
          if (!iface) this.fail('simple packet block before any interface');
          if (len < 16) this.fail('simple packet block too short');
          const orig = this.u32(q + 8);
          let caplen = Math.min(orig, len - 16);
          if (iface.snaplen > 0) caplen = Math.min(caplen, iface.snaplen);
          // SPBs carry no timestamp: the previous packet's time (still in the clock) is the best we have.
          handler(w.buf, q + 12, caplen, orig, iface.linktype, this.sectionBase);
          n++;
          break;
        }
        default:
          this.skippedBlocks++;
      }
      w.pos = q + len;
    }
    return true;
  }

  private readShb(q: number, len: number): void {
    if (len < 28) this.fail('section header block too short');
    const major = this.u16(q + 12);
    if (major !== 1) this.fail(`unsupported pcapng version ${major}.${this.u16(q + 14)}`);
    this.checkOptions(q + 24, q + len - 4);
    this.sectionBase = this.interfaces.length;
    this.section = [];
  }

  private readIdb(q: number, len: number): void {
    if (len < 20) this.fail('interface description block too short');
    const iface: NgInterface = { linktype: this.u16(q + 8), name: null, snaplen: this.u32(q + 12), msPerUnit: 1e-3, offsetMs: 0 };
    const end = q + len - 4;
    for (let o = q + 16; o + 4 <= end;) {
      const code = this.u16(o);
      const olen = this.u16(o + 2);
      if (code === 0) break;
      if (o + 4 + olen > end) this.fail(`interface option ${code} of length ${olen} overruns its block`);
      const v = o + 4;
      if (code === 2 && olen > 0)
        iface.name = Buffer.from(this.w.buf.subarray(v, v + olen))
          .toString('utf8')
          .replace(/\0+$/, '');
      else if (code === 9 && olen >= 1) {
        const r = this.w.buf[v]!;
        // if_tsresol: MSB clear -> 10^-n seconds, set -> 2^-n seconds.
        const unitsPerSec = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r;
        iface.msPerUnit = 1000 / unitsPerSec;
      } else if (code === 14 && olen >= 8) {
        const hi = this.u32(v);
        const lo = this.u32(v + 4);
        iface.offsetMs = (this.le ? lo * 4294967296 + hi : hi * 4294967296 + lo) * 1000;
      }
      o = v + ((olen + 3) & ~3);
    }
    this.section.push(iface);
    this.interfaces.push(iface);
  }

  /** Options must fit inside their block; a corrupt option length means a corrupt section. */
  private checkOptions(from: number, end: number): void {
    for (let o = from; o + 4 <= end;) {
      const code = this.u16(o);
      const olen = this.u16(o + 2);
      if (code === 0) return;
      if (o + 4 + olen > end) this.fail(`section option ${code} of length ${olen} overruns its block`);
      o += 4 + ((olen + 3) & ~3);
    }
  }
}
