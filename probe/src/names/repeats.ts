/**
 * Remembers when each (source, address, name) was last emitted, so that a busy DNS server or a
 * chatty mDNS responder gives the sink one observation per interval of packet time, not one per
 * packet. Memory is bounded: past `max` entries the least recently emitted one is forgotten (it
 * may then be emitted again early, never lost). Time is a parameter (packet time).
 */
export class RepeatFilter {
  /** Insertion order = emission order: the first key is the least recently emitted. */
  private readonly last = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly max: number,
  ) {
    if (!(intervalMs >= 0) || !(max >= 1)) throw new Error('RepeatFilter: intervalMs >= 0 and max >= 1 required');
  }

  /**
   * True when `key` should be emitted at time `now` (ms): never seen, or last emitted at least
   * an interval ago in either direction (capture files replayed out of order move time back).
   */
  admit(key: string, now: number): boolean {
    const prev = this.last.get(key);
    if (prev !== undefined) {
      if (Math.abs(now - prev) < this.intervalMs) return false;
      this.last.delete(key);
    } else if (this.last.size >= this.max) {
      const oldest = this.last.keys().next().value as string;
      this.last.delete(oldest);
    }
    this.last.set(key, now);
    return true;
  }

  get size(): number {
    return this.last.size;
  }
}
