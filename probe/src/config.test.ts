import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateConfig, loadConfig, dumpConfig, parseHostPort, brokerAddress, ConfigError, defaultWorkers } from './config.js';
import { DEFAULT_FLOW_OPTIONS } from './flowtable/flow-table.js';

const tmp = mkdtempSync(join(tmpdir(), 'spanmap-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function problems(raw: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    validateConfig(raw, { env });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('probe config: defaults', () => {
  it('fills every section from defaults in code', () => {
    const c = validateConfig({ capture: { interfaces: [{ name: 'eth1' }] } }, { baseDir: '/etc/spanmap' });
    expect(c.probe.id).toBe(hostname());
    expect(c.capture).toEqual({
      backend: 'native',
      interfaces: [{ name: 'eth1', filter: '', promisc: true, snaplen: 256, bufferSize: 32 << 20 }],
      workers: defaultWorkers(),
    });
    expect(defaultWorkers()).toBeGreaterThanOrEqual(1);
    expect(defaultWorkers()).toBeLessThanOrEqual(8);
    expect(c.netflow).toEqual({ listeners: [] });
    expect(c.flows).toEqual({
      idle: DEFAULT_FLOW_OPTIONS.idleMs / 1000,
      active: DEFAULT_FLOW_OPTIONS.activeMs / 1000,
      grace: DEFAULT_FLOW_OPTIONS.graceMs / 1000,
      maxFlows: DEFAULT_FLOW_OPTIONS.maxFlows,
      decap: 'inner',
      dedupWindow: 2,
    });
    expect(c.store).toEqual({ dir: '/var/lib/spanmap', maxAgeDays: 30, maxBytes: 1 << 30 });
    expect(c.publish).toBeNull();
    expect(c.metrics).toEqual({ listen: null });
  });

  it('takes every documented key', () => {
    const c = validateConfig(
      {
        probe: { id: 'dc1-span-3' },
        capture: {
          backend: 'cap',
          workers: 3,
          interfaces: ['eth2', { name: 'eth3', filter: 'vlan or ip', promisc: false, snaplen: 128, bufferSize: '64MiB' }],
        },
        netflow: { listeners: [{ protocol: 'ipfix', listen: '[::]:4739' }, { listen: '0.0.0.0:2055' }] },
        flows: { idle: 60, active: 600, grace: 2.5, maxFlows: 5000, decap: 'outer', dedupWindow: 0.5 },
        store: { dir: 'data', maxAgeDays: 7, maxBytes: '2 GiB' },
        publish: { url: 'mqtts://broker.example:8883', username: 'probe', password: 'secret', interval: 30, inflight: 4 },
        metrics: { listen: '127.0.0.1:9464' },
      },
      { baseDir: '/etc/spanmap', env: {} },
    );
    expect(c.capture.interfaces).toEqual([
      { name: 'eth2', filter: '', promisc: true, snaplen: 256, bufferSize: 32 << 20 },
      { name: 'eth3', filter: 'vlan or ip', promisc: false, snaplen: 128, bufferSize: 64 << 20 },
    ]);
    expect(c.netflow.listeners).toEqual([
      { protocol: 'ipfix', listen: '[::]:4739' },
      { protocol: 'netflow', listen: '0.0.0.0:2055' },
    ]);
    expect(c.flows).toEqual({ idle: 60, active: 600, grace: 2.5, maxFlows: 5000, decap: 'outer', dedupWindow: 0.5 });
    expect(c.capture.workers).toBe(3);
    expect(c.store).toEqual({ dir: '/etc/spanmap/data', maxAgeDays: 7, maxBytes: 2 * 2 ** 30 });
    expect(c.publish).toEqual({ url: 'mqtts://broker.example:8883', username: 'probe', password: 'secret', interval: 30, inflight: 4 });
    expect(c.metrics.listen).toBe('127.0.0.1:9464');
  });

  it('takes the MQTT password from SPANMAP_MQTT_PASSWORD over the file', () => {
    const raw = { capture: { interfaces: ['eth1'] }, publish: { url: 'mqtt://b:1883', password: 'in-file' } };
    expect(validateConfig(raw, { env: { SPANMAP_MQTT_PASSWORD: 'from-env' } }).publish!.password).toBe('from-env');
    expect(validateConfig(raw, { env: {} }).publish!.password).toBe('in-file');
  });
});

