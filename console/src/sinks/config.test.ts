import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { dumpConsoleConfig, loadConsoleConfig, validateConsoleConfig, ConsoleConfigError } from '../config.js';
import { runtimeAlerts } from './config.js';

const EXAMPLE = resolve(import.meta.dirname, '..', '..', '..', 'deploy', 'console.yaml');
const dir = mkdtempSync(join(tmpdir(), 'spanmap-sinks-config-'));
const ENV = { HOOK_SECRET: 'a-webhook-secret-of-32-characters' };

function problems(alerts: unknown, env: NodeJS.ProcessEnv = ENV): string[] {
  try {
    validateConsoleConfig({ alerts }, { dataDir: '/d', env, baseDir: dir });
    return [];
  } catch (e) {
    if (e instanceof ConsoleConfigError) return e.problems;
    throw e;
  }
}

describe('alerts in console.yaml', () => {
  it('the example sinks in deploy/console.yaml, uncommented, are valid', () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    const sinks = text.slice(text.indexOf('\nalerts:'));
    const uncommented = text.replace(sinks, sinks.replace(/^ {2}sinks: \[\]\n/m, '  sinks:\n').replace(/^ {2}# {2}( *[-a-z])/gm, '  $1'));
    const f = join(dir, 'uncommented.yaml');
    writeFileSync(f, uncommented);
    const c = loadConsoleConfig(f, '/d', { SPANMAP_WEBHOOK_SECRET: 'from-console-env-0123456789' });
    expect(c.alerts.sinks.map((s) => [s.type, s.name, s.url])).toEqual([
      ['syslog', 'siem', 'tcp://siem.example.net:514'],
      ['webhook', 'chat', 'https://hooks.example.net/spanmap'],
    ]);
    expect(c.alerts.sinks[1]).toMatchObject({ secretEnv: 'SPANMAP_WEBHOOK_SECRET', batchSeconds: 0, maxBatch: 100, maxPerMinute: 30 });
    const r = runtimeAlerts(c.alerts, '0.0.0.0:8080', { SPANMAP_WEBHOOK_SECRET: 'from-console-env-0123456789' });
    expect(r.consoleUrl).toBe(`http://${hostname()}:8080`);
    expect(r.storm).toEqual({ threshold: 20, windowMs: 600_000 });
    expect(r.sinks[0]).toMatchObject({ type: 'syslog', transport: 'tcp', host: 'siem.example.net', port: 514, facility: 20, appName: 'spanmap', tls: null });
    expect(r.sinks[1]).toMatchObject({
      type: 'webhook',
      secret: 'from-console-env-0123456789',
      batchMs: 0,
      retry: { initialMs: 1000, maxMs: 300_000 },
      timeoutMs: 10_000,
    });
  });

  it('names a default for each sink from its address, and converts to what the dispatcher runs', () => {
    const c = validateConsoleConfig(
      {
        console: { http: '127.0.0.1:9000' },
        alerts: {
          storm: { threshold: 50, windowSeconds: 30 },
          sinks: [
            { type: 'syslog', url: 'udp://[::1]', facility: 'local7', retry: { initialSeconds: 0.5, maxSeconds: 60 } },
            { type: 'syslog', url: 'tls://siem:6514', timeoutSeconds: 3 },
            { type: 'webhook', url: 'http://10.0.0.9:8000/x', secretEnv: 'HOOK_SECRET', batchSeconds: 2.5 },
          ],
        },
      },
      { dataDir: '/d', env: ENV },
    );
    expect(c.alerts.sinks.map((s) => s.name)).toEqual(['syslog-udp-::1-514', 'syslog-tls-siem-6514', 'webhook-http-10.0.0.9-8000']);
    const r = runtimeAlerts(c.alerts, c.console.http, ENV);
    expect(r.consoleUrl).toBe('http://127.0.0.1:9000');
    expect(r.storm).toEqual({ threshold: 50, windowMs: 30_000 });
    expect(r.sinks.map((s) => (s.type === 'syslog' ? [s.transport, s.host, s.port, s.facility, s.retry, s.timeoutMs] : [s.batchMs, s.secret]))).toEqual([
      ['udp', '::1', 514, 23, { initialMs: 500, maxMs: 60_000 }, 10_000],
      ['tls', 'siem', 6514, 20, { initialMs: 1000, maxMs: 300_000 }, 3000],
      [2500, ENV.HOOK_SECRET],
    ]);
  });

  it('names every mistake, one line each, never showing a secret', () => {
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');
    const got = problems(
      {
        consoleUrl: 'ftp://x',
        storm: { threshold: 1 },
        sinks: [
          { type: 'smtp', url: 'mailto:x' },
          { type: 'syslog', url: 'http://siem:514', secretEnv: 'X' },
          { type: 'syslog', url: 'udp://siem', facility: 'local9', ca, appName: 'two words' },
          { type: 'syslog', url: 'tls://siem', cert: ca },
          { type: 'webhook', url: 'https://h/x' },
          { type: 'webhook', url: 'https://h/y', secretEnv: 'NOT_SET' },
          { type: 'webhook', url: 'https://h/z', secretEnv: 'SHORT', batchSeconds: -1, retry: { initialSeconds: 10, maxSeconds: 5 } },
          { type: 'webhook', name: 'dup', url: 'https://h/1', secretEnv: 'HOOK_SECRET' },
          { type: 'webhook', name: 'dup', url: 'https://h/2', secretEnv: 'HOOK_SECRET', facility: 'local4' },
        ],
      },
      { ...ENV, SHORT: 'tiny-secret' },
    );
    expect(got).toEqual([
      'alerts.consoleUrl: expected an http:// or https:// URL (where people open the console)',
      'alerts.storm.threshold: expected a whole number from 2 to 1000000, got 1',
      'alerts.sinks[0].type: expected syslog or webhook, got "smtp"',
      'alerts.sinks[0].url: expected a udp://, tcp:// or tls:// URL with a host, got "mailto:x"',
      'alerts.sinks[1].secretEnv: unknown key; expected one of type, name, url, maxPerMinute, timeoutSeconds, retry, facility, appName, hostname, ca, cert, key',
      'alerts.sinks[1].url: expected a udp://, tcp:// or tls:// URL with a host, got "http://siem:514"',
      expect.stringMatching(/^alerts\.sinks\[2\]\.facility: expected one of kern, .*local7, got "local9"$/),
      'alerts.sinks[2].appName: expected an app name (1-48 printable ASCII characters, no spaces), got "two words"',
      'alerts.sinks[2]: ca, cert and key are for tls:// URLs only',
      'alerts.sinks[3]: cert and key go together',
      'alerts.sinks[4].secretEnv: missing: the environment variable that holds the signing secret (X-Spanmap-Signature)',
      "alerts.sinks[5].secretEnv: the environment variable NOT_SET is not set (the webhook's signing secret)",
      'alerts.sinks[6].retry.maxSeconds: must be at least retry.initialSeconds',
      "alerts.sinks[6].secretEnv: the environment variable SHORT holds fewer than 16 characters (the webhook's signing secret)",
      'alerts.sinks[6].batchSeconds: expected a number from 0 to 3600, got -1',
      'alerts.sinks[8].facility: unknown key; expected one of type, name, url, maxPerMinute, timeoutSeconds, retry, secretEnv, batchSeconds, maxBatch, ca',
      'alerts.sinks[5].name: another sink is also named "webhook-https-h-443" (the default, from its address): give each a name',
      'alerts.sinks[6].name: another sink is also named "webhook-https-h-443" (the default, from its address): give each a name',
      'alerts.sinks[8].name: "dup" is listed twice',
    ]);
    expect(got.join('\n')).not.toContain('tiny-secret');
  });

  it('--dump hides credentials and query strings in sink URLs', () => {
    const c = validateConsoleConfig(
      { alerts: { sinks: [{ type: 'webhook', url: 'https://bot:pa55@chat.example.net/hooks/T0?token=abc', secretEnv: 'HOOK_SECRET' }] } },
      { dataDir: '/d', env: ENV },
    );
    const dump = dumpConsoleConfig(c);
    expect(dump).not.toMatch(/pa55|abc|a-webhook-secret/);
    expect(parse(dump).alerts.sinks[0].url).toBe('https://bot:(hidden)@chat.example.net/hooks/T0?(hidden)');
  });
});
