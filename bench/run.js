#!/usr/bin/env node
// `make bench`: every benchmark, one after the other (each prints its own table).
// SPANMAP_BENCH_EDGES sets the console benchmark's size (default 1000000; 10000000 for the large run).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const edges = process.env.SPANMAP_BENCH_EDGES ?? '1000000';
const runs = [
  ['probe-read.mjs', []],
  ['transport.mjs', []],
  ['queries.mjs', ['--edges', edges]],
  ['ui-scale.mjs', ['--edges', edges]],
  ['names.mjs', []],
  ['clickhouse.mjs', ['--edges', edges]],
  ['live-capture.mjs', []],
];
let failed = 0;
for (const [file, args] of runs) {
  console.log(`\n===== ${file} ${args.join(' ')} =====`);
  const r = spawnSync(process.execPath, [join(here, file), ...args], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`${file} failed (${r.status ?? r.signal})`);
  }
}
process.exit(failed ? 1 : 0);
