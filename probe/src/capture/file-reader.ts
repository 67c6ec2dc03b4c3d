import { FileWindow } from './file-window.js';
import { PcapParser } from './pcap.js';
import { PcapngParser } from './pcapng.js';
import { CaptureFileError, type CaptureInterface, type PacketHandler } from './types.js';

export type CaptureFormat = 'pcap' | 'pcapng';

/**
 * Streams packets out of a pcap or pcapng file (format picked by magic number, not name).
 * `step()` reads a bounded number of packets so callers can yield between steps.
 */
export class CaptureFileReader {
  readonly format: CaptureFormat;
  private readonly w: FileWindow;
  private readonly parser: PcapParser | PcapngParser;
  private done = false;

  constructor(readonly path: string) {
    try {
      this.w = new FileWindow(path);
    } catch (e) {
      const code = (e as { code?: string }).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
      throw new CaptureFileError(path, null, why);
    }
    try {
      if (!this.w.ensure(4)) throw new CaptureFileError(path, null, this.w.size === 0 ? 'empty file, not a capture' : 'too short to be a capture file');
      const b = this.w.buf;
      const magic = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
      if (magic === 0x0a0d0d0a) {
        this.format = 'pcapng';
        this.parser = new PcapngParser(this.w, path);
      } else if (magic === 0xa1b2c3d4 || magic === 0xd4c3b2a1 || magic === 0xa1b23c4d || magic === 0x4d3cb2a1) {
        this.format = 'pcap';
        this.parser = new PcapParser(this.w, path);
      } else if (b[0] === 0x1f && b[1] === 0x8b) {
        throw new CaptureFileError(path, null, 'gzip-compressed file: decompress it first (gunzip)');
      } else {
        throw new CaptureFileError(path, null, `not a pcap or pcapng file (magic 0x${magic.toString(16).padStart(8, '0')})`);
      }
    } catch (e) {
      this.w.close();
      throw e;
    }
  }

  get interfaces(): readonly CaptureInterface[] {
    return this.parser.interfaces;
  }

  /** The timestamp (ms) of the packet being handed to the handler. */
  get clock(): Float64Array {
    return this.parser.clock;
  }

  /** File offset reached so far. */
  get offset(): number {
    return this.w.offset;
  }

  get size(): number {
    return this.w.size;
  }

  /** Records with a captured length above the original length: tolerated as Wireshark does. */
  get caplenOverLen(): number {
    return this.parser.caplenOverLen;
  }

  /**
   * Hands up to `max` packets to `handler`. Returns false at the end of the file.
   * Throws CaptureFileError (file and byte offset) on a corrupt or truncated file;
   * packets before that point have already been delivered.
   */
  step(handler: PacketHandler, max = 65536): boolean {
    if (this.done) return false;
    let more = false;
    try {
      more = this.parser.step(handler, max);
    } finally {
      if (!more) this.close();
    }
    return more;
  }

  close(): void {
    if (!this.done) {
      this.done = true;
      this.w.close();
    }
  }
}

export { CaptureFileError } from './types.js';