describe('probe config: problems name the key and what was wrong', () => {
  it.each<[string, unknown, string]>([
    [
      'snaplen word',
      { capture: { interfaces: [{ name: 'eth0', snaplen: 'big' }] } },
      'capture.interfaces[0].snaplen: expected a whole number from 64 to 262144, got "big"',
    ],
    [
      'snaplen too small',
      { capture: { interfaces: [{ name: 'eth0', snaplen: 10 }] } },
      'capture.interfaces[0].snaplen: expected a whole number from 64 to 262144, got 10',
    ],
    ['workers zero', { capture: { interfaces: ['eth0'], workers: 0 } }, 'capture.workers: expected a whole number from 1 to 64, got 0'],
    ['dedup window negative', { capture: { interfaces: ['eth0'] }, flows: { dedupWindow: -1 } }, 'flows.dedupWindow: expected a number from 0 to 1000, got -1'],
    [
      'unknown key, with a suggestion',
      { capture: { interfaces: [{ name: 'eth0', filtre: 'tcp' }] } },
      'capture.interfaces[0].filtre: unknown key (did you mean "filter"?); expected one of name, filter, promisc, snaplen, bufferSize',
    ],
    [
      'unknown section',
      { capture: { interfaces: ['eth0'] }, mqtt: {} },
      'mqtt: unknown key; expected one of probe, capture, netflow, flows, store, publish, metrics',
    ],
    ['backend', { capture: { backend: 'pfring', interfaces: ['eth0'] } }, 'capture.backend: expected one of native, cap, got "pfring"'],
    [
      'promisc',
      { capture: { interfaces: [{ name: 'eth0', promisc: 'yes please' }] } },
      'capture.interfaces[0].promisc: expected true or false, got "yes please"',
    ],
    [
      'buffer size',
      { capture: { interfaces: [{ name: 'eth0', bufferSize: '10 parsecs' }] } },
      'capture.interfaces[0].bufferSize: expected a size in bytes (a whole number, or e.g. "64MiB") from 1MiB to 2047MiB, got "10 parsecs"',
    ],
    ['missing name', { capture: { interfaces: [{ filter: 'tcp' }] } }, 'capture.interfaces[0].name: missing (the interface to capture on, e.g. eth1)'],
    [
      'bad name',
      { capture: { interfaces: [{ name: 'eth0/1' }] } },
      'capture.interfaces[0].name: expected an interface name (1 to 15 characters, no spaces, "/" or ":"), got "eth0/1"',
    ],
    ['duplicate interface', { capture: { interfaces: ['eth0', 'eth0'] } }, 'capture.interfaces[1].name: "eth0" is listed twice'],
    ['interfaces not a list', { capture: { interfaces: 'eth0' } }, 'capture.interfaces: expected a list, got "eth0"'],
    ['nothing to capture', {}, 'capture.interfaces: nothing to capture: list at least one interface (or a netflow listener)'],
    [
      'listener address',
      { netflow: { listeners: [{ protocol: 'netflow', listen: '2055' }] } },
      'netflow.listeners[0].listen: expected "HOST:PORT" (e.g. "0.0.0.0:2055" or "[::]:4739"), got "2055"',
    ],
    [
      'listener protocol',
      { netflow: { listeners: [{ protocol: 'sflow', listen: '0.0.0.0:6343' }] } },
      'netflow.listeners[0].protocol: expected one of netflow, ipfix, got "sflow"',
    ],
    ['flows.idle', { capture: { interfaces: ['eth0'] }, flows: { idle: -1 } }, 'flows.idle: expected a number from 1 to 86400, got -1'],
    ['flows.maxFlows', { capture: { interfaces: ['eth0'] }, flows: { maxFlows: 1.5 } }, 'flows.maxFlows: expected a whole number from 1 to 50000000, got 1.5'],
    ['flows.decap', { capture: { interfaces: ['eth0'] }, flows: { decap: 'middle' } }, 'flows.decap: expected one of inner, outer, got "middle"'],
    [
      'store.maxBytes',
      { capture: { interfaces: ['eth0'] }, store: { maxBytes: 5 } },
      'store.maxBytes: expected a size in bytes (a whole number, or e.g. "64MiB") from 16MiB to 1048576GiB, got 5',
    ],
    [
      'publish without url',
      { capture: { interfaces: ['eth0'] }, publish: { username: 'x' } },
      'publish.url: missing (the broker, e.g. "mqtt://broker.example:1883")',
    ],
    [
      'publish url scheme',
      { capture: { interfaces: ['eth0'] }, publish: { url: 'http://broker' } },
      'publish.url: expected an mqtt://, mqtts://, ws:// or wss:// URL with a host, got "http://broker"',
    ],
    [
      'credentials in url',
      { capture: { interfaces: ['eth0'] }, publish: { url: 'mqtt://u:p@broker' } },
      'publish.url: credentials do not belong in the URL: use publish.username and publish.password (or SPANMAP_MQTT_PASSWORD)',
    ],
    [
      'publish.inflight',
      { capture: { interfaces: ['eth0'] }, publish: { url: 'mqtt://b', inflight: 0 } },
      'publish.inflight: expected a whole number from 1 to 1000, got 0',
    ],
    [
      'probe.id',
      { probe: { id: 'a/b' }, capture: { interfaces: ['eth0'] } },
      'probe.id: expected letters, digits, ".", "_" or "-" (at most 64; it is part of MQTT topics), got "a/b"',
    ],
    ['section type', { capture: { interfaces: ['eth0'] }, flows: [1, 2] }, 'flows: expected a mapping, got a list'],
    [
      'metrics',
      { capture: { interfaces: ['eth0'] }, metrics: { listen: 9464 } },
      'metrics.listen: expected "HOST:PORT" (e.g. "0.0.0.0:2055" or "[::]:4739"), got 9464',
    ],
  ])('%s', (_name, raw, expected) => {
    expect(problems(raw)).toEqual([expected]);
  });

  it('reports every problem at once', () => {
    const p = problems({ capture: { interfaces: [{ name: 'eth0', snaplen: 'big', promisc: 3 }] }, flows: { idle: 'soon' } });
    expect(p).toHaveLength(3);
    const e = (() => {
      try {
        validateConfig({ capture: { interfaces: [{ name: 'eth0', snaplen: 'big', promisc: 3 }] } });
      } catch (err) {
        return err as ConfigError;
      }
    })()!;
    expect(e.code).toBe('bad_config');
    expect(e.message).toMatch(/^capture\.interfaces\[0\]\.promisc: .* \(and 1 more; run with --check to list them\)$/);
  });
});

