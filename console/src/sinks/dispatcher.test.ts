import { describe, it, expect, afterEach } from 'vitest';
import { alertHarness, monitoring, entry, DAY, T0, type Harness } from '../alerts/test-harness.js';
import { WebhookReceiver } from '../test-util/webhook-receiver.js';
import { AlertDispatcher } from './dispatcher.js';
import { VirtualClock } from './virtual-clock.js';
import type { Clock } from './clock.js';
import type { WebhookSink } from './types.js';

/*
 * The dispatcher against a real HTTP receiver on loopback: in order, exactly once per 2xx, signed,
 * retried while the receiver fails or is down, batched, rate limited (delayed, never dropped).
 */
const SECRET = 'dispatcher-test-secret-0123456789';
const W = T0 + 8 * DAY;
let h: Harness;
let d: AlertDispatcher | null = null;
const rx: WebhookReceiver[] = [];
afterEach(async () => {
  await d?.stop();
  d = null;
  for (const r of rx.splice(0)) await r.down();
  await h?.close();
});

const hook = (name: string, url: string, o: Partial<WebhookSink> = {}): WebhookSink => ({
  type: 'webhook',
  name,
  url,
  secret: SECRET,
  batchMs: 0,
  maxBatch: 100,
  ca: null,
  maxPerMinute: 0,
  timeoutMs: 2000,
  retry: { initialMs: 20, maxMs: 200 },
  ...o,
});

async function until<T>(what: string, f: () => T | undefined | false): Promise<T> {
  for (let i = 0; i < 1000; i++) {
    const v = f();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never: ${what}`);
}

async function start(sinks: WebhookSink[], clock?: Clock): Promise<AlertDispatcher> {
  const x = new AlertDispatcher(sinks, { alerts: h.data.alerts, consoleUrl: 'http://console.test:8080', ...(clock ? { clock } : {}), log: () => {} });
  h.data.onCommitted.push(() => x.wake());
  await x.start();
  return (d = x);
}

const newEdges = (n: number, from = 0) => Array.from({ length: n }, (_, i) => entry(`10.20.${1 + from + i}.1`, '10.10.3.30', 6, 22, W + (from + i) * 1000));

describe('the alert dispatcher', () => {
  it('delivers each alert once, in order, signed; retries a failing and then a missing receiver; removes only what was acknowledged', async () => {
    h = await alertHarness({ sinks: ['hook'] });
    await monitoring(h);
    const r = await new WebhookReceiver(SECRET).up();
    rx.push(r);
    r.status = 503;
    const x = await start([hook('hook', r.url())]);
    await h.ingest(newEdges(3));
    await until('three failed attempts', () => r.received.length >= 3);
    expect(x.health()[0]).toMatchObject({ state: 'failing', queued: 3, delivered: 0, failures: { http_5xx: expect.any(Number) } });
    expect(h.data.alerts.db.depth('hook')).toBe(3);
    await r.down();
    await until('a refused connection', () => x.health()[0]!.failures.refused);
    await h.ingest(newEdges(2, 3));
    r.status = 200;
    await r.up();
    await until('all five acknowledged', () => r.acknowledged().length === 5);
    expect(r.acknowledged()).toEqual(['1', '2', '3', '4', '5']);
    expect(r.received.every((q) => q.signed && q.ids.length === 1)).toBe(true);
    // Each failed attempt carried the head of the queue: nothing skipped ahead.
    expect(new Set(r.received.filter((q) => q.status === 503).map((q) => q.ids[0]))).toEqual(new Set(['1']));
    await until('five delivered', () => x.health()[0]!.delivered === 5);
    expect(h.data.alerts.db.depth('hook')).toBe(0);
    expect(x.health()[0]).toMatchObject({ state: 'ok', queued: 0, delivered: 5, attempt: 0, nextAttemptAt: null });
    expect(x.health()[0]!.lastError).toMatch(/^(refused|http_5xx): /);
    // Restarted: nothing is sent again.
    await x.stop();
    const y = await start([hook('hook', r.url())]);
    await h.ingest(newEdges(1, 5));
    await until('the sixth', () => y.health()[0]!.delivered === 1);
    expect(r.acknowledged()).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  it('batches the alerts queued within batchSeconds into one POST, and sends each sink its own copy', async () => {
    h = await alertHarness({ sinks: ['single', 'batched'] });
    await monitoring(h);
    const r = await new WebhookReceiver(SECRET).up();
    rx.push(r);
    await start([hook('single', r.url('/one')), hook('batched', r.url('/many'), { batchMs: 300, maxBatch: 4 })]);
    await h.ingest(newEdges(3));
    await h.ingest(newEdges(3, 3));
    await until('all delivered twice', () => r.acknowledged('/one').length === 6 && r.acknowledged('/many').length === 6);
    expect(r.acknowledged('/one')).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(r.acknowledged('/many')).toEqual(['1', '2', '3', '4', '5', '6']);
    const posts = r.received.filter((q) => q.path === '/many').map((q) => q.ids.length);
    expect(posts.length).toBeLessThan(6);
    expect(Math.max(...posts)).toBeLessThanOrEqual(4);
  });

  it('holds messages over the rate limit and sends them as tokens come back (virtual time)', async () => {
    h = await alertHarness({ sinks: ['slow'] });
    await monitoring(h);
    const r = await new WebhookReceiver(SECRET).up();
    rx.push(r);
    const clock = new VirtualClock(0);
    const sentAt: number[] = [];
    r.hold = () => void sentAt.push(clock.now());
    await start([hook('slow', r.url(), { maxPerMinute: 2 })], clock);
    await h.ingest(newEdges(5));
    await until('five delivered', () => r.acknowledged().length === 5);
    expect(sentAt).toEqual([0, 0, 30_000, 60_000, 90_000]);
  });
});
