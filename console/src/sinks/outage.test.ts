import { describe, it, expect, afterEach } from 'vitest';
import { alertHarness, monitoring, entry, DAY, T0, type Harness } from '../alerts/test-harness.js';
import { WebhookReceiver } from '../test-util/webhook-receiver.js';
import { AlertDispatcher } from './dispatcher.js';
import { VirtualClock } from './virtual-clock.js';

/*
 * An hour without the receiver, with the default retry settings (1 s, doubling to 5 minutes), in
 * virtual time: the connection attempts are real (a closed port on loopback), the waits between
 * them are not. Alerts raised before and during the outage wait in the store; when the receiver is
 * back they arrive in order, once each. The figures are printed for the README.
 */
const SECRET = 'outage-test-secret-0123456789ab';
const HOUR = 3_600_000;
let h: Harness;
let d: AlertDispatcher | null = null;
let r: WebhookReceiver | null = null;
afterEach(async () => {
  await d?.stop();
  await r?.down();
  await h?.close();
});

describe('a receiver outage of an hour', () => {
  it('keeps every alert and delivers all of them in order within one backoff step of the receiver coming back', async () => {
    h = await alertHarness({ sinks: ['hook'] });
    await monitoring(h);
    r = await new WebhookReceiver(SECRET).up();
    const port = r.port;
    await r.down();
    const clock = new VirtualClock(0);
    const raised = (n: number, from: number) =>
      Array.from({ length: n }, (_, i) => entry(`10.20.${1 + from + i}.1`, '10.10.3.30', 6, 22, T0 + 8 * DAY + (from + i) * 1000));
    let duringOutage = false;
    let backAt: number | null = null;
    clock.onAdvance = async (t) => {
      if (t >= HOUR / 2 && !duringOutage) {
        duringOutage = true;
        h.setNow(h.now + t);
        await h.ingest(raised(5, 10)); // raised half-way through the outage
      }
      if (t >= HOUR && backAt === null) {
        backAt = t;
        await r!.up(port);
      }
    };
    const x = new AlertDispatcher(
      [
        {
          type: 'webhook',
          name: 'hook',
          url: `http://127.0.0.1:${port}/hook`,
          secret: SECRET,
          batchMs: 0,
          maxBatch: 100,
          ca: null,
          maxPerMinute: 0,
          timeoutMs: 10_000,
          retry: { initialMs: 1000, maxMs: 300_000 },
        },
      ],
      { alerts: h.data.alerts, consoleUrl: 'http://console.test', clock, log: () => {} },
    );
    d = x;
    h.data.onCommitted.push(() => x.wake());
    await h.ingest(raised(10, 0));
    await x.start();
    for (let i = 0; i < 2000 && x.health()[0]!.delivered < 15; i++) await new Promise((res) => setTimeout(res, 10));
    const health = x.health()[0]!;
    expect(r.acknowledged()).toEqual(Array.from({ length: 15 }, (_, i) => String(i + 1)));
    expect(r.received.every((q) => q.signed)).toBe(true);
    expect(health).toMatchObject({ state: 'ok', delivered: 15, queued: 0 });
    expect(h.data.alerts.db.depth('hook')).toBe(0);
    const attempts = health.failures.refused ?? 0;
    // The receiver is back from 1 h on (it is started at the first attempt after that): the wait is from 1 h.
    expect(backAt).not.toBeNull();
    const lag = clock.t - HOUR;
    expect(lag).toBeLessThanOrEqual(300_000);
    expect(attempts).toBeLessThan(25);
    console.log(
      `outage of 1 h (default retry 1 s doubling to 300 s): ${attempts} failed attempts, longest wait ${Math.max(...clock.sleeps) / 1000} s; ` +
        `15 alerts (10 before, 5 during) delivered in order ${lag / 1000} s after the receiver came back (first attempt at ${backAt! / 1000} s)`,
    );
  });
});
