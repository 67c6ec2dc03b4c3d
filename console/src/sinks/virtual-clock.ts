import { realClock, type Clock } from './clock.js';

/**
 * A clock for tests of one sink: a finite sleep moves virtual time forward at once (and calls
 * `onAdvance`), so hours of backoff pass in milliseconds while the network I/O stays real. An
 * endless sleep (an idle worker) waits for a real wake-up.
 */
export class VirtualClock implements Clock {
  onAdvance: ((t: number) => void | Promise<void>) | null = null;
  /** Every finite sleep asked for, in ms. */
  readonly sleeps: number[] = [];

  constructor(public t: number) {}

  now(): number {
    return this.t;
  }

  async sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (!Number.isFinite(ms)) return realClock.sleep(Infinity, signal);
    if (signal.aborted) return;
    this.sleeps.push(ms);
    this.t += ms;
    await this.onAdvance?.(this.t);
    await new Promise((r) => setImmediate(r));
  }
}