describe('probe config: files', () => {
  it('loads YAML, names the file in problems, and reports YAML syntax errors with a position', () => {
    const good = join(tmp, 'good.yaml');
    writeFileSync(good, 'capture:\n  interfaces:\n    - name: eth1\n      snaplen: 128\nstore:\n  dir: ./outbox\n');
    const c = loadConfig(good, {});
    expect(c.capture.interfaces[0]!.snaplen).toBe(128);
    expect(c.store.dir).toBe(join(tmp, 'outbox'));

    const bad = join(tmp, 'bad.yaml');
    writeFileSync(bad, 'capture:\n  interfaces:\n    - name: eth1\n      snaplen: big\n');
    expect(() => loadConfig(bad, {})).toThrow(`${bad}: capture.interfaces[0].snaplen: expected a whole number from 64 to 262144, got "big"`);

    const broken = join(tmp, 'broken.yaml');
    writeFileSync(broken, 'capture:\n  interfaces: [eth1\n');
    expect(() => loadConfig(broken, {})).toThrow(new RegExp(`^${broken.replace(/[.]/g, '\\.')}:\\d+:\\d+: `));

    const dup = join(tmp, 'dup.yaml');
    writeFileSync(dup, 'capture:\n  interfaces: [eth1]\ncapture:\n  backend: cap\n');
    expect(() => loadConfig(dup, {})).toThrow(/Map keys must be unique/);

    expect(() => loadConfig(join(tmp, 'missing.yaml'), {})).toThrow(/missing\.yaml: no such file or directory/);
  });

  it('dumps the effective config as YAML that loads back to the same config, without the password', () => {
    const c = validateConfig({ capture: { interfaces: ['eth1'] }, publish: { url: 'mqtt://b:1883', username: 'u', password: 'hunter2' } }, { env: {} });
    const text = dumpConfig(c);
    expect(text).not.toContain('hunter2');
    expect(text).toContain('password: (hidden)');
    const back = validateConfig(parse(text), { env: { SPANMAP_MQTT_PASSWORD: 'hunter2' } });
    expect(back).toEqual(c);
  });

  it('parses addresses', () => {
    expect(parseHostPort('0.0.0.0:2055')).toEqual({ host: '0.0.0.0', port: 2055 });
    expect(parseHostPort('[2001:db8::1]:4739')).toEqual({ host: '2001:db8::1', port: 4739 });
    expect(parseHostPort('collector.example:9995')).toEqual({ host: 'collector.example', port: 9995 });
    expect(parseHostPort('host:0')).toBeNull();
    expect(parseHostPort('host:65536')).toBeNull();
    expect(parseHostPort('::1:80')).toBeNull();
    expect(brokerAddress('mqtt://broker')).toEqual({ host: 'broker', port: 1883 });
    expect(brokerAddress('mqtts://[2001:db8::5]')).toEqual({ host: '2001:db8::5', port: 8883 });
    expect(brokerAddress('ws://10.0.0.1:9001/mqtt')).toEqual({ host: '10.0.0.1', port: 9001 });
  });
});
