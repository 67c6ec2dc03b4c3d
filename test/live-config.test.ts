import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { spanmap, hasStackTrace } from './helpers/cli.js';

// `spanmap probe run --config FILE [--check] [--dump]`: the real command, no capture needed.

const tmp = mkdtempSync(join(tmpdir(), 'spanmap-run-config-'));

function config(name: string, text: string): string {
  const f = join(tmp, name);
  writeFileSync(f, text);
  return f;
}

const GOOD = config(
  'good.yaml',
  `# a mirror port and a NetFlow listener
probe:
  id: dc1-span-3
capture:
  interfaces:
    - name: eth1
      filter: "not (ip6 and icmp6)"
      bufferSize: 64MiB
netflow:
  listeners:
    - { protocol: ipfix, listen: "0.0.0.0:4739" }
flows:
  idle: 120
publish:
  url: mqtt://broker.example:1883
  username: probe
  password: from-file
`,
);

describe('spanmap probe run --check / --dump', () => {
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('--check accepts a valid file: exit 0', async () => {
    const r = await spanmap(['probe', 'run', '--config', GOOD, '--check']);
    expect(r.code).toBe(0);
    expect(r.stderr.trim()).toBe(`spanmap: ${GOOD}: configuration is valid`);
    expect(r.stdout).toBe('');
  });

  it('--dump prints the effective config: defaults filled in, password hidden, env secret applied', async () => {
    const r = await spanmap(['probe', 'run', '--config', GOOD, '--dump'], { env: { SPANMAP_MQTT_PASSWORD: 'from-env' } });
    expect(r.code).toBe(0);
    const c = parse(r.stdout);
    expect(c.probe).toEqual({ id: 'dc1-span-3' });
    expect(c.capture).toEqual({
      backend: 'native',
      interfaces: [{ name: 'eth1', filter: 'not (ip6 and icmp6)', promisc: true, snaplen: 256, bufferSize: 64 << 20 }],
      workers: expect.any(Number),
    });
    expect(c.netflow).toEqual({ listeners: [{ protocol: 'ipfix', listen: '0.0.0.0:4739' }] });
    expect(c.flows).toEqual({ idle: 120, active: 1800, grace: 5, maxFlows: 1_000_000, decap: 'inner', dedupWindow: 2 });
    expect(c.store).toEqual({ dir: '/var/lib/spanmap', maxAgeDays: 30, maxBytes: 1 << 30 });
    expect(c.publish).toEqual({ url: 'mqtt://broker.example:1883', username: 'probe', password: '(hidden)', interval: 10, inflight: 8 });
    expect(c.metrics).toEqual({ listen: null });
    expect(r.stdout).not.toContain('from-env');
    expect(r.stdout).not.toContain('from-file');
  });

  it('--check lists every problem, one line each naming the file and key: exit 1', async () => {
    const bad = config('bad.yaml', 'capture:\n  interfaces:\n    - name: eth1\n      snaplen: big\n      filtre: tcp\nflows:\n  decap: middle\n');
    const r = await spanmap(['probe', 'run', '--config', bad, '--check']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      `spanmap: ${bad}: capture.interfaces[0].filtre: unknown key (did you mean "filter"?); expected one of name, filter, promisc, snaplen, bufferSize`,
      `spanmap: ${bad}: capture.interfaces[0].snaplen: expected a whole number from 64 to 262144, got "big"`,
      `spanmap: ${bad}: flows.decap: expected one of inner, outer, got "middle"`,
    ]);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it('--check compiles BPF filters with libpcap', async () => {
    const bad = config('filter.yaml', 'capture:\n  interfaces:\n    - name: eth1\n    - name: eth2\n      filter: "tcp prot 80"\n');
    const r = await spanmap(['probe', 'run', '--config', bad, '--check']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`spanmap: ${bad}: capture.interfaces[1].filter: can't parse filter expression: syntax error`);
  });

  it('without --check a bad file is one line and exit 1, before anything is opened', async () => {
    const bad = config('bad2.yaml', 'capture:\n  interfaces:\n    - name: eth1\n      snaplen: big\n      promisc: maybe\n');
    const r = await spanmap(['probe', 'run', '--config', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/capture\.interfaces\[0\]\.promisc: expected true or false, got "maybe" \(and 1 more; run with --check to list them\)/);
  });

  it('names YAML syntax errors with line and column, and a missing file', async () => {
    const broken = config('broken.yaml', 'capture:\n  interfaces:\n    - name: eth1\n   filter: tcp\n');
    let r = await spanmap(['probe', 'run', '--config', broken, '--check']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^spanmap: ${broken.replace(/\./g, '\\.')}:\\d+:\\d+: `));
    r = await spanmap(['probe', 'run', '--config', join(tmp, 'nope.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`spanmap: ${join(tmp, 'nope.yaml')}: no such file or directory`);
  });

  it.each([
    [['probe', 'run'], /--config FILE is required/],
    [['probe', 'run', '--config'], /option --config.* needs a value/],
    [['probe', 'run', '--config', GOOD, '--stats-interval', 'often'], /--stats-interval: expected a number/],
    [['probe', 'run', '--config', GOOD, 'extra'], /unexpected argument "extra"/],
  ])('usage errors exit 2: %j', async (args, re) => {
    const r = await spanmap(args);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(re);
  });

  it('has --help, and probe help lists run', async () => {
    let r = await spanmap(['probe', 'run', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('SIGHUP');
    expect(r.stdout).toContain('CAP_NET_RAW');
    r = await spanmap(['probe', '--help']);
    expect(r.stdout).toMatch(/^\s+run --config FILE/m);
  });
});
