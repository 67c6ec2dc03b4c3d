#!/usr/bin/env node
// Benchmark: `spanmap probe read` against softflowd, nfpcapd and argus on the same capture
// (2M packets over 100k flows from our own generator). Alternating runs, medians, reported as
// throughput ratios; peak RSS of each tool. One core: every tool pinned to CPU 0 (taskset), as
// softflowd, nfpcapd and argus use one core; spanmap's defaults there are deduplication and
// passive naming on. Then spanmap on every core (worker threads), the cost of deduplication and
// naming, and memory per active flow with 1M concurrent flows.
// usage: node bench/probe-read.mjs [--runs N] [--packets N] [--flows N] [--quick]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CLI, OUT, timed, median, have, ensureCapture, table } from './lib.mjs';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    packets: { type: 'string', default: '2000000' },
    flows: { type: 'string', default: '100000' },
    quick: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const packets = Number(values.packets);
const flows = Number(values.flows);
const capture = join(OUT, `bench-${packets}p-${flows}f.pcap`);
ensureCapture(capture, ['--bench', '--packets', String(packets), '--flows', String(flows)]);

const work = mkdtempSync(join(tmpdir(), 'spanmap-bench-'));
const pin = have('taskset') ? ['taskset', '-c', '0'] : [];
const cores = availableParallelism();
const spanmap = (name, args, onOneCore = true) => ({
  name,
  cmd: onOneCore && pin.length ? pin[0] : process.execPath,
  args: [...(onOneCore && pin.length ? [...pin.slice(1), process.execPath] : []), CLI, 'probe', 'read', ...args, capture],
});
const peer = (name, cmd, args) =>
  have(cmd) && { name, cmd: pin.length ? pin[0] : cmd, args: [...(pin.length ? [...pin.slice(1), cmd] : []), ...args], peer: true };
const tools = [
  spanmap('spanmap', ['--workers', '1']),
  ...(values.quick
    ? []
    : [
        spanmap('spanmap dedup off', ['--workers', '1', '--dedup-window', '0']),
        spanmap('spanmap names off', ['--workers', '1', '--names', 'off']),
        spanmap('spanmap both off', ['--workers', '1', '--dedup-window', '0', '--names', 'off']),
      ]),
  ...(cores > 1 ? [spanmap(`spanmap ${Math.min(cores, 8)} workers`, ['--workers', String(Math.min(cores, 8))], false)] : []),
  // Every tool does the same work: all flows held (softflowd -m above the flow count), records out.
  // softflowd 1.1.0 reads an uninitialised pollfd in file mode and can block in accept() on its
  // control socket; with a short socket path the stack happens to be clean. Keep it short.
  peer('softflowd', 'softflowd', [
    '-r',
    capture,
    '-m',
    String(Math.max(300000, flows * 3)),
    '-n',
    '127.0.0.1:9',
    '-d',
    '-6',
    '-p',
    '/tmp/sfb.pid',
    '-c',
    '/tmp/sfb.ctl',
  ]),
  peer('nfpcapd', 'nfpcapd', ['-r', capture, '-w', work]),
  peer('argus', 'argus', ['-r', capture, '-w', '/dev/null']),
].filter(Boolean);

const times = Object.fromEntries(tools.map((t) => [t.name, []]));
const rss = Object.fromEntries(tools.map((t) => [t.name, []]));
for (let i = 0; i < runs; i++) {
  for (const t of tools) {
    const r = timed(t.cmd, t.args, { stdout: 'ignore', allowFail: t.peer === true, timeoutMs: 120_000 });
    times[t.name].push(r.wall);
    if (r.rssKb) rss[t.name].push(r.rssKb);
  }
  process.stderr.write(`run ${i + 1}/${runs} done\n`);
}
const ours = median(times.spanmap);
const rows = tools.map((t) => {
  const m = median(times[t.name]);
  return [
    t.name + (t.name.includes('workers') ? ` (${cores} cores)` : ''),
    m.toFixed(2),
    Math.min(...times[t.name]).toFixed(2),
    (packets / m / 1e6).toFixed(2),
    rss[t.name].length ? (median(rss[t.name]) / 1024).toFixed(0) : '-',
    t.peer ? `${(m / ours).toFixed(2)}x` : '',
  ];
});
console.log(
  `\nprobe read throughput: ${packets} packets, ${flows} flows, median of ${runs} alternating runs${pin.length ? ', one core (taskset -c 0) unless workers' : ''}`,
);
console.log(table(rows, ['tool', 'median s', 'min s', 'Mpkt/s', 'peak RSS MiB', 'spanmap is faster by']));

// Memory per active flow: 1M flows all open at once (SYN and SYN-ACK each), read with room for all.
const concurrent = join(OUT, 'bench-concurrent-1000000f.pcap');
ensureCapture(concurrent, ['--bench', '--concurrent', '--flows', '1000000']);
const tiny = join(OUT, 'bench-tiny.pcap');
ensureCapture(tiny, ['--bench', '--packets', '12', '--flows', '2']);
const empty = timed(process.execPath, [CLI, 'probe', 'read', '--workers', '1', tiny]);
const full = timed(process.execPath, [CLI, 'probe', 'read', '--workers', '1', '--max-flows', '1000000', '--stats', concurrent], { stdout: 'ignore' });
const stats = JSON.parse(
  full.stderr
    .trim()
    .split('\n')
    .find((l) => l.startsWith('{')),
);
console.log(`\nmemory with ${stats.maxActiveFlows} concurrent flows:`);
console.log(
  `  flow table storage in use: ${(stats.table.storageBytes / stats.maxActiveFlows).toFixed(1)} bytes per active flow (${(stats.table.storageBytes / 2 ** 20).toFixed(1)} MiB)`,
);
if (full.rssKb && empty.rssKb)
  console.log(
    `  process peak RSS: ${(full.rssKb / 1024).toFixed(0)} MiB (an idle read of a tiny capture: ${(empty.rssKb / 1024).toFixed(0)} MiB), ${(((full.rssKb - empty.rssKb) * 1024) / stats.maxActiveFlows).toFixed(1)} bytes per active flow above it`,
  );
rmSync(work, { recursive: true, force: true });
