/**
 * Logging for hot paths: at most `perMinute` lines per key each minute; what was held back is
 * summarised on the next line for that key.
 */
export class RateLimitedLog {
  private readonly windows = new Map<string, { start: number; count: number; suppressed: number }>();

  constructor(
    private readonly write: (line: string) => void,
    private readonly perMinute = 5,
    private readonly now: () => number = Date.now,
  ) {}

  log(key: string, line: string): void {
    const t = this.now();
    let w = this.windows.get(key);
    if (!w || t - w.start >= 60_000) {
      const suppressed = w?.suppressed ?? 0;
      w = { start: t, count: 0, suppressed: 0 };
      this.windows.set(key, w);
      if (suppressed > 0) this.write(`(${suppressed} more "${key}" messages were suppressed in the last minute)`);
    }
    if (w.count < this.perMinute) {
      w.count++;
      this.write(line);
    } else w.suppressed++;
  }
}
