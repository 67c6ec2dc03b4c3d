/**
 * Time for the dispatcher, as a parameter: the real clock in the console, a virtual one in tests
 * that need an hour of receiver outage to pass in a moment (sinks/outage.test.ts).
 */
export interface Clock {
  now(): number;
  /** Resolves after `ms` (Infinity: never), or as soon as `signal` aborts (resolves, never rejects). */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        if (t) clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const t = Number.isFinite(ms) ? setTimeout(done, Math.max(0, ms)) : null;
      signal.addEventListener('abort', done, { once: true });
    }),
};
