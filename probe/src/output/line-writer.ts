import { copyBytes } from '@spanmap/shared/bytes';

/**
 * Buffered writes to a stream (stdout by default). Lines are joined into chunks so the
 * per-record cost is a string concat, not a syscall. A closed pipe (EPIPE, e.g. `| head`)
 * ends output quietly instead of crashing.
 */
export class LineWriter {
  private buf: string[] = [];
  private size = 0;
  closed = false;

  constructor(
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly chunk = 1 << 16,
  ) {
    out.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') this.closed = true;
      else throw e;
    });
  }

  line(s: string): void {
    if (this.closed) return;
    this.buf.push(s);
    this.size += s.length + 1;
    if (this.size >= this.chunk) this.flush();
  }

  /** Bytes that already hold whole lines (JSON lines encoded straight from the flow table); copied, so the caller may reuse them. */
  write(bytes: Uint8Array): void {
    if (this.closed) return;
    this.flush();
    this.out.write(copyBytes(bytes));
  }

  flush(): void {
    if (this.buf.length === 0 || this.closed) return;
    this.out.write(this.buf.join('\n') + '\n');
    this.buf = [];
    this.size = 0;
  }

  /** Flushes and waits until the stream has taken everything. */
  async end(): Promise<void> {
    this.flush();
    if (this.closed) return;
    await new Promise<void>((resolve) => {
      if (this.out.write('')) resolve();
      else this.out.once('drain', () => resolve());
    });
  }
}
