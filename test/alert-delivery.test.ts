import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { writeScenario, type ScenarioTruth } from '@spanmap/scenario';
import { WebhookReceiver } from '../console/src/test-util/webhook-receiver.js';
import { freePort, tempDir, killAll, waitFor } from './helpers/procs.js';
import { ConsoleProc, TOKEN, edgeKey } from './helpers/console.js';
import { Rsyslog } from './helpers/rsyslog.js';
import { writeScan } from './helpers/scan.js';

/*
 * Issue 20's proof, end to end with real receivers: three weeks of a generated site, a policy
 * drafted from the first two in monitor mode, then the last week (its anomalies) and a port scan
 * through a real probe into a real console whose alerts go to rsyslogd over UDP and TCP and to
 * three webhooks: one always up, one batched, one down while the alerts are raised. When that one
 * comes back, the console is killed (SIGKILL) while it waits for the answer to its second POST,
 * and restarted. Every anomaly, and the scan as one storm alert, arrives at every sink exactly
 * once (counting, for webhooks, the POSTs answered with a 2xx), in the order raised, signed.
 * Delivery latency is measured (raised → received) and printed.
 */
const DAY = 86_400_000;
const SECRET = 'e2e-webhook-secret-0123456789abcdef';
const start = Date.UTC(2024, 5, 3);
const split = start + 14 * DAY;
let truth: ScenarioTruth;
let dir: string;
let rs: Rsyslog;
const live = new WebhookReceiver(SECRET);
const batch = new WebhookReceiver(SECRET);
const flaky = new WebhookReceiver(SECRET);
let c: ConsoleProc;
let config: string;
let ports: { http: number; broker: number; flaky: number };
const files = { weeks: '', last: '', scan: '' };

beforeAll(async () => {
  dir = tempDir('alert-delivery');
  const all = join(dir, 'site.pcap');
  truth = writeScenario(all, { days: 21, seed: 20, start, anomaliesFrom: split, scale: 0.3 });
  files.weeks = join(dir, 'weeks1-2.pcap');
  files.last = join(dir, 'week3.pcap');
  files.scan = join(dir, 'scan.pcap');
  execFileSync('editcap', ['-B', String(split / 1000), all, files.weeks]);
  execFileSync('editcap', ['-A', String(split / 1000), all, files.last]);
  writeScan(files.scan, { src: '10.20.77.7', dsts: ['10.10.3.31'], ports: Array.from({ length: 400 }, (_, i) => 1 + i), start: start + 20 * DAY });
  const [udp, tcp, http, broker] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  rs = await new Rsyslog({ udp, tcp }).start();
  await Promise.all([live.up(), batch.up(), flaky.up()]);
  await flaky.down(); // down while the alerts are raised
  ports = { http, broker, flaky: flaky.port };
  config = join(dir, 'console.yaml');
  const retry = '{ initialSeconds: 0.1, maxSeconds: 0.5 }';
  writeFileSync(
    config,
    `alerts:
  consoleUrl: http://127.0.0.1:${http}
  storm: { threshold: 10, windowSeconds: 600 }
  sinks:
    - { type: syslog, name: rsyslog-udp, url: "udp://127.0.0.1:${udp}", facility: local4, appName: spanmap }
    - { type: syslog, name: rsyslog-tcp, url: "tcp://127.0.0.1:${tcp}", retry: ${retry} }
    - { type: webhook, name: hook-live, url: "${live.url('/live')}", secretEnv: SPANMAP_WEBHOOK_SECRET }
    - { type: webhook, name: hook-batch, url: "${batch.url('/batch')}", secretEnv: SPANMAP_WEBHOOK_SECRET, batchSeconds: 1 }
    - { type: webhook, name: hook-flaky, url: "${flaky.url('/flaky')}", secretEnv: SPANMAP_WEBHOOK_SECRET, retry: ${retry} }
`,
  );
  c = await consoleProc().start();
}, 240_000);

afterAll(async () => {
  await killAll();
  await rs?.stop();
  for (const r of [live, batch, flaky]) await r.down();
});

const consoleProc = () => new ConsoleProc(join(dir, 'console'), ports.http, { broker: ports.broker }, { SPANMAP_WEBHOOK_SECRET: SECRET }, ['--config', config]);

