#!/usr/bin/env node
// Query benchmark (issue 5): matrix and edges queries over N stored edges (default 1M) and 50
// segments, p50/p95 latency; and whether ingest stalls while queries run.
// usage: node bench/queries.mjs [--edges N] [--runs N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConsoleStore } from '../console/dist/store/console-store.js';
import { ConsoleCore } from '../console/dist/core.js';
import { createApp } from '../console/dist/api/app.js';
import { validateSegments } from '../console/dist/segments/segments.js';
import { table, median } from './lib.mjs';

const { values } = parseArgs({ options: { edges: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '20' } } });
const N = Number(values.edges);
const RUNS = Number(values.runs);
const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 5, 3);
const dir = mkdtempSync(join(tmpdir(), 'spanmap-bench-queries-'));

// 50 segments of /20 each inside 10.0.0.0/8 (4096 addresses each); hosts spread over them.
const SEGS = 50;
const segments = validateSegments(
  Array.from({ length: SEGS }, (_, i) => ({ name: `seg-${String(i).padStart(2, '0')}`, cidrs: [`10.${i}.0.0/20`], vlans: [] })),
);
let seed = 7;
const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const host = () => `10.${Math.floor(rand() * SEGS)}.${Math.floor(rand() * 16)}.${1 + Math.floor(rand() * 254)}`;
const PORTS = [443, 80, 22, 53, 123, 389, 88, 445, 5432, 3306, 8080, 1433, 161, 514, 3389];

console.error(`building a store with ${N.toLocaleString()} edges...`);
const store = new ConsoleStore(join(dir, 'store'));
const t0 = performance.now();
const seen = new Set();
let seq = 0;
let entries = [];
let made = 0;
while (made < N) {
  const src = host();
  const dst = host();
  const port = PORTS[Math.floor(rand() * PORTS.length)] + (rand() < 0.3 ? Math.floor(rand() * 2000) : 0);
  const k = `${src}|${dst}|${port}`;
  if (src === dst || seen.has(k)) continue;
  seen.add(k);
  made++;
  // Each edge is active in 1-6 hours spread over four weeks (a realistic long tail).
  const active = 1 + Math.floor(rand() * 6);
  for (let a = 0; a < active; a++) {
    const first = T0 + Math.floor(rand() * 28 * 24) * HOUR + Math.floor(rand() * HOUR);
    const flows = 1 + Math.floor(rand() * 20);
    entries.push({
      src,
      dst,
      proto: 6,
      port,
      vlan: null,
      iface: null,
      flows,
      records: flows,
      packets: flows * 10,
      bytes: flows * 4000,
      rpackets: flows * 8,
      rbytes: flows * 20000,
      first,
      last: first + 1000,
      tcpFlags: 27,
      rtcpFlags: 27,
      init: { syn: flows, port: 0, first: 0 },
    });
  }
  if (entries.length >= 20000) {
    await store.ingest([{ v: 1, probe: 'bench', epoch: 'ab'.repeat(16), seq: ++seq, from: T0, to: T0 + 28 * DAY, entries }], Date.now());
    entries = [];
  }
}
if (entries.length) await store.ingest([{ v: 1, probe: 'bench', epoch: 'ab'.repeat(16), seq: ++seq, from: T0, to: T0 + 28 * DAY, entries }], Date.now());
console.error(`  stored in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
await store.close();

// A fresh start, as after a console restart: the model loads from LMDB.
const t1 = performance.now();
const store2 = new ConsoleStore(join(dir, 'store'));
const core = new ConsoleCore(store2);
await core.setSegments(segments, 'bench');
const loadSecs = (performance.now() - t1) / 1000;
const app = createApp({ store: store2, core, tokens: () => [{ token: 'bench-token-0123456789', role: 'editor', name: 'bench' }], now: () => T0 + 30 * DAY });
const get = async (path) => {
  const r = await app.request(`/api/v1${path}`, { headers: { authorization: 'Bearer bench-token-0123456789' } });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json();
};

const queries = [
  ['matrix, 4 weeks (day-aligned)', `/matrix?from=${T0}&to=${T0 + 28 * DAY}`],
  ['matrix, 1 week (day-aligned)', `/matrix?from=${T0 + 7 * DAY}&to=${T0 + 14 * DAY}`],
  ['matrix, 4 weeks (unaligned ends)', `/matrix?from=${T0 + 5 * HOUR}&to=${T0 + 27 * DAY + 17 * HOUR}`],
  ['edges, 4 weeks, top 100 by flows', `/edges?from=${T0}&to=${T0 + 28 * DAY}&limit=100`],
  ['edges of one segment, 4 weeks', `/edges?from=${T0}&to=${T0 + 28 * DAY}&segment=seg-07&limit=1000`],
  ['edges, one port, 1 week', `/edges?from=${T0 + 7 * DAY}&to=${T0 + 14 * DAY}&port=22&limit=1000`],
];
const rows = [];
for (const [label, path] of queries) {
  await get(path); // warm
  const ms = [];
  for (let i = 0; i < RUNS; i++) {
    const s = performance.now();
    await get(path);
    ms.push(performance.now() - s);
  }
  ms.sort((a, b) => a - b);
  rows.push([label, median(ms).toFixed(1), ms[Math.min(ms.length - 1, Math.ceil(ms.length * 0.95) - 1)].toFixed(1)]);
}
console.log(
  `\nqueries over ${core.model.catalog.edgeCount.toLocaleString()} edges, ${SEGS} segments, ${core.model.rollup.rows.toLocaleString()} daily rows (model loaded in ${loadSecs.toFixed(1)} s), ${RUNS} runs each`,
);
console.log(table(rows, ['query', 'p50 ms', 'p95 ms']));

// Ingest while queries run: commit latency of small batches with and without a query loop beside it.
async function ingestLatencies(withQueries) {
  let stop = false;
  const loop = withQueries
    ? (async () => {
        while (!stop) await get(queries[0][1]);
      })()
    : null;
  const lat = [];
  for (let i = 0; i < 40; i++) {
    const first = T0 + 29 * DAY + i * 1000;
    const e = {
      src: host(),
      dst: host(),
      proto: 17,
      port: 53,
      vlan: null,
      iface: null,
      flows: 1,
      records: 1,
      packets: 2,
      bytes: 200,
      rpackets: 2,
      rbytes: 400,
      first,
      last: first + 5,
      tcpFlags: 0,
      rtcpFlags: 0,
      init: { syn: 0, port: 1, first: 0 },
    };
    const s = performance.now();
    const r = await store2.ingest([{ v: 1, probe: 'live', epoch: 'cd'.repeat(16), seq: ++seq, from: first, to: first + 5, entries: [e] }], Date.now());
    core.applyIngest(r);
    lat.push(performance.now() - s);
    await new Promise((res) => setTimeout(res, 20));
  }
  stop = true;
  await loop;
  lat.sort((a, b) => a - b);
  return [median(lat).toFixed(1), lat.at(-1).toFixed(1)];
}
const idle = await ingestLatencies(false);
const busy = await ingestLatencies(true);
console.log('\ningest commit latency for a small batch (ms)');
console.log(
  table(
    [
      ['no queries running', ...idle],
      ['4-week matrix queries back to back', ...busy],
    ],
    ['while', 'p50', 'max'],
  ),
);
await store2.close();
if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
else console.error('kept', dir);
