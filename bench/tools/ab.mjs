#!/usr/bin/env node
// Compares commands on a noisy machine: runs them alternately, reports the median wall time and
// the median CPU time (user + sys, from /usr/bin/time), which other tenants disturb less.
// usage: node bench/tools/ab.mjs [--runs N] -- CMD ARGS... -- CMD ARGS... [-- ...]
// Each command's stdout is discarded.
import { spawnSync } from 'node:child_process';
import { median, table } from '../lib.mjs';

const argv = process.argv.slice(2);
let runs = 5;
if (argv[0] === '--runs') {
  runs = Number(argv[1]);
  argv.splice(0, 2);
}
const cmds = [];
for (const a of argv) {
  if (a === '--') cmds.push([]);
  else if (cmds.length === 0) {
    console.error('usage: ab.mjs [--runs N] -- CMD ARGS... -- CMD ARGS...');
    process.exit(2);
  } else cmds.at(-1).push(a);
}
if (cmds.length === 0 || cmds.some((c) => c.length === 0)) {
  console.error('usage: ab.mjs [--runs N] -- CMD ARGS... -- CMD ARGS...');
  process.exit(2);
}

const res = cmds.map(() => ({ wall: [], cpu: [], rss: [] }));
for (let i = 0; i < runs; i++) {
  cmds.forEach((c, j) => {
    const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', ...c], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 28 });
    const m = /([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(r.stderr ?? '');
    if (r.status !== 0 || !m) {
      console.error(`${c.join(' ')} failed (${r.status}): ${r.stderr?.slice(-400)}`);
      process.exit(1);
    }
    res[j].wall.push(Number(m[1]));
    res[j].cpu.push(Number(m[2]) + Number(m[3]));
    res[j].rss.push(Number(m[4]));
  });
}
const rows = cmds.map((c, j) => [
  c.join(' ').slice(-70),
  median(res[j].wall).toFixed(2),
  median(res[j].cpu).toFixed(2),
  `${Math.min(...res[j].cpu).toFixed(2)}-${Math.max(...res[j].cpu).toFixed(2)}`,
  Math.min(...res[j].wall).toFixed(2),
  (median(res[j].rss) / 1024).toFixed(0),
]);
console.log(table(rows, ['command', 'wall s', 'cpu s', 'cpu range', 'min wall', 'RSS MiB']));
