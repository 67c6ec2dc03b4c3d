/**
 * Progress on a terminal, nothing when stderr is piped or redirected: a single line
 * rewritten at most every 250 ms and erased when done.
 */
export class Progress {
  private last = 0;
  private shown = false;
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    enabled?: boolean,
  ) {
    this.tty = enabled ?? (stream.isTTY === true && !process.env.CI);
  }

  update(done: number, total: number, extra = ''): void {
    if (!this.tty) return;
    const now = Date.now();
    if (now - this.last < 250) return;
    this.last = now;
    const pct = total > 0 ? ` ${Math.min(100, (done / total) * 100).toFixed(1)}%` : '';
    this.stream.write(`\r${this.label}${pct}${extra ? '  ' + extra : ''}\x1b[K`);
    this.shown = true;
  }

  done(): void {
    if (this.tty && this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}
