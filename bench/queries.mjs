#!/usr/bin/env node
// Console at enterprise size (issue 18): builds a store through the real ingest path (encoded
// batches → Ingester → merge → LMDB) with N distinct edges over 28 days and 50 segments, then
// starts a real `spanmap console` process on it and measures restart-to-first-answer, query
// p50/p95 over HTTP, resident memory, and ingest over MQTT while the queries run in a loop.
// usage: node bench/queries.mjs [--edges N] [--runs N] [--order time|edge] [--live-secs S] [--keep] [--reuse DIR]
// --order: records hour by hour as probes publish them (time, default), or each edge's records
// together, scattered over the 28 days (edge: a worst case, like a backfill in random order).
// --live-secs: each live-ingest phase publishes for at most this long (default 300), then waits
// for the acknowledgements of what it sent: the rate is what was acknowledged over the time taken.
import { mkdtempSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { encodeBatch, topics } from '../shared/dist/index.js';
import { ConsoleStore } from '../console/dist/store/console-store.js';
import { ConsoleData } from '../console/dist/data.js';
import { Ingester } from '../console/dist/ingest/ingester.js';
import { RateLimitedLog } from '../console/dist/util/rate-limited-log.js';
import { validateSegments } from '../console/dist/segments/segments.js';
import { table, median, CLI, atExit, consoleNodeArgs } from './lib.mjs';
import { siteRecords, segmentsDef, T0, DAY, HOUR } from './tools/site-records.mjs';

const { values } = parseArgs({
  options: {
    edges: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '20' },
    order: { type: 'string', default: 'time' },
    reuse: { type: 'string' },
    keep: { type: 'boolean' },
    'live-secs': { type: 'string', default: '300' },
  },
});
const N = Number(values.edges);
const RUNS = Number(values.runs);
const LIVE_SECS = Number(values['live-secs']);
const TOKEN = 'bench-token-0123456789';
const dir = values.reuse ?? mkdtempSync(join(tmpdir(), 'spanmap-bench-queries-'));
const storeDir = join(dir, 'store');
// However the bench ends (an error, Ctrl-C, a kill), the console it started does not outlive it,
// and a store it made (without --keep) is removed.
const running = { console: null };
atExit(() => {
  if (running.console && running.console.exitCode === null) running.console.kill('SIGKILL');
  if (!values.keep && !values.reuse) rmSync(dir, { recursive: true, force: true });
});
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)];
const fmt = (x) => x.toFixed(1);

// ---- 1. build through the ingest path ---------------------------------------------------------
let records = 0;
if (!values.reuse || !existsSync(storeDir)) {
  console.error(`building a store with ${N.toLocaleString()} edges (${values.order} order) through the ingest path...`);
  const store = new ConsoleStore(storeDir);
  store.open();
  const data = new ConsoleData(store);
  await data.start();
  await data.segments.set(validateSegments(segmentsDef()), 'bench', Date.now());
  const ingester = new Ingester({ writer: data.writer, ack: () => {}, log: new RateLimitedLog(() => {}) });
  ingester.afterCommit.push((r) => data.committed(r));
  ingester.between.push(() => data.checkpointIfDue());
  const t0 = performance.now();
  let seq = 0;
  // Batches in flight before waiting for their acknowledgements: a probe's default window (32).
  let pending = [];
  for (const chunk of siteRecords(N, { order: values.order })) {
    records += chunk.length;
    const from = Math.min(...chunk.map((r) => r.first));
    const to = Math.max(...chunk.map((r) => r.last));
    pending.push(
      ingester.submit('bench', encodeBatch({ v: 2, probe: 'bench', epoch: 'ab'.repeat(16), seq: ++seq, from, to, records: chunk, names: [], entries: [] })),
    );
    if (pending.length >= 32) {
      await Promise.all(pending);
      pending = [];
    }
    if (seq % 200 === 0)
      console.error(`  ${records.toLocaleString()} records, ${data.catalog.maxId.toLocaleString()} edges, ${fmt((performance.now() - t0) / 1000)} s`);
  }
  await Promise.all(pending);
  await ingester.drained();
  const secs = (performance.now() - t0) / 1000;
  console.error(
    `  ingested ${records.toLocaleString()} records (${data.catalog.maxId.toLocaleString()} edges, ${data.rollup.dayRows.toLocaleString()} day rows) in ${fmt(secs)} s: ${Math.round(records / secs).toLocaleString()} records/s`,
  );
  console.error('  waiting for the long-tail analysis to finish...');
  while (data.analyzer.pending > 0) await new Promise((r) => setTimeout(r, 200));
  await data.stop();
  await store.close();
  var buildRate = Math.round(records / secs);
}

