import { describe, it, expect, afterEach } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spanmap, hasStackTrace } from './helpers/cli.js';
import { killAll, track } from './helpers/procs.js';
import { sharedInstall } from './helpers/installed.js';
import { CLI, REPO, pcap } from './helpers/paths.js';
import { readExportCapture } from '@spanmap/probe/netflow/export-capture';
import { Collector, DEFAULT_COLLECTOR } from '@spanmap/probe/netflow/collector';
import { flowRecordJson, type FlowRecord } from '@spanmap/shared';

/** `spanmap probe listen` as a user runs it: ports from its stderr, datagrams over UDP, SIGTERM. */
interface Running {
  child: ChildProcess;
  ports: Map<string, number>;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

// A failed expectation must not leave a listener running.
afterEach(() => killAll());

/** As `uid`: the installed copy (that user may not read the checkout), from '/'. */
function listen(args: string[], opts: { uid?: number } = {}): Promise<Running> {
  const cmd =
    opts.uid === undefined
      ? [process.execPath, CLI]
      : ['setpriv', `--reuid=${opts.uid}`, `--regid=${opts.uid}`, '--clear-groups', process.execPath, sharedInstall().cli];
  const child = spawn(cmd[0]!, [...cmd.slice(1), 'probe', 'listen', ...args], {
    cwd: opts.uid === undefined ? REPO : '/',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d) => (err += d));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  void exit.then(() => clearTimeout(timer));
  return new Promise((resolve) => {
    const ports = new Map<string, number>();
    const check = () => {
      for (const m of err.matchAll(/listening for (\w+) on \S+:(\d+)/g)) ports.set(m[1]!, Number(m[2]));
      if (ports.size === args.filter((a) => a === '--netflow' || a === '--ipfix').length || (/\n$/.test(err) && !err.includes('listening'))) {
        resolve({ child, ports, stdout: () => out, stderr: () => err, exit });
        return true;
      }
      return false;
    };
    child.stderr!.on('data', () => check());
    void exit.then(() => resolve({ child, ports, stdout: () => out, stderr: () => err, exit }));
  });
}

async function sendAll(port: number, msgs: Array<{ payload: Buffer }>): Promise<void> {
  const s: Socket = createSocket('udp4');
  for (const m of msgs) await new Promise<void>((r) => s.send(m.payload, port, '127.0.0.1', () => r()));
  s.close();
}

/** What the collector makes of the same datagrams in-process, as JSON lines. */
function expected(files: string[]): string[] {
  const out: FlowRecord[] = [];
  const c = new Collector(DEFAULT_COLLECTOR, { send: (r) => out.push(r) });
  for (const f of files) for (const d of readExportCapture(f)) c.handle(d.payload, '127.0.0.1', d.ts, 1);
  c.flush();
  return out.map(flowRecordJson).sort();
}

const settle = () => new Promise((r) => setTimeout(r, 300));

describe('spanmap probe listen (the real command)', () => {
  it('has --help, and is listed by spanmap probe', async () => {
    const r = await spanmap(['probe', 'listen', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--netflow HOST:PORT');
    expect(r.stdout).toContain('--pair-window S');
    expect((await spanmap(['probe', '--help'])).stdout).toMatch(/listen\s+receive NetFlow/);
  });

  it.each([
    [['--netflow', 'collector'], /--netflow: missing :PORT in "collector"/],
    [['--ipfix', '::1:4739'], /--ipfix: an IPv6 address needs brackets/],
    [['--netflow', '127.0.0.1:99999'], /not a port/],
    [['--pair-window', 'soon'], /--pair-window: expected a number/],
    [['--format', 'xml'], /--format: expected one of jsonl, table/],
    [['stray'], /Unexpected argument|unexpected/i],
  ])('usage error %j: one line, exit 2', async (args, msg) => {
    const r = await spanmap(['probe', 'listen', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(r.stderr.trim().split('\n')).toHaveLength(2); // the error and the --help hint
  });

  it('a port in use: one clear line, exit 1', async () => {
    const busy = createSocket('udp4');
    await new Promise<void>((r) => busy.bind(0, '127.0.0.1', () => r()));
    const port = busy.address().port;
    const r = await spanmap(['probe', 'listen', '--ipfix', `127.0.0.1:${port}`]);
    busy.close();
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`spanmap: --ipfix 127.0.0.1:${port}: address already in use (another collector on this port?)\n`);
  });

  // Needs root to drop to nobody, and a kernel that still reserves ports below 1024.
  const unprivilegedStart = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', { encoding: 'utf8', flag: 'r' }).trim() || '1024');
  it.skipIf(process.getuid?.() !== 0 || unprivilegedStart <= 999)('a privileged port without the privilege: permission denied, exit 1', async () => {
    const run = await listen(['--netflow', '127.0.0.1:999'], { uid: 65534 });
    expect(await run.exit).toBe(1);
    expect(run.stderr()).toBe('spanmap: --netflow 127.0.0.1:999: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)\n');
  });

  it('prints the records of a real exporter capture, flushes the waiting ones on SIGTERM, exits 0 with a summary', async () => {
    const file = pcap('netflow', 'graylog__nprobe-netflow9-3.pcap');
    const run = await listen(['--netflow', '127.0.0.1:0', '--ipfix', '127.0.0.1:0', '--stats']);
    expect(run.ports.get('NetFlow')).toBeGreaterThan(0);
    await sendAll(run.ports.get('NetFlow')!, readExportCapture(file));
    await settle();
    run.child.kill('SIGUSR1');
    await settle();
    expect(run.stderr()).toMatch(/spanmap: listen: 72 datagrams/);
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    const lines = run.stdout().trim().split('\n');
    expect(lines.map((l) => flowRecordJson(JSON.parse(l) as FlowRecord)).sort()).toEqual(expected([file]));
    expect(lines).toHaveLength(446);
    const err = run.stderr().trim().split('\n');
    expect(err.find((l) => l.startsWith('spanmap: listen:'))).toMatch(
      /72 datagrams \(v5 0, v9 72, ipfix 0\); 892 records -> 446 flows \(446 paired, 0 alone, 0 biflow\); rejected: none; lost per exporter sequence: v5 flows 0, v9 packets 0, ipfix records 0; kernel drops 0/,
    );
    const stats = JSON.parse(err.at(-1)!);
    expect(stats.sockets).toHaveLength(2);
    expect(stats.flows.emitted).toBe(446);
    expect(hasStackTrace(run.stderr())).toBe(false);
  });

  it('--data: templates learned before a restart decode the data sent after it (SIGINT stops too)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spanmap-listen-'));
    try {
      const datagrams = readExportCapture(pcap('netflow', 'pmacct__101-NFv9-CISCO-cust_primitives__traffic-00.pcap'));
      // the first datagram holds the template (id 313), the other 39 only data
      const first = await listen(['--netflow', '127.0.0.1:0', '--data', dir]);
      await sendAll(first.ports.get('NetFlow')!, datagrams.slice(0, 1));
      await settle();
      first.child.kill('SIGINT');
      expect(await first.exit).toBe(0);

      const second = await listen(['--netflow', '127.0.0.1:0', '--data', dir, '--format', 'table']);
      await sendAll(second.ports.get('NetFlow')!, datagrams.slice(1));
      await settle();
      second.child.kill('SIGTERM');
      expect(await second.exit).toBe(0);
      expect(second.stderr()).toMatch(/restored 1 templates from .*netflow-templates/);
      expect(second.stderr()).toMatch(/51 records -> 51 flows/);
      expect(second.stderr()).toMatch(/rejected: none/);
      expect(second.stdout()).toMatch(/initiator\s+responder/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
