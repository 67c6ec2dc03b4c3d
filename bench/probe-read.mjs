#!/usr/bin/env node
// Benchmark: `spanmap probe read` against softflowd, nfpcapd and argus on the same capture
// (2M packets over 100k flows from our own generator). Alternating runs, median wall time,
// reported as throughput ratios. Then memory per active flow with 1M concurrent flows.
// usage: node bench/probe-read.mjs [--runs N] [--packets N] [--flows N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CLI, OUT, timed, median, have, ensureCapture, table } from './lib.mjs';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, packets: { type: 'string', default: '2000000' }, flows: { type: 'string', default: '100000' } },
});
const runs = Number(values.runs);
const packets = Number(values.packets);
const flows = Number(values.flows);
const capture = join(OUT, `bench-${packets}p-${flows}f.pcap`);
ensureCapture(capture, ['--bench', '--packets', String(packets), '--flows', String(flows)]);

const work = mkdtempSync(join(tmpdir(), 'spanmap-bench-'));
const tools = [
  // Every tool does the same work: all flows held (softflowd -m above the flow count), records out.
  { name: 'spanmap', cmd: process.execPath, args: [CLI, 'probe', 'read', capture], stdout: 'ignore' },
  // softflowd 1.1.0 reads an uninitialised pollfd in file mode and can block in accept() on its
  // control socket; with a short socket path the stack happens to be clean. Keep it short.
  have('softflowd') && {
    name: 'softflowd',
    cmd: 'softflowd',
    args: ['-r', capture, '-m', String(Math.max(300000, flows * 3)), '-n', '127.0.0.1:9', '-d', '-6', '-p', '/tmp/sfb.pid', '-c', '/tmp/sfb.ctl'],
  },
  have('nfpcapd') && { name: 'nfpcapd', cmd: 'nfpcapd', args: ['-r', capture, '-w', work] },
  have('argus') && { name: 'argus', cmd: 'argus', args: ['-r', capture, '-w', '/dev/null'] },
].filter(Boolean);

const times = Object.fromEntries(tools.map((t) => [t.name, []]));
for (let i = 0; i < runs; i++) {
  for (const t of tools) {
    const r = timed(t.cmd, t.args, { stdout: t.stdout ?? 'ignore', allowFail: t.name !== 'spanmap', timeoutMs: 120_000 });
    times[t.name].push(r.wall);
  }
  process.stderr.write(`run ${i + 1}/${runs} done\n`);
}
const ours = median(times.spanmap);
const rows = tools.map((t) => {
  const m = median(times[t.name]);
  return [t.name, m.toFixed(2), (packets / m / 1e6).toFixed(2), t.name === 'spanmap' ? '1.00' : (m / ours).toFixed(2)];
});
console.log(`\nprobe read throughput: ${packets} packets, ${flows} flows, median of ${runs} alternating runs`);
console.log(table(rows, ['tool', 'median s', 'Mpkt/s', 'spanmap speedup']));

// Memory per active flow: 1M flows all open at once (SYN and SYN-ACK each), read with room for all.
const concurrent = join(OUT, 'bench-concurrent-1000000f.pcap');
ensureCapture(concurrent, ['--bench', '--concurrent', '--flows', '1000000']);
const tiny = join(OUT, 'bench-tiny.pcap');
ensureCapture(tiny, ['--bench', '--packets', '12', '--flows', '2']);
const empty = timed(process.execPath, [CLI, 'probe', 'read', tiny]);
const full = timed(process.execPath, [CLI, 'probe', 'read', '--max-flows', '1000000', '--stats', concurrent], { stdout: 'ignore' });
const stats = JSON.parse(
  full.stderr
    .trim()
    .split('\n')
    .find((l) => l.startsWith('{')),
);
const table_ = stats.table;
console.log(`\nmemory with ${stats.maxActiveFlows} concurrent flows:`);
console.log(
  `  flow table storage: ${(table_.storageBytes / stats.maxActiveFlows).toFixed(1)} bytes per active flow (${(table_.storageBytes / 2 ** 20).toFixed(1)} MiB)`,
);
if (full.rssKb && empty.rssKb)
  console.log(
    `  process peak RSS: ${(full.rssKb / 1024).toFixed(0)} MiB, ${(((full.rssKb - empty.rssKb) * 1024) / stats.maxActiveFlows).toFixed(1)} bytes per active flow above an idle run`,
  );
rmSync(work, { recursive: true, force: true });
