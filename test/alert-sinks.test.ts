import { describe, it, expect, afterEach } from 'vitest';
import { readFileSync } from 'node:fs';
import { alertHarness, monitoring, entry, DAY, T0, type Harness } from '../console/src/alerts/test-harness.js';
import { AlertDispatcher } from '../console/src/sinks/dispatcher.js';
import type { SyslogSink } from '../console/src/sinks/types.js';
import { freePort, tempDir, waitFor } from './helpers/procs.js';
import { Rsyslog, testCertificates } from './helpers/rsyslog.js';

/*
 * Alerts delivered to Debian's rsyslogd over UDP, TCP (octet-counted framing) and TLS: rsyslog
 * parses each as RFC 5424 (its own PRI, APP-NAME, MSGID and structured-data properties are what the
 * test reads back), in order, once. A TCP receiver that is down at first gets everything once it
 * is up; a console restarted after that sends nothing again; a TLS receiver with a certificate the
 * sink does not trust is a counted failure, never a delivery.
 */
const W = T0 + 8 * DAY;
let h: Harness;
let d: AlertDispatcher | null = null;
let rs: Rsyslog | null = null;
afterEach(async () => {
  await d?.stop();
  d = null;
  await rs?.stop();
  rs = null;
  await h?.close();
});

const sink = (name: string, transport: SyslogSink['transport'], port: number, o: Partial<SyslogSink> = {}): SyslogSink => ({
  type: 'syslog',
  name,
  transport,
  host: '127.0.0.1',
  port,
  facility: 20,
  appName: 'spanmap',
  hostname: 'console-test',
  tls: null,
  maxPerMinute: 0,
  timeoutMs: 2000,
  retry: { initialMs: 50, maxMs: 200 },
  ...o,
});

async function dispatch(sinks: SyslogSink[]): Promise<AlertDispatcher> {
  const x = new AlertDispatcher(sinks, { alerts: h.data.alerts, consoleUrl: 'https://spanmap.example.net', log: () => {} });
  h.data.onCommitted.push(() => x.wake());
  await x.start();
  return (d = x);
}

const edges = (n: number, from = 0) => Array.from({ length: n }, (_, i) => entry(`10.20.${1 + from + i}.1`, '10.10.3.30', 6, 22, W + (from + i) * 1000, 2));

describe('syslog sinks, received by rsyslogd', () => {
  it('arrive over UDP, TCP and TLS as RFC 5424 with the structured data, in order, once', async () => {
    const certs = testCertificates(tempDir('certs'));
    const [udp, tcp, tls] = await Promise.all([freePort(), freePort(), freePort()]);
    rs = await new Rsyslog({ udp, tcp, tls }, certs).start();
    h = await alertHarness({ sinks: ['udp', 'tcp', 'tls'], storm: { threshold: 10, windowMs: 600_000 } });
    const policy = await monitoring(h);
    await dispatch([
      sink('udp', 'udp', udp),
      sink('tcp', 'tcp', tcp),
      sink('tls', 'tls', tls, { tls: { ca: readFileSync(certs.ca, 'utf8'), cert: null, key: null } }),
    ]);
    await h.ingest(edges(3));
    await h.ingest(Array.from({ length: 40 }, (_, i) => entry('10.20.99.9', '10.10.3.30', 6, 1000 + i, W + 10_000 + i))); // a scan
    for (const input of ['udp', 'tcp', 'tls'] as const) {
      const got = await waitFor(`4 messages over ${input}`, () => rs!.lines(input).length >= 4 && rs!.lines(input), 20_000);
      expect(got.map((l) => l.params.id)).toEqual(['1', '2', '3', '4']);
      for (const l of got) expect([l.pri, l.hostname, l.appName, l.procId]).toEqual([164, 'console-test', 'spanmap', String(process.pid)]);
      expect(got.map((l) => l.msgId)).toEqual(['edge', 'edge', 'edge', 'storm']);
      expect(got[0]!.params).toEqual({
        id: '1',
        kind: 'edge',
        src: '10.20.1.1',
        dst: '10.10.3.30',
        proto: '6',
        port: '22',
        policy,
        policyName: 'first week',
        flows: '2',
        firstSeen: new Date(W).toISOString(),
        lastSeen: new Date(W + 100).toISOString(),
        srcSegment: 'users',
        dstSegment: 'db',
        reason: 'new-edge',
        url: 'https://spanmap.example.net/alerts?id=1',
      });
      expect(got[0]!.msg).toBe('new connection outside policy "first week": 10.20.1.1 [users] -> 10.10.3.30 [db] tcp/22, 2 flows');
      expect(got[3]!.params).toMatchObject({ kind: 'storm', src: '10.20.99.9', edges: '40', dsts: '1', ports: '40' });
      expect(got[3]!.params.dst).toBeUndefined();
    }
    await waitFor('all delivered', () => d!.health().every((s) => s.delivered === 4 && s.queued === 0));
  });

  it('queue while the TCP receiver is down, arrive in order once it is up, and are not sent again after a restart', async () => {
    const tcp = await freePort();
    h = await alertHarness({ sinks: ['tcp'] });
    await monitoring(h);
    let x = await dispatch([sink('tcp', 'tcp', tcp)]);
    await h.ingest(edges(3));
    await waitFor('refused connections', () => (x.health()[0]!.failures.refused ?? 0) >= 2);
    expect(x.health()[0]).toMatchObject({ state: 'failing', queued: 3, delivered: 0 });
    await h.ingest(edges(2, 3));
    rs = await new Rsyslog({ tcp }).start();
    await waitFor('five delivered', () => x.health()[0]!.delivered === 5, 20_000);
    await x.stop();
    x = await dispatch([sink('tcp', 'tcp', tcp)]);
    await h.ingest(edges(1, 5));
    await waitFor('the sixth delivered', () => x.health()[0]!.delivered === 1, 20_000);
    await waitFor('six lines', () => rs!.lines('tcp').length >= 6, 10_000);
    await new Promise((r) => setTimeout(r, 300)); // anything sent twice would be here by now
    expect(rs.lines('tcp').map((l) => l.params.id)).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  it('refuse a TLS receiver whose certificate the sink does not trust: counted, never delivered', async () => {
    const certs = testCertificates(tempDir('certs'));
    const tls = await freePort();
    rs = await new Rsyslog({ tls }, certs).start();
    h = await alertHarness({ sinks: ['tls'] });
    await monitoring(h);
    const x = await dispatch([sink('tls', 'tls', tls, { tls: { ca: readFileSync(certs.otherCa, 'utf8'), cert: null, key: null } })]);
    await h.ingest(edges(1));
    await waitFor('a TLS failure', () => (x.health()[0]!.failures.tls ?? 0) >= 2);
    expect(x.health()[0]).toMatchObject({ state: 'failing', delivered: 0, queued: 1 });
    expect(x.health()[0]!.lastError).toMatch(/^tls: /);
    expect(rs.lines('tls')).toEqual([]);
  });
});