interface AlertRow {
  id: string;
  kind: string;
  src: string;
  dst: string | null;
  proto: number | null;
  port: number | null;
  raisedAt: number;
  edges: number;
}

describe('alerts delivered to syslog and webhooks', () => {
  let alerts: AlertRow[];
  const ids = () => alerts.map((a) => a.id);

  it('raises one alert per anomaly of the last week and one storm for the scan', async () => {
    await c.api('/segments', { method: 'PUT', body: JSON.stringify(truth.segments) });
    await c.publish(files.weeks, 'site', join(dir, 'probe'));
    const p = await c.api<{ id: string }>('/policies', {
      method: 'POST',
      body: JSON.stringify({ name: 'first two weeks', from: start, to: split, include: 'observed', granularity: 'segment' }),
    });
    await c.api(`/policies/${p.id}/mode`, { method: 'POST', body: JSON.stringify({ mode: 'monitor' }) });
    await c.publish(files.last, 'site', join(dir, 'probe'));
    await c.publish(files.scan, 'scan-span', join(dir, 'probe-scan'));
    alerts = await c.api<AlertRow[]>('/alerts?order=asc');
    const anomalies = truth.edges
      .filter((e) => e.anomaly)
      .map(edgeKey)
      .sort();
    expect(
      alerts
        .filter((a) => a.kind === 'edge')
        .map((a) => edgeKey(a as never))
        .sort(),
    ).toEqual(anomalies);
    const storms = alerts.filter((a) => a.kind === 'storm');
    expect(storms).toHaveLength(1);
    expect(storms[0]).toMatchObject({ src: '10.20.77.7', id: String(alerts.length) });
    expect(storms[0]!.edges).toBeGreaterThan(300);
    expect(ids()).toEqual(alerts.map((_, i) => String(i + 1)));
  }, 400_000);

  it('delivers each to rsyslog (UDP, TCP) and the live and batched webhooks once, in order, signed', async () => {
    const n = alerts.length;
    await waitFor(
      'syslog and webhooks',
      () => rs.lines('udp').length >= n && rs.lines('tcp').length >= n && live.acknowledged().length >= n && batch.acknowledged().length >= n,
      30_000,
    );
    for (const input of ['udp', 'tcp'] as const) expect(rs.lines(input).map((l) => l.params.id)).toEqual(ids());
    expect(live.acknowledged()).toEqual(ids());
    expect(batch.acknowledged()).toEqual(ids());
    expect([...live.received, ...batch.received].every((r) => r.signed)).toBe(true);
    expect(batch.received.length).toBeLessThan(n);
    const first = JSON.parse(live.received[0]!.body).alerts[0];
    expect(first).toMatchObject({ id: '1', src: alerts[0]!.src, dst: alerts[0]!.dst, url: `http://127.0.0.1:${ports.http}/alerts?id=1` });
  });

  it('counts the failures of the webhook that is down, in /metrics and on the sinks endpoint', async () => {
    const sinks =
      await c.api<Array<{ name: string; state: string; queued: number; failures: Record<string, number>; lastError: string | null }>>('/alerts/sinks');
    const f = sinks.find((s) => s.name === 'hook-flaky')!;
    expect(f).toMatchObject({ state: 'failing', queued: alerts.length });
    expect(f.failures.refused).toBeGreaterThan(0);
    await waitFor('the other sinks idle', async () =>
      (await c.api<typeof sinks>('/alerts/sinks')).filter((s) => s.name !== 'hook-flaky').every((s) => s.state === 'ok' && s.queued === 0),
    );
    const metrics = await (await fetch(`http://127.0.0.1:${ports.http}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    expect(metrics).toMatch(/spanmap_alert_sink_failures_total\{sink="hook-flaky",reason="refused"\} [1-9]/);
    expect(metrics).toMatch(new RegExp(`spanmap_alert_sink_queued\\{sink="hook-flaky"\\} ${alerts.length}\\b`));
    expect(metrics).toMatch(/spanmap_alert_sink_up\{sink="hook-flaky"\} 0/);
    expect(metrics).toMatch(new RegExp(`spanmap_alert_sink_delivered_total\\{sink="rsyslog-tcp"\\} ${alerts.length}\\b`));
  });

  it('survives a kill -9 while a POST waits for its answer: nothing lost, nothing acknowledged twice', async () => {
    const proc = c.proc;
    flaky.hold = async (r) => {
      if (flaky.received.length !== 2) return;
      r.status = 503; // never answered: the console is gone before the answer
      await proc.kill9();
    };
    await flaky.up(ports.flaky);
    expect(await proc.exited).toBe(-1);
    flaky.hold = null;
    const held = flaky.received[1]!;
    c = await consoleProc().start();
    await waitFor('every alert acknowledged by the webhook', () => flaky.acknowledged().length >= alerts.length, 30_000);
    await new Promise((r) => setTimeout(r, 1500)); // anything sent twice would have arrived by now
    expect(flaky.acknowledged()).toEqual(ids());
    expect(flaky.received.every((r) => r.signed)).toBe(true);
    // The POST that was cut off was sent again after the restart, with the same alert.
    expect(flaky.received.filter((r) => r.ids[0] === held.ids[0]).length).toBe(2);
    // The sinks that had everything before the kill sent nothing again.
    for (const input of ['udp', 'tcp'] as const) expect(rs.lines(input).map((l) => l.params.id)).toEqual(ids());
    expect(live.acknowledged()).toEqual(ids());
    expect(batch.acknowledged()).toEqual(ids());
    const sinks = await c.api<Array<{ name: string; state: string; queued: number }>>('/alerts/sinks');
    expect(sinks.every((s) => s.state === 'ok' && s.queued === 0)).toBe(true);
  }, 120_000);

  it('measures delivery latency, raised to received: during the replay of a week, and for one alert on an idle console', async () => {
    const lone = join(dir, 'lone.pcap');
    writeScan(lone, { src: '10.20.88.8', dsts: ['10.10.3.31'], ports: [5900], start: start + 20 * DAY + 3_600_000 });
    await c.publish(lone, 'scan-span', join(dir, 'probe-scan'));
    alerts = await c.api<AlertRow[]>('/alerts?order=asc');
    expect(alerts.at(-1)).toMatchObject({ kind: 'edge', src: '10.20.88.8', port: 5900 });
    const n = alerts.length;
    await waitFor(
      'the lone alert everywhere',
      () => [rs.lines('udp'), rs.lines('tcp')].every((l) => l.length >= n) && [live, batch, flaky].every((r) => r.acknowledged().length >= n),
      30_000,
    );
    for (const input of ['udp', 'tcp'] as const) expect(rs.lines(input).map((l) => l.params.id)).toEqual(ids());
    for (const r of [live, batch, flaky]) expect(r.acknowledged()).toEqual(ids());
    const raised = new Map(alerts.map((a) => [a.id, a.raisedAt]));
    const sinks: Array<[string, Array<[string, number]>]> = [
      ['syslog udp', rs.lines('udp').map((l) => [l.params.id!, Date.parse(l.received)])],
      ['syslog tcp', rs.lines('tcp').map((l) => [l.params.id!, Date.parse(l.received)])],
      ...[
        ['webhook', live],
        ['webhook batched 1 s', batch],
      ].map(([name, r]): [string, Array<[string, number]>] => [
        name as string,
        (r as WebhookReceiver).received.filter((x) => x.status === 200).flatMap((x) => x.ids.map((id): [string, number] => [id, x.at])),
      ]),
    ];
    const lines = sinks.map(([name, got]) => {
      const ms = got.map(([id, at]) => [id, at - raised.get(id)!] as const);
      expect(ms.every(([, x]) => x >= -5)).toBe(true); // one clock: nothing arrives before it was raised
      const busy = ms.filter(([id]) => id !== String(n)).map(([, x]) => x);
      return `${name}: ${ms.find(([id]) => id === String(n))![1]} ms idle, ${Math.min(...busy)}-${Math.max(...busy)} ms while ingesting`;
    });
    console.log(`delivery latency, raised to received (${n - 1} alerts raised during the replay of a week, 1 on an idle console): ${lines.join('; ')}`);
  }, 120_000);
});
