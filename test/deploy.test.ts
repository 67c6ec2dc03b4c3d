import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { spawnSync, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, readFileSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FlowRecord } from '@spanmap/shared';
import { REPO, pcap } from './helpers/paths.js';
import { readFlows } from './helpers/flows.js';
import { aggregate } from './helpers/oracle.js';
import { hasStackTrace } from './helpers/cli.js';
import { freePort, tempDir, waitFor, killAll, Proc } from './helpers/procs.js';
import { installInto, layout, PREFIX } from './helpers/installed.js';

// Issue 9's deployment proof: the systemd units verify (and score "OK" in systemd's own exposure
// analysis); `scripts/install.sh` (make install) stages a tree whose units, example configs and
// command work on their own; and the installed probe captures in a network namespace as an
// unprivileged user holding CAP_NET_RAW and CAP_NET_ADMIN and nothing else — as the unit runs it.

const UNITS = ['spanmap-probe.service', 'spanmap-console.service'];
// A root of its own: these tests edit the installed configs and install again.
const { root, lib, cli: installed } = layout(tempDir('install'));

/** The unit's [Service] settings, key → values in order (repeated keys kept). */
function settings(file: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  }
  return out;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
}

beforeAll(() => void installInto(root), 180_000);
afterEach(() => killAll());

describe('systemd units', () => {
  it.each(UNITS)('%s passes systemd-analyze verify, in the repo and as installed', (unit) => {
    for (const f of [join(REPO, 'systemd', unit), join(root, 'etc', 'systemd', 'system', unit)]) {
      const r = run('systemd-analyze', ['verify', f]);
      expect(r.stderr + r.stdout, f).toBe('');
      expect(r.status, f).toBe(0);
    }
  });

  it.each(UNITS)('%s is rated OK by systemd-analyze security', (unit) => {
    const r = run('systemd-analyze', ['security', '--offline=true', join(REPO, 'systemd', unit)]);
    const m = /Overall exposure level for \S+: (\d+\.\d+) (\w+)/.exec(r.stdout);
    expect(m, r.stdout + r.stderr).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(2.5);
  });

  it('gives the probe only its two capabilities and the console none, unprivileged and confined', () => {
    const probe = settings(join(REPO, 'systemd', 'spanmap-probe.service'));
    const console_ = settings(join(REPO, 'systemd', 'spanmap-console.service'));
    expect(probe.get('CapabilityBoundingSet')).toEqual(['CAP_NET_RAW CAP_NET_ADMIN']);
    expect(probe.get('AmbientCapabilities')).toEqual(['CAP_NET_RAW CAP_NET_ADMIN']);
    expect(console_.get('CapabilityBoundingSet')).toEqual(['']);
    expect(console_.get('AmbientCapabilities')).toEqual(['']);
    expect(probe.get('RestrictAddressFamilies')![0]!.split(' ').sort()).toEqual(['AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_PACKET', 'AF_UNIX']);
    expect(console_.get('RestrictAddressFamilies')![0]!.split(' ').sort()).toEqual(['AF_INET', 'AF_INET6', 'AF_UNIX']);
    for (const [name, s] of [
      ['probe', probe],
      ['console', console_],
    ] as const) {
      for (const [k, v] of Object.entries({
        DynamicUser: 'yes',
        NoNewPrivileges: 'yes',
        ProtectSystem: 'strict',
        ProtectHome: 'yes',
        PrivateTmp: 'yes',
        Restart: 'on-failure',
      })) {
        expect(s.get(k), `${name}: ${k}`).toEqual([v]);
      }
      expect(s.get('StateDirectory'), name).toEqual([`spanmap/${name}`]);
      expect(s.get('RestartSec'), name).toBeDefined();
      // JSON logs to journald, the config validated before the start.
      expect(s.get('ExecStart')![0]).toMatch(/--log-format json$/);
      expect(s.get('ExecStartPre')![0]).toMatch(/--check$/);
    }
  });
});

