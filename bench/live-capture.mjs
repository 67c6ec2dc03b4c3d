#!/usr/bin/env node
// Benchmark: live capture at rising packet rates. A generated capture is replayed with tcpreplay
// into one end of a veth pair inside a network namespace of its own while `spanmap probe run`
// captures on the other end (probe pinned to one core, tcpreplay to another). For each rate it
// reports what tcpreplay says it sent, what the kernel saw, what the probe captured and what the
// kernel dropped, and checks that nothing vanished: sent = captured + dropped.
// usage (root): node bench/live-capture.mjs [--rates 25000,50000,...] [--seconds S] [--buffer SIZE] [--rps]
//                                            [--probe-cpu N] [--replay-cpu N] [--packets N] [--flows N]
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CLI, OUT, ROOT, ensureCapture, table, have, atExit } from './lib.mjs';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '25000,50000,100000,150000,200000,250000,300000,topspeed' },
    seconds: { type: 'string', default: '5' },
    buffer: { type: 'string', default: '' },
    'probe-cpu': { type: 'string', default: '0' },
    'replay-cpu': { type: 'string', default: '1' },
    packets: { type: 'string', default: '2000000' },
    flows: { type: 'string', default: '100000' },
    rps: { type: 'boolean', default: false },
  },
});
if (process.getuid?.() !== 0) throw new Error('the live capture benchmark needs root (network namespace, veth)');
for (const tool of ['ip', 'tcpreplay', 'taskset']) if (!have(tool)) throw new Error(`${tool} is not installed`);

const capture = join(OUT, `bench-${values.packets}p-${values.flows}f.pcap`);
ensureCapture(capture, ['--bench', '--packets', values.packets, '--flows', values.flows]);
const seconds = Number(values.seconds);
const rates = values.rates.split(',').map((r) => (r === 'topspeed' ? r : Number(r)));

const NS = `spanmap-bench-${randomBytes(3).toString('hex')}`;
const work = mkdtempSync(join(tmpdir(), 'spanmap-live-bench-'));
chmodSync(work, 0o755);
const ip = (...args) => execFileSync('ip', args, { stdio: 'pipe' });
const cleanup = () => {
  spawnSync('ip', ['netns', 'del', NS]);
  rmSync(work, { recursive: true, force: true });
};
atExit(cleanup);

