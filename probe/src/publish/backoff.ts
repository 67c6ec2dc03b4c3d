/**
 * Exponential backoff with jitter: each delay is drawn from the upper half of a ceiling that
 * doubles per attempt up to `max`, so many probes reconnecting to a restarted broker spread out.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly base: number,
    private readonly max: number,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const ceiling = Math.min(this.max, this.base * 2 ** this.attempt);
    if (ceiling < this.max) this.attempt++;
    return ceiling / 2 + this.random() * (ceiling / 2);
  }

  reset(): void {
    this.attempt = 0;
  }
}
