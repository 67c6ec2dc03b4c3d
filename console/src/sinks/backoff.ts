/**
 * Retry delays and rate limits: pure arithmetic, time passed in.
 *
 * Backoff: the first retry after `initialMs`, each next one twice as long, at most `maxMs`. No
 * jitter: one console retries one receiver, and a predictable schedule is easier to reason about
 * (README "Alerts": what an hour of receiver outage costs).
 */
export function backoffMs(attempt: number, retry: { initialMs: number; maxMs: number }): number {
  if (attempt <= 0) return 0;
  return Math.min(retry.maxMs, retry.initialMs * 2 ** Math.min(attempt - 1, 52));
}

/**
 * A token bucket: `perMinute` messages a minute on average, bursts of up to `perMinute`. With
 * perMinute 0 it never limits.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly perMinute: number,
    now: number,
  ) {
    this.tokens = perMinute;
    this.at = now;
  }

  private refill(now: number): void {
    if (now > this.at) this.tokens = Math.min(this.perMinute, this.tokens + ((now - this.at) * this.perMinute) / 60_000);
    this.at = Math.max(this.at, now);
  }

  /** Takes up to `want` whole tokens; returns how many it got. */
  take(want: number, now: number): number {
    if (this.perMinute === 0) return want;
    this.refill(now);
    const got = Math.min(want, Math.floor(this.tokens));
    this.tokens -= got;
    return got;
  }

  /** How long until one token is there (ms). */
  waitMs(now: number): number {
    if (this.perMinute === 0) return 0;
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 60_000) / this.perMinute);
  }
}

/** A delivery failure, with a reason for metrics (refused, timeout, closed, tls, http_4xx, http_5xx, error). */
export class SinkError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'SinkError';
  }
}

/** A failure's reason, from a Node network error or a SinkError. */
export function failureReason(e: unknown): string {
  if (e instanceof SinkError) return e.reason;
  const code = (e as NodeJS.ErrnoException)?.code ?? '';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ETIMEDOUT' || (e as Error)?.name === 'TimeoutError') return 'timeout';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'closed';
  if (/CERT|SIGNATURE|ISSUER|SELF_SIGNED|SSL|TLS/i.test(code)) return 'tls';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'unreachable';
  return 'error';
}
