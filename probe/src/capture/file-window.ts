import { openSync, readSync, closeSync, fstatSync } from 'node:fs';

/**
 * A sliding window over a file read with synchronous reads into one reusable buffer.
 * Capture parsers ask for `ensure(n)` bytes at `pos`; memory stays bounded by the
 * largest record, whatever the file size.
 */
export class FileWindow {
  buf: Buffer;
  /** Read position inside buf. */
  pos = 0;
  /** End of valid data inside buf. */
  end = 0;
  /** File offset of buf[0]. */
  private base = 0;
  private eof = false;
  private fd: number;
  readonly size: number;

  constructor(path: string, chunk = 1 << 20) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
    this.buf = Buffer.allocUnsafe(chunk);
  }

  /** File offset of the current read position. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Makes at least n bytes available from pos; false when the file ends first. */
  ensure(n: number): boolean {
    if (this.end - this.pos >= n) return true;
    if (this.eof) return false;
    if (this.pos > 0) {
      this.buf.copyWithin(0, this.pos, this.end);
      this.base += this.pos;
      this.end -= this.pos;
      this.pos = 0;
    }
    if (n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, this.end);
      this.buf = bigger;
    }
    while (this.end < this.buf.length) {
      const r = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, this.base + this.end);
      if (r === 0) {
        this.eof = true;
        break;
      }
      this.end += r;
    }
    return this.end - this.pos >= n;
  }

  /** Bytes available from pos without reading (after ensure failed: what is left at the end of the file). */
  get available(): number {
    return this.end - this.pos;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