describe('make install (scripts/install.sh)', () => {
  it('installs the command, rewrites the units for this tree and keeps only production dependencies', () => {
    expect(realpathSync(installed)).toBe(join(lib, 'bin', 'spanmap.js'));
    const r = run(process.execPath, [installed, '--version']);
    expect(r.stdout).toMatch(/^spanmap \d+\.\d+\.\d+/);
    const unit = readFileSync(join(root, 'etc', 'systemd', 'system', 'spanmap-probe.service'), 'utf8');
    expect(unit).toContain(`${process.execPath} ${PREFIX}/lib/spanmap/bin/spanmap.js probe run --config /etc/spanmap/probe.yaml`);
    for (const dev of ['vitest', 'vite', 'typescript', 'playwright-core']) expect(existsSync(join(lib, 'node_modules', dev)), dev).toBe(false);
    for (const dep of ['lmdb', 'mqtt', 'hono', 'aedes', 'cap', 'prom-client', 'pino']) expect(existsSync(join(lib, 'node_modules', dep)), dep).toBe(true);
    expect(existsSync(join(lib, 'console', 'ui', 'dist', 'index.html'))).toBe(true);
    expect(readdirSync(join(lib, 'probe', 'dist')).some((f) => f.endsWith('.test.js'))).toBe(false);
  });

  it('keeps an operator’s edited config on a second install', () => {
    const f = join(root, 'etc', 'spanmap', 'console.yaml');
    writeFileSync(f, readFileSync(f, 'utf8') + '# edited by the operator\n');
    const r = installInto(root);
    expect(r.stdout).toContain(`keeping ${f}`);
    expect(readFileSync(f, 'utf8')).toContain('# edited by the operator');
  }, 180_000);

  it.each(['probe', 'console'])('the example %s config is valid (--check), with secrets from the environment', (c) => {
    const f = join(root, 'etc', 'spanmap', `${c}.yaml`);
    const args = c === 'probe' ? ['probe', 'run', '--config', f, '--check'] : ['console', '--config', f, '--check'];
    const r = run(process.execPath, [installed, ...args], { SPANMAP_MQTT_PASSWORD: 'from-the-env-file', SPANMAP_API_TOKEN: 'an-api-token-from-the-env-file' });
    expect(r.stderr).toMatch(/configuration is valid/);
    expect(r.status).toBe(0);
    // A typo is refused with the key named, before any start.
    const bad = join(root, `bad-${c}.yaml`);
    writeFileSync(
      bad,
      readFileSync(f, 'utf8')
        .replace(/^(\s*)interval: 10/m, '$1interval: often')
        .replace(/^(\s*)bodyLimit: 1MiB/m, '$1bodyLimit: huge'),
    );
    const b = run(process.execPath, [installed, ...args.slice(0, -2), bad, '--check']);
    expect(b.status).toBe(1);
    expect(b.stderr).toMatch(c === 'probe' ? /publish\.interval: expected/ : /api\.bodyLimit: expected/);
    expect(hasStackTrace(b.stderr)).toBe(false);
  });

  it('the installed console serves its API and web UI from the installed tree alone', async () => {
    const http = await freePort();
    const dir = tempDir('installed-console');
    const c = new Proc(
      process.execPath,
      [installed, 'console', '--data', dir, '--http', `127.0.0.1:${http}`, '--broker', `127.0.0.1:${await freePort()}`, '--log-format', 'json'],
      { cwd: '/', env: { SPANMAP_API_TOKEN: 'installed-token-0123456789' } },
    );
    try {
      await waitFor('the installed console', async () => (await fetch(`http://127.0.0.1:${http}/api/v1/health`)).ok, 20_000, 200);
      const page = await fetch(`http://127.0.0.1:${http}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
      const m = await fetch(`http://127.0.0.1:${http}/metrics`, { headers: { authorization: 'Bearer installed-token-0123456789' } });
      expect(await m.text()).toMatch(/^spanmap_ingest_records_total 0$/m);
    } finally {
      await c.stop();
    }
    // Structured logs: one JSON object per line on stdout.
    const lines = c.out.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(JSON.parse(l)).toMatchObject({ name: 'console', level: expect.any(String), msg: expect.any(String) });
  }, 60_000);
});

function netnsSkip(): string | null {
  if (process.getuid?.() !== 0) return 'not root: a network namespace needs root (CI runs as root)';
  const name = `spanmap-check-${randomBytes(3).toString('hex')}`;
  const r = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `no network namespace support (${(r.error?.message ?? r.stderr).trim()})`;
  spawnSync('ip', ['netns', 'del', name]);
  return null;
}
const SKIP = netnsSkip();

describe.skipIf(SKIP !== null)(`the installed probe, unprivileged with two capabilities${SKIP ? ` (skipped: ${SKIP})` : ''}`, () => {
  const NS = `spanmap-dep-${randomBytes(4).toString('hex')}`;
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
  beforeAll(() => {
    ip('netns', 'add', NS);
    process.once('exit', () => spawnSync('ip', ['netns', 'del', NS]));
    ip('netns', 'exec', NS, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1');
    ip('-n', NS, 'link', 'set', 'lo', 'up');
    ip('-n', NS, 'link', 'add', 'va1', 'type', 'veth', 'peer', 'name', 'vb1');
    for (const dev of ['va1', 'vb1']) ip('-n', NS, 'link', 'set', dev, 'mtu', '65535', 'up');
  });
  afterAll(async () => {
    await killAll();
    spawnSync('ip', ['netns', 'del', NS]);
  });

  it('captures exactly what probe read sees, holding CAP_NET_RAW and CAP_NET_ADMIN only, and serves its metrics', async () => {
    const capture = pcap('mixed', 'zeek__kinit.pcap');
    const dir = tempDir('unpriv');
    chmodSync(dir, 0o755);
    const store = join(dir, 'store');
    execFileSync('mkdir', ['-p', store]);
    chownSync(store, 65534, 65534);
    const cfg = join(dir, 'probe.yaml');
    writeFileSync(
      cfg,
      `probe:\n  id: unpriv\ncapture:\n  interfaces:\n    - name: vb1\n      promisc: true\nstore:\n  dir: ${store}\nmetrics:\n  listen: 127.0.0.1:9465\n`,
      { mode: 0o644 },
    );
    // What the unit does: another user, the two capabilities in the bounding and ambient sets,
    // no new privileges.
    const caps = [
      'setpriv',
      '--reuid=nobody',
      '--regid=nogroup',
      '--clear-groups',
      '--bounding-set=-all,+net_raw,+net_admin',
      '--inh-caps=-all,+net_raw,+net_admin',
      '--ambient-caps=-all,+net_raw,+net_admin',
      '--no-new-privs',
    ];
    const probe = new Proc('ip', ['netns', 'exec', NS, ...caps, process.execPath, installed, 'probe', 'run', '--config', cfg, '--log-format', 'json'], {
      cwd: '/',
    });
    await waitFor('the probe to capture', () => /capturing on vb1/.test(probe.err), 20_000, 50);

    // The process (node, a child of setpriv's exec) runs as nobody with exactly the two capabilities.
    const pid = Number(
      execFileSync('pgrep', ['-f', '-n', `${installed} probe run --config ${cfg}`])
        .toString()
        .trim(),
    );
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const capBits = (name: string) => BigInt('0x' + new RegExp(`^${name}:\\s+(\\w+)`, 'm').exec(status)![1]);
    const TWO = (1n << 12n) | (1n << 13n); // CAP_NET_ADMIN, CAP_NET_RAW
    expect(status).toMatch(/^Uid:\s+65534\s/m);
    expect(capBits('CapEff')).toBe(TWO);
    expect(capBits('CapPrm')).toBe(TWO);
    expect(capBits('CapBnd')).toBe(TWO);
    expect(capBits('CapAmb')).toBe(TWO);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);

    const r = spawnSync('ip', ['netns', 'exec', NS, 'tcpreplay', '-i', 'va1', '--topspeed', capture], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const sent = Number(/Actual: (\d+) packets/.exec(r.stdout)![1]);
    const metrics = await waitFor(
      'every frame counted',
      () => {
        const m = spawnSync('ip', ['netns', 'exec', NS, 'curl', '-s', 'http://127.0.0.1:9465/metrics'], { encoding: 'utf8' }).stdout;
        return new RegExp(`^spanmap_probe_captured_total\\{iface="vb1"\\} ${sent}$`, 'm').test(m) ? m : null;
      },
      15_000,
      200,
    );
    expect(metrics).toMatch(/^spanmap_probe_kernel_drops_total\{iface="vb1"\} 0$/m); // known, and zero
    expect(metrics).toMatch(/^spanmap_probe_interface_up\{iface="vb1"\} 1$/m);

    expect(await probe.stop()).toBe(0);
    expect(hasStackTrace(probe.err)).toBe(false);
    // Without a publish section the records are JSON lines on stdout and the logs JSON on stderr.
    for (const l of probe.err.trim().split('\n')) expect(JSON.parse(l)).toHaveProperty('msg');
    const records = probe.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as FlowRecord);
    const expected = aggregate((await readFlows([capture])).records);
    const got = aggregate(records);
    expect([...got.entries()].sort()).toEqual([...expected.entries()].sort());
  }, 60_000);
});
