import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import type { Alert } from '../alerts/model.js';
import { toMessage } from './message.js';
import { octetFrame, sdValue, syslogMessage, UDP_MAX, headerField } from './syslog-format.js';
import { signature, verifySignature, webhookBody } from './webhook-format.js';
import { backoffMs, TokenBucket } from './backoff.js';

const alert: Alert = {
  id: '42',
  kind: 'edge',
  src: '10.20.5.6',
  dst: '10.10.3.30',
  proto: 6,
  port: 22,
  srcSegment: 'users',
  dstSegment: 'db',
  policy: 'ab12cd34',
  policyName: 'prod "core" [v2] \\ main',
  flows: 3,
  firstSeen: Date.UTC(2024, 5, 24, 9, 59, 0),
  lastSeen: Date.UTC(2024, 5, 24, 9, 59, 30, 250),
  raisedAt: Date.UTC(2024, 5, 24, 10, 0, 0, 5),
  edges: 1,
  status: 'new',
  review: null,
  reason: 'new-edge',
  previous: null,
  srcName: 'ws-017.corp',
  dstName: null,
};
const header = { facility: 20, appName: 'spanmap', hostname: 'console-1', procId: '4242' };

describe('syslog messages (RFC 5424)', () => {
  it('formats an alert: PRI for local4.warning, header, structured data, a line for people', () => {
    const m = syslogMessage(toMessage(alert, 'https://spanmap.example.net/'), header);
    expect(m).toBe(
      '<164>1 2024-06-24T10:00:00.005Z console-1 spanmap 4242 edge [spanmap@32473 id="42" kind="edge" src="10.20.5.6" dst="10.10.3.30" proto="6" port="22"' +
        ' policy="ab12cd34" policyName="prod \\"core\\" [v2\\] \\\\ main" flows="3" firstSeen="2024-06-24T09:59:00.000Z" lastSeen="2024-06-24T09:59:30.250Z"' +
        ' srcSegment="users" dstSegment="db" srcName="ws-017.corp" reason="new-edge" url="https://spanmap.example.net/alerts?id=42"]' +
        ' new connection outside policy "prod "core" [v2] \\ main": 10.20.5.6 (ws-017.corp) [users] -> 10.10.3.30 [db] tcp/22, 3 flows',
    );
  });

  it('formats a storm with its counts and without an edge', () => {
    const storm: Alert = { ...alert, kind: 'storm', dst: null, proto: null, port: null, dstSegment: null, edges: 1200, dsts: 1, ports: 1200, sample: [] };
    const m = syslogMessage(toMessage(storm, 'http://c:8080'), { ...header, facility: 16 });
    expect(m.startsWith('<132>1 ')).toBe(true);
    expect(m).toContain(' storm [spanmap@32473 id="42" kind="storm" src="10.20.5.6" policy=');
    expect(m).not.toContain('dst=');
    expect(m).toContain('edges="1200" dsts="1" ports="1200"');
    expect(m).toMatch(/storm outside policy .*: 1200 new edges from 10\.20\.5\.6 \(ws-017\.corp\) \[users\] to 1 destinations on 1200 ports/);
  });

  it('escapes parameter values and cleans header fields', () => {
    expect(sdValue('a"b\\c]d')).toBe('a\\"b\\\\c\\]d');
    expect(headerField('my host', 255)).toBe('my-host');
    expect(headerField('', 48)).toBe('-');
    expect(headerField('é'.repeat(60), 48)).toHaveLength(48);
  });

  it('shortens the text (never the structured data) to fit a UDP datagram, on a character boundary', () => {
    const long = toMessage({ ...alert, policyName: 'ü'.repeat(100) }, 'http://c');
    const full = syslogMessage(long, header, UDP_MAX);
    expect(full.endsWith('3 flows')).toBe(true);
    const m = syslogMessage(long, header, 800);
    expect(Buffer.byteLength(m)).toBeLessThanOrEqual(800);
    expect(m.endsWith('...')).toBe(true);
    expect(m).toContain('url="http://c/alerts?id=42"]');
    expect(m).not.toContain('\ufffd');
    const huge = syslogMessage(toMessage({ ...alert, policyName: 'x'.repeat(5000), srcName: 'y'.repeat(5000) }, 'http://c'), header, UDP_MAX);
    expect(Buffer.byteLength(huge)).toBeLessThanOrEqual(UDP_MAX);
  });

  it('frames with the octet count of the UTF-8 bytes (RFC 6587)', () => {
    expect(octetFrame('<164>1 ü').toString()).toBe('9 <164>1 ü');
  });
});

describe('webhook bodies', () => {
  it('carries the alerts with a text line, signed with HMAC-SHA256 as openssl computes it', () => {
    const body = webhookBody([toMessage(alert, 'http://c:8080')]);
    const parsed = JSON.parse(body);
    expect(Object.keys(parsed)).toEqual(['alerts']);
    expect(parsed.alerts[0]).toMatchObject({
      id: '42',
      src: '10.20.5.6',
      dst: '10.10.3.30',
      proto: 6,
      port: 22,
      policy: 'ab12cd34',
      flows: 3,
      firstSeen: alert.firstSeen,
      lastSeen: alert.lastSeen,
      url: 'http://c:8080/alerts?id=42',
    });
    expect(parsed.alerts[0].text).toContain('10.20.5.6 (ws-017.corp) [users] -> 10.10.3.30 [db] tcp/22');
    const secret = 'whsec-0123456789abcdef';
    const sig = signature(secret, body);
    const openssl = execFileSync('openssl', ['dgst', '-sha256', '-hmac', secret, '-r'], { input: body }).toString().split(' ')[0];
    expect(sig).toBe(`sha256=${openssl}`);
    expect(verifySignature(secret, body, sig)).toBe(true);
    expect(verifySignature(secret, body + ' ', sig)).toBe(false);
    expect(verifySignature('another-secret-000000', body, sig)).toBe(false);
    expect(verifySignature(secret, body, undefined)).toBe(false);
  });
});

describe('backoff and rate limits', () => {
  it('doubles the retry delay up to the maximum', () => {
    const r = { initialMs: 1000, maxMs: 300_000 };
    expect([0, 1, 2, 3, 9, 10, 50].map((a) => backoffMs(a, r))).toEqual([0, 1000, 2000, 4000, 256_000, 300_000, 300_000]);
  });

  it('lets through perMinute messages, then one every 60/perMinute seconds', () => {
    const b = new TokenBucket(6, 0);
    expect(b.take(10, 0)).toBe(6);
    expect(b.take(1, 0)).toBe(0);
    expect(b.waitMs(0)).toBe(10_000);
    expect(b.take(5, 9_999)).toBe(0);
    expect(b.take(5, 10_000)).toBe(1);
    expect(b.take(5, 60_000)).toBe(5);
    expect(new TokenBucket(0, 0).take(1000, 0)).toBe(1000);
  });
});
