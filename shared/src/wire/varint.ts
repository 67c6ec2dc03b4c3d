/**
 * Unsigned LEB128 varints for non-negative integers up to 2^53 (plain Number arithmetic), and
 * zigzag for signed deltas. A growable byte writer and a bounds-checked reader.
 */
export class ByteWriter {
  buf: Uint8Array;
  len = 0;

  constructor(size = 4096) {
    this.buf = new Uint8Array(size);
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.len++] = v;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  varint(v: number): void {
    if (!(v >= 0) || !Number.isSafeInteger(v)) throw new RangeError(`varint out of range: ${v}`);
    this.room(8);
    while (v >= 128) {
      this.buf[this.len++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    this.buf[this.len++] = v;
  }

  zigzag(v: number): void {
    this.varint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  string(s: string): void {
    const b = new TextEncoder().encode(s);
    this.varint(b.length);
    this.bytes(b);
  }

  result(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

export class WireFormatError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'WireFormatError';
  }
}

export class ByteReader {
  pos = 0;
  constructor(private readonly b: Uint8Array) {}

  get remaining(): number {
    return this.b.length - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.b.length) throw new WireFormatError('truncated', `truncated at byte ${this.pos} (needed ${n} more)`);
  }

  u8(): number {
    this.need(1);
    return this.b[this.pos++]!;
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  varint(): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const x = this.u8();
      v += (x & 127) * mul;
      if (!(x & 128)) {
        if (!Number.isSafeInteger(v)) break;
        return v;
      }
      mul *= 128;
    }
    throw new WireFormatError('bad-varint', `bad varint at byte ${this.pos}`);
  }

  zigzag(): number {
    const v = this.varint();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }

  string(max = 256): string {
    const n = this.varint();
    if (n > max) throw new WireFormatError('bad-string', `string of ${n} bytes exceeds ${max}`);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(this.bytes(n));
    } catch (e) {
      if (e instanceof WireFormatError) throw e;
      throw new WireFormatError('bad-string', 'invalid UTF-8 string');
    }
  }
}
