import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { validateConsoleConfig, loadConsoleConfig, dumpConsoleConfig, ConsoleConfigError } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'spanmap-console-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const EXAMPLE = resolve(import.meta.dirname, '..', '..', 'deploy', 'console.yaml');

function problems(raw: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    validateConsoleConfig(raw, { dataDir: '/d', env });
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(ConsoleConfigError);
    return (e as ConsoleConfigError).problems;
  }
}

describe('console config', () => {
  it('fills everything from defaults in code', () => {
    const c = validateConsoleConfig({}, { dataDir: '/d', env: {} });
    expect(c.console).toEqual({ data: '/d', http: '127.0.0.1:8080', store: null });
    expect(c.broker).toEqual({ listen: '127.0.0.1:1883', users: [], tls: null });
    expect(c.api.bodyLimit).toBe(1 << 20);
    expect(c.metrics).toEqual({ enabled: true, auth: true });
  });

  it('merges a file over the defaults, resolving paths from the file and sizes with units', () => {
    const f = join(dir, 'c.yaml');
    writeFileSync(join(dir, 'broker.pem'), 'x');
    writeFileSync(
      f,
      'console:\n  data: state\napi:\n  bodyLimit: 64KiB\n  tokens:\n    - { name: grafana, role: viewer, token: "0123456789abcdefXYZ" }\nbroker:\n  tls: { cert: broker.pem, key: broker.pem }\n',
    );
    const c = loadConsoleConfig(f, '/d', {});
    expect(c.console.data).toBe(join(dir, 'state'));
    expect(c.console.http).toBe('127.0.0.1:8080');
    expect(c.api.bodyLimit).toBe(65536);
    expect(c.api.tokens).toEqual([{ name: 'grafana', role: 'viewer', token: '0123456789abcdefXYZ' }]);
    expect(c.broker.tls).toEqual({ cert: join(dir, 'broker.pem'), key: join(dir, 'broker.pem'), ca: null });
  });

  it('names the key and the problem for every mistake at once, never repeating a secret', () => {
    const p = problems({
      api: { bodyLimit: 'huge', tokenz: [], tokens: [{ name: 'x', role: 'admin', token: 'short-secret' }] },
      broker: { users: [{ username: 'a b', password: 'pw' }], tls: { cert: '/nonexistent.pem' } },
      metrics: { enabled: 'yes' },
      merge: { stagedRecords: 10 },
    });
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^api\.bodyLimit: expected a size/),
        expect.stringMatching(/^api\.tokenz: unknown key \(did you mean "tokens"\?\)/),
        expect.stringMatching(/^api\.tokens\[0\]\.role: expected one of viewer, editor, got "admin"/),
        expect.stringMatching(/^api\.tokens\[0\]\.token: expected at least 16 characters/),
        expect.stringMatching(/^broker\.users\[0\]\.username: expected a probe id/),
        expect.stringMatching(/^broker\.users\[0\]\.password: expected a password of at least 8 characters/),
        expect.stringMatching(/^broker\.tls\.cert: \/nonexistent\.pem: no such file/),
        expect.stringMatching(/^merge\.stagedRecords: /),
        'broker.tls.key: missing (a PEM file)',
        expect.stringMatching(/^metrics\.enabled: expected true or false/),
      ]),
    );
    expect(p).toHaveLength(10);
    expect(p.join('\n')).not.toMatch(/short-secret|"pw"/);
  });

  it('takes secrets from the environment and hides them in --dump', () => {
    const env = { SPANMAP_API_TOKEN: 'env-token-0123456789', SPANMAP_MQTT_PASSWORD: 'mqtt-secret', SPANMAP_MQTT_USERS: 'probe-a:secret-a1,probe-b:secret:b2' };
    const c = validateConsoleConfig({ mqtt: { username: 'console' } }, { dataDir: '/d', env });
    expect(c.api.tokens).toEqual([{ name: 'env-token', role: 'editor', token: 'env-token-0123456789' }]);
    expect(c.broker.users).toEqual([
      { username: 'probe-a', password: 'secret-a1' },
      { username: 'probe-b', password: 'secret:b2' },
    ]);
    expect(c.mqtt.password).toBe('mqtt-secret');
    const dump = dumpConsoleConfig(c);
    for (const s of Object.values(env)) expect(dump).not.toContain(s.split(':').pop()!);
    expect(parse(dump).broker.users).toEqual([
      { username: 'probe-a', password: '(hidden)' },
      { username: 'probe-b', password: '(hidden)' },
    ]);
    expect(problems({}, { SPANMAP_MQTT_USERS: 'probe-a:ok-password,probe b:hunter2' })).toEqual([
      expect.stringMatching(/^SPANMAP_MQTT_USERS: entry 2: username "probe b" is not a probe id/),
    ]);
  });

  it('the example deploy/console.yaml is valid, and its comments name only keys that exist', () => {
    const c = loadConsoleConfig(EXAMPLE, '/d', {});
    expect(c.console.data).toBe('/var/lib/spanmap/console');
    // Commented-out entries, uncommented, must validate too (what an operator will do first).
    const uncommented = readFileSync(EXAMPLE, 'utf8')
      .replace(/^(\s*)#( {2}- \{ (?:username|name): )/gm, '$1$2')
      .replace(/^ {2}users: \[\]\n/m, '  users:\n')
      .replace(/^ {2}tokens: \[\]\n/m, '  tokens:\n');
    const f = join(dir, 'uncommented.yaml');
    writeFileSync(f, uncommented);
    const u = loadConsoleConfig(f, '/d', {});
    expect(u.broker.users.map((x) => x.username)).toEqual(['probe-dc1-core']);
    expect(u.api.tokens.map((t) => [t.name, t.role])).toEqual([
      ['alice', 'editor'],
      ['grafana', 'viewer'],
    ]);
  });

  it('reports YAML syntax errors with the line', () => {
    const f = join(dir, 'broken.yaml');
    writeFileSync(f, 'api:\n  bodyLimit: [1\n');
    expect(() => loadConsoleConfig(f, '/d', {})).toThrow(new RegExp(`^${f}:\\d+:\\d+: `));
  });
});