ip('netns', 'add', NS);
// No IPv6 on the veths: the kernel would add its own router solicitations and MLD reports.
ip('netns', 'exec', NS, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1');
ip('-n', NS, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb');
// Large MTU so every frame of the capture can be sent as it is.
for (const d of ['va', 'vb']) ip('-n', NS, 'link', 'set', d, 'mtu', '65535', 'up');
// --rps: the kernel's receive work for vb (softirq, copy into the capture ring) runs on the probe's
// core too, as when a NIC's interrupts land there; by default it stays on the sender's core.
if (values.rps) {
  const mask = (1 << Number(values['probe-cpu'])).toString(16);
  execFileSync('ip', ['netns', 'exec', NS, 'sh', '-c', `for q in /sys/class/net/vb/queues/rx-*; do echo ${mask} > $q/rps_cpus; done`]);
}

const config = join(work, 'probe.yaml');
writeFileSync(config, `probe:\n  id: bench\ncapture:\n  interfaces:\n    - name: vb\n${values.buffer ? `      bufferSize: ${values.buffer}\n` : ''}`);

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

async function runRate(rate) {
  const probe = spawn('ip', ['netns', 'exec', NS, 'taskset', '-c', values['probe-cpu'], process.execPath, CLI, 'probe', 'run', '--config', config, '--stats'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  probe.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const exited = new Promise((res) => probe.on('close', res));
  for (let i = 0; !/capturing on/.test(stderr); i++) {
    if (i > 300 || probe.exitCode !== null) throw new Error(`probe did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const limit = rate === 'topspeed' ? Number(values.packets) : Math.min(Number(values.packets), Math.round(rate * seconds));
  const speed = rate === 'topspeed' ? ['--topspeed'] : ['--pps', String(rate)];
  const cpu0 = cpuSeconds(probe.pid);
  // --preload-pcap: packets come from memory, so the disk does not limit the sender.
  const tr = spawnSync(
    'ip',
    ['netns', 'exec', NS, 'taskset', '-c', values['replay-cpu'], 'tcpreplay', '-i', 'va', '--preload-pcap', ...speed, '--limit', String(limit), capture],
    { encoding: 'utf8' },
  );
  if (tr.status !== 0) throw new Error(`tcpreplay failed: ${tr.stderr}`);
  await new Promise((r) => setTimeout(r, 300)); // let the probe finish what the kernel already holds
  // CPU over the sending time (tcpreplay's own figure) plus that tail: the probe idles while tcpreplay preloads.
  const sendSeconds = Number(/Actual: \d+ packets \(\d+ bytes\) sent in ([\d.]+) seconds/.exec(tr.stdout)[1]);
  const cpu = (cpuSeconds(probe.pid) - cpu0) / (sendSeconds + 0.3);
  probe.kill('SIGTERM');
  await exited;
  const stats = JSON.parse(
    stderr
      .trim()
      .split('\n')
      .reverse()
      .find((l) => l.startsWith('{')),
  );
  const s = stats.interfaces[0];
  const sent = Number(/Actual: (\d+) packets/.exec(tr.stdout)[1]);
  const achieved = Number(/Rated: [\d.]+ Bps, [\d.]+ Mbps, ([\d.]+) pps/.exec(tr.stdout)[1]);
  const failed = Number(/Failed packets:\s+(\d+)/.exec(tr.stdout)[1]);
  return { rate, sent, achieved, failed, received: s.received, captured: s.captured, drops: s.kernelDrops, ifDrops: s.ifaceDrops, cpu, backend: s.backend };
}

const results = [];
for (const rate of rates) {
  const r = await runRate(rate);
  results.push(r);
  process.stderr.write(`${rate}: sent ${r.sent}, captured ${r.captured}, kernel drops ${r.drops}\n`);
}

const fmt = (n) => (n === null ? 'n/a' : n.toLocaleString('en-US'));
console.log(`\nlive capture (${results[0].backend} backend): ${capture.replace(ROOT + '/', '')}, ${seconds} s per rate,`);
console.log(
  `probe on cpu ${values['probe-cpu']}, tcpreplay on cpu ${values['replay-cpu']}, kernel receive path on cpu ${values.rps ? values['probe-cpu'] : values['replay-cpu']}, kernel buffer ${values.buffer || 'default (32MiB)'}`,
);
console.log(
  table(
    results.map((r) => [
      r.rate === 'topspeed' ? 'top speed' : fmt(r.rate),
      fmt(Math.round(r.achieved)),
      fmt(r.sent),
      fmt(r.failed),
      fmt(r.received),
      fmt(r.captured),
      fmt(r.drops),
      fmt(r.ifDrops),
      r.drops === null ? 'unknown' : fmt(r.sent - r.captured - r.drops),
      `${Math.round(r.cpu * 100)}%`,
    ]),
    ['target pps', 'sent pps', 'sent', 'tcpreplay failed', 'kernel received', 'captured', 'kernel drops', 'iface drops', 'unaccounted', 'probe cpu'],
  ),
);
// The highest achieved rate with zero drops such that no slower run dropped either (drops come in bursts).
let best = null;
for (const r of [...results].sort((a, b) => a.achieved - b.achieved)) {
  if (r.drops !== 0 || r.captured !== r.sent) break;
  best = r;
}
console.log(
  `\nhighest rate with zero drops (and none at any lower rate): ${best ? `${fmt(Math.round(best.achieved))} packets/s (target ${best.rate === 'topspeed' ? 'top speed' : fmt(best.rate)})` : 'none'}`,
);
const dropped = results.filter((r) => r.drops > 0);
console.log(
  dropped.length === 0
    ? 'no rate caused drops (the sender was the limit)'
    : `rates with drops: ${dropped.map((r) => `${r.rate === 'topspeed' ? 'top speed' : fmt(r.rate)} (${fmt(r.drops)} dropped, ${((100 * r.drops) / r.sent).toFixed(2)}%)`).join(', ')}`,
);
const bad = results.filter((r) => r.drops !== null && Math.abs(r.sent - r.captured - r.drops) > r.failed);
console.log(
  bad.length === 0
    ? 'every packet accounted for: sent = captured + kernel drops at every rate'
    : `UNACCOUNTED packets at: ${bad.map((r) => r.rate).join(', ')}`,
);
process.exitCode = bad.length === 0 ? 0 : 1;