// ---- 2. restart: a real console process on that store -----------------------------------------
const freePort = () =>
  new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });
const http = await freePort();
const broker = await freePort();
const base = `http://127.0.0.1:${http}/api/v1`;
const get = async (path) => {
  const r = await fetch(base + path, { headers: { authorization: `Bearer ${TOKEN}` } });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json();
};
const started = performance.now();
// The node options of the console's systemd unit, and BENCH_CONSOLE_NODE_ARGS (e.g. --cpu-prof to profile it).
const nodeArgs = [...consoleNodeArgs(), ...(process.env.BENCH_CONSOLE_NODE_ARGS ?? '').split(' ').filter(Boolean)];
const proc = spawn(process.execPath, [...nodeArgs, CLI, 'console', '--data', storeDir, '--http', `127.0.0.1:${http}`, '--broker', `127.0.0.1:${broker}`], {
  env: { ...process.env, SPANMAP_API_TOKEN: TOKEN },
  stdio: ['ignore', 'ignore', 'pipe'],
});
let err = '';
proc.stderr.on('data', (d) => (err += d));
running.console = proc;

for (;;) {
  try {
    if ((await fetch(`${base}/health`)).ok) break;
  } catch {
    /* not yet */
  }
  if (proc.exitCode !== null) throw new Error(`the console exited: ${err}`);
  await new Promise((r) => setTimeout(r, 20));
}
const healthMs = performance.now() - started;
await get(`/matrix?from=${T0}&to=${T0 + 28 * DAY}`);
const matrixMs = performance.now() - started;
const rss = () => {
  const s = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)[1]) / 1024;
  // RssFile is mostly LMDB's mapped pages (page cache the kernel reclaims), RssAnon the process's own.
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), hwm: kb('VmHWM') };
};
/** The console's V8 heap in use (MiB), from its own /metrics: how much of the anonymous memory is live JS objects. */
const heapUsed = async () => {
  const r = await fetch(`http://127.0.0.1:${http}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const m = /^spanmap_console_nodejs_heap_size_used_bytes (\S+)/m.exec(await r.text());
  return m ? Number(m[1]) / 2 ** 20 : NaN;
};
const sample = async () => ({ ...rss(), heap: await heapUsed() });
const mem = (m) => `${fmt(m.rss)} MiB (${fmt(m.anon)} anonymous, ${fmt(m.heap)} V8 heap in use)`;
const atStart = await sample();

// ---- 3. queries -------------------------------------------------------------------------------
const queries = [
  ['matrix, 4 weeks', `/matrix?from=${T0}&to=${T0 + 28 * DAY}`, 200],
  ['matrix, 1 week', `/matrix?from=${T0 + 7 * DAY}&to=${T0 + 14 * DAY}`, 200],
  ['matrix, 4 weeks, unaligned ends', `/matrix?from=${T0 + 5 * HOUR}&to=${T0 + 27 * DAY + 17 * HOUR}`, 200],
  ['edges, 4 weeks, top 100 by flows', `/edges?from=${T0}&to=${T0 + 28 * DAY}&sort=flows&limit=100`, 100],
  ['edges of one segment, 1 week', `/edges?from=${T0 + 7 * DAY}&to=${T0 + 14 * DAY}&segment=seg-07&limit=1000`, 200],
  ['edges of one port, 1 week', `/edges?from=${T0 + 7 * DAY}&to=${T0 + 14 * DAY}&port=22&limit=1000`, 200],
  ['long tail, 4 weeks, 100 rarest', `/longtail?from=${T0}&to=${T0 + 28 * DAY}&limit=100`, 500],
  ['coverage, 4 weeks', `/coverage?from=${T0}&to=${T0 + 28 * DAY}`, 500],
];
const rows = [];
for (const [label, path, target] of queries) {
  await get(path); // warm
  const ms = [];
  for (let i = 0; i < RUNS; i++) {
    const s = performance.now();
    await get(path);
    ms.push(performance.now() - s);
  }
  rows.push([label, fmt(median(ms)), fmt(p95(ms)), String(target), p95(ms) <= target ? 'yes' : 'NO']);
}
const afterQueries = await sample();

// ---- 4. ingest over MQTT while the queries run in a loop ----------------------------------------
const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker}`, { clientId: 'spanmap-probe-live', clean: true });
await client.subscribeAsync(topics.ack('live'), { qos: 1 });
const LIVE_BATCHES = 200;
const PER = 5000;
let acked = 0;
client.on('message', (_t, payload) => (acked += JSON.parse(payload.toString()).seqs.length));
// A fresh probe epoch and fresh records each run: a reused store never sees them as already delivered.
const liveEpoch = randomBytes(16).toString('hex');
const liveEdges = siteRecords(2 * LIVE_BATCHES * PER, { seed: randomBytes(4).readUInt32LE(0), chunk: PER, days: 1 });
let seq = 0;
/**
 * Publishes `n` batches as a probe does (an in-flight window of 32), or as many as it can in
 * --live-secs, and waits for every acknowledgement.
 */
async function publish(n) {
  const t = performance.now();
  let sent = 0;
  const until = seq + n;
  while (seq < until && performance.now() - t < LIVE_SECS * 1000) {
    seq++;
    const recs = liveEdges.next().value.map((r) => ({ ...r, first: r.first + 28 * DAY, last: r.last + 28 * DAY }));
    sent += recs.length;
    await client.publishAsync(
      topics.flows('live'),
      Buffer.from(encodeBatch({ v: 2, probe: 'live', epoch: liveEpoch, seq, from: T0 + 28 * DAY, to: T0 + 29 * DAY, records: recs, names: [], entries: [] })),
      { qos: 1 },
    );
    while (seq - acked > 32) await new Promise((r) => setTimeout(r, 2)); // a probe's in-flight window
  }
  while (acked < seq) await new Promise((r) => setTimeout(r, 5));
  return { sent, secs: (performance.now() - t) / 1000 };
}
// First alone (what the console ingests with nobody querying), then while the queries loop.
const alone = await publish(LIVE_BATCHES);
let stop = false;
const during = [];
const loop = (async () => {
  for (let i = 0; !stop; i++) {
    const [, path] = queries[i % 6];
    const s = performance.now();
    await get(path);
    during.push(performance.now() - s);
  }
})();
const { sent, secs: ingestSecs } = await publish(LIVE_BATCHES);
stop = true;
await loop;
await client.endAsync();
const stats = await get('/stats');
const afterIngest = await sample();
proc.kill('SIGTERM');
await new Promise((r) => proc.once('exit', r));

console.log(
  `\nconsole on ${N.toLocaleString()} edges over 28 days, 50 segments${records ? ` (${records.toLocaleString()} flow records in ${values.order} order ingested at ${buildRate.toLocaleString()} records/s, one core, in-process)` : ''}`,
);
console.log(`restart: /health after ${fmt(healthMs / 1000)} s, first 4-week /matrix answered after ${fmt(matrixMs / 1000)} s`);
console.log(
  `console RSS: ${mem(atStart)} after start, ${mem(afterQueries)} after the queries, ${mem(afterIngest)} after live ingest (peak ${fmt(afterIngest.hwm)} MiB)`,
);
console.log(`\nqueries over HTTP, ${RUNS} runs each`);
console.log(table(rows, ['query', 'p50 ms', 'p95 ms', 'target p95', 'met']));
console.log(
  `\ningest over MQTT, nobody querying: ${alone.sent.toLocaleString()} records in ${fmt(alone.secs)} s = ${Math.round(alone.sent / alone.secs).toLocaleString()} records/s`,
);
console.log(
  `ingest over MQTT while the queries above ran back to back: ${sent.toLocaleString()} records in ${fmt(ingestSecs)} s = ${Math.round(sent / ingestSecs).toLocaleString()} records/s (target ≥ 200,000)`,
);
console.log(
  `query latency during ingest: p50 ${fmt(median(during))} ms, p95 ${fmt(p95(during))} ms, max ${fmt(Math.max(...during))} ms over ${during.length} queries; ` +
    `ingest transactions: ${stats.ingest.transactions}, longest ${fmt(stats.ingest.transactionMs?.max ?? NaN)} ms`,
);
if (values.keep || values.reuse) console.error('kept', dir); // else the exit handler removes it
