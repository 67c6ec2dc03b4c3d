#!/usr/bin/env node
// Consoles sharing a ClickHouse store (issue 19), with a private ClickHouse (Debian's
// clickhouse-server) and Mosquitto on loopback ports:
//  1. queries: N edges logged through ClickHouse and applied by a receiving console (in-process),
//     then the same queries as bench/queries.mjs over HTTP on (a) that console's store opened as an
//     embedded store and (b) a fresh ClickHouse-backed console process that first catches up from
//     the log (its catch-up time is measured);
//  2. ingest over MQTT into one, then two consoles of an ingest group (fake probes with a window of
//     32 unacknowledged batches, as the real probe keeps);
//  3. one of two consoles killed with SIGKILL mid-ingest: what happened to the batches in flight.
// usage: node bench/clickhouse.mjs [--edges N] [--runs N] [--only queries|ingest|death] [--batches N]
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { createServer } from 'node:net';
import mqtt from 'mqtt';
import { encodeBatch, topics } from '../shared/dist/index.js';
import { ConsoleStore } from '../console/dist/store/console-store.js';
import { ConsoleData } from '../console/dist/data.js';
import { Ingester } from '../console/dist/ingest/ingester.js';
import { RateLimitedLog } from '../console/dist/util/rate-limited-log.js';
import { SharedStore } from '../console/dist/clickhouse/shared-store.js';
import { parseStoreUrl } from '../console/dist/store/store-url.js';
import { validateSegments } from '../console/dist/segments/segments.js';
import { writeClickHouseConfig } from '../scripts/clickhouse-local.mjs';
import { table, median, CLI, atExit } from './lib.mjs';
import { siteRecords, segmentsDef, T0, DAY, HOUR } from './tools/site-records.mjs';

const { values } = parseArgs({
  options: {
    edges: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '20' },
    only: { type: 'string' },
    batches: { type: 'string', default: '400' },
  },
});
const N = Number(values.edges);
const RUNS = Number(values.runs);
const TOKEN = 'bench-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'spanmap-bench-clickhouse-'));
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)];
const fmt = (x) => x.toFixed(1);
const say = (s) => console.error(s);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () =>
  new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });
const children = [];
function child(cmd, args, env = {}) {
  const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  p.err = '';
  p.stderr.on('data', (d) => (p.err += d));
  children.push(p);
  return p;
}
// An interrupted run leaves no server and no store behind.
atExit(() => {
  children.forEach((c) => c.exitCode === null && c.kill('SIGKILL'));
  rmSync(dir, { recursive: true, force: true });
});

// ---- the parts: ClickHouse, Mosquitto ------------------------------------------------------------
const chHttp = await freePort();
const [chCmd, ...chArgs] = writeClickHouseConfig({ dir: join(dir, 'clickhouse'), httpPort: chHttp, tcpPort: await freePort() });
child(chCmd, chArgs);
const sql = async (q) => (await fetch(`http://127.0.0.1:${chHttp}/`, { method: 'POST', body: q })).text();
for (let i = 0; ; i++) {
  try {
    if ((await sql('SELECT 1')).trim() === '1') break;
  } catch {
    if (i > 150) throw new Error('ClickHouse did not start');
  }
  await sleep(200);
}
const mqttPort = await freePort();
writeFileSync(join(dir, 'mosquitto.conf'), `listener ${mqttPort} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_inflight_messages 0\n`);
child('mosquitto', ['-c', join(dir, 'mosquitto.conf')]);
const MQTT = `mqtt://127.0.0.1:${mqttPort}`;
const storeUrl = (db) => `clickhouse://127.0.0.1:${chHttp}/${db}`;
const version = (await sql('SELECT version()')).trim();

/** A console process; resolves once /health answers (with a shared store: once it caught up). */
async function startConsole(name, args) {
  const http = await freePort();
  const t0 = performance.now();
  const p = child(process.execPath, [CLI, 'console', '--data', join(dir, name), '--http', `127.0.0.1:${http}`, ...args], { SPANMAP_API_TOKEN: TOKEN });
  const base = `http://127.0.0.1:${http}/api/v1`;
  for (;;) {
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {
      /* not yet */
    }
    if (p.exitCode !== null) throw new Error(`console ${name} exited: ${p.err}`);
    await sleep(20);
  }
  const get = async (path) => {
    const r = await fetch(base + path, { headers: { authorization: `Bearer ${TOKEN}` } });
    if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  // Resident memory, and of it what is the process's own (anonymous) rather than LMDB's mapped file pages.
  const rss = () => {
    const st = readFileSync(`/proc/${p.pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(st)[1]) / 1024;
    return `${fmt(kb('VmRSS'))} MiB (${fmt(kb('RssAnon'))} MiB anonymous)`;
  };
  const stop = async () => {
    if (p.exitCode === null) p.kill('SIGTERM');
    await new Promise((r) => (p.exitCode !== null ? r() : p.once('exit', r)));
  };
  return { p, get, rss, stop, readyMs: performance.now() - t0 };
}

const out = [];
const report = (s) => {
  out.push(s);
  say(s);
};

// ---- 1. queries at N edges ----------------------------------------------------------------------
async function queries() {
  say(`logging and applying ${N.toLocaleString()} edges through ClickHouse (in-process receiving console)...`);
  const rdir = join(dir, 'receiver');
  const store = new ConsoleStore(rdir);
  store.open();
  const data = new ConsoleData(store);
  await data.start();
  let ingester;
  const shared = new SharedStore(
    { spec: parseStoreUrl(storeUrl('q')), consoleId: 'bench-receiver', log: () => {} },
    { store, applyBatches: (b, at) => ingester.exclusive(async () => (await data.applyFromLog(b, at)).applied.length) },
  );
  ingester = new Ingester({ writer: data.writer, ack: () => {}, log: new RateLimitedLog(() => {}), beforeApply: (items, at) => shared.beforeApply(items, at) });
  ingester.afterCommit.push((r) => data.committed(r));
  ingester.between.push(() => data.checkpointIfDue());
  await shared.start();
  await data.segments.set(validateSegments(segmentsDef()), 'bench', Date.now());
  await shared.flush();
  const t0 = performance.now();
  let seq = 0;
  let records = 0;
  let pending = [];
  for (const chunk of siteRecords(N)) {
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
    if (seq % 400 === 0) say(`  ${records.toLocaleString()} records, ${data.catalog.maxId.toLocaleString()} edges, ${fmt((performance.now() - t0) / 1000)} s`);
  }
  await Promise.all(pending);
  await ingester.drained();
  const secs = (performance.now() - t0) / 1000;
  while (data.analyzer.pending > 0) await sleep(200);
  await shared.stop();
  await data.stop();
  await store.close();
  const logged = await sql(`SELECT count(), sum(length(payload)) FROM q.batches FORMAT TSV`);
  const [rows, b64] = logged.trim().split('\t').map(Number);
  report(
    `\n${N.toLocaleString()} edges, ${records.toLocaleString()} records, ${seq} batches: logged to ClickHouse then applied at ${Math.round(records / secs).toLocaleString()} records/s ` +
      `(in-process, ${fmt(secs)} s); the log holds ${rows} rows, ${fmt(b64 / 2 ** 20)} MiB of base64 payload`,
  );

  const qs = [
    ['matrix, 4 weeks', `/matrix?from=${T0}&to=${T0 + 28 * DAY}`],
    ['matrix, 1 week', `/matrix?from=${T0 + 7 * DAY}&to=${T0 + 14 * DAY}`],
    ['matrix, 4 weeks, unaligned ends', `/matrix?from=${T0 + 5 * HOUR}&to=${T0 + 27 * DAY + 17 * HOUR}`],
    ['edges, 4 weeks, top 100 by flows', `/edges?from=${T0}&to=${T0 + 28 * DAY}&sort=flows&limit=100`],
    ['edges of one segment, 1 week', `/edges?from=${T0 + 7 * DAY}&to=${T0 + 14 * DAY}&segment=seg-07&limit=1000`],
    ['edges of one port, 1 week', `/edges?from=${T0 + 7 * DAY}&to=${T0 + 14 * DAY}&port=22&limit=1000`],
    ['long tail, 4 weeks, 100 rarest', `/longtail?from=${T0}&to=${T0 + 28 * DAY}&limit=100`],
    ['coverage, 4 weeks', `/coverage?from=${T0}&to=${T0 + 28 * DAY}`],
  ];
  const measure = async (c) => {
    const res = [];
    for (const [label, path] of qs) {
      await c.get(path);
      const ms = [];
      for (let i = 0; i < RUNS; i++) {
        const s = performance.now();
        await c.get(path);
        ms.push(performance.now() - s);
      }
      res.push([label, median(ms), p95(ms)]);
    }
    return res;
  };
  say("queries on the receiving console's store, opened as an embedded store...");
  const emb = await startConsole('receiver', ['--broker', `127.0.0.1:${await freePort()}`]);
  const embRes = await measure(emb);
  const embRss = emb.rss();
  await emb.stop();
  say('a fresh ClickHouse-backed console: catch-up from the log, then the same queries...');
  const fresh = await startConsole('fresh', ['--store', storeUrl('q'), '--broker', `127.0.0.1:${await freePort()}`]);
  const caught = /caught up with (\d+) batches in (\d+) ms/.exec(fresh.p.err);
  const chRes = await measure(fresh);
  const chRss = fresh.rss();
  const same =
    JSON.stringify(await fresh.get(`/matrix?from=${T0}&to=${T0 + 28 * DAY}`)) ===
    JSON.stringify(
      await (async () => {
        const e = await startConsole('receiver', ['--broker', `127.0.0.1:${await freePort()}`]);
        const m = await e.get(`/matrix?from=${T0}&to=${T0 + 28 * DAY}`);
        await e.stop();
        return m;
      })(),
    );
  await fresh.stop();
  report(
    `fresh ClickHouse-backed console: /health after ${fmt(fresh.readyMs / 1000)} s, of which catch-up ${caught ? `${caught[1]} batches in ${fmt(Number(caught[2]) / 1000)} s` : '?'}; ` +
      `RSS ${chRss} (embedded: ${embRss}); 4-week matrix identical to the receiver's: ${same ? 'yes' : 'NO'}`,
  );
  report(`\nqueries over HTTP at ${N.toLocaleString()} edges, ${RUNS} runs each (ms)`);
  report(
    table(
      qs.map(([label], i) => [label, fmt(embRes[i][1]), fmt(embRes[i][2]), fmt(chRes[i][1]), fmt(chRes[i][2])]),
      ['query', 'embedded p50', 'embedded p95', 'ClickHouse p50', 'ClickHouse p95'],
    ),
  );
}

// ---- 2 and 3. ingest over MQTT ------------------------------------------------------------------
const PROBES = 4;
const PER = 5000;

/** Fake probes: each publishes its batches with at most 32 unacknowledged, resending after `ackTimeoutMs`. */
async function publish(batchesPerProbe, { ackTimeoutMs = 5000, onProgress = () => {} } = {}) {
  const probes = [];
  let acked = 0;
  let resent = 0;
  let sent = 0; // records in the batches sent (site-records chunks run a few records past PER)
  for (let k = 0; k < PROBES; k++) {
    const id = `bench-${k}`;
    const client = await mqtt.connectAsync(MQTT, { clientId: `spanmap-probe-${id}`, clean: true });
    await client.subscribeAsync(topics.ack(id), { qos: 1 });
    const state = {
      id,
      client,
      inflight: new Map(),
      done: new Set(),
      gen: siteRecords(batchesPerProbe * PER, { seed: 100 + k, chunk: PER, days: 28 }),
      seq: 0,
    };
    client.on('message', (_t, payload) => {
      for (const s of JSON.parse(payload.toString()).seqs) {
        if (state.inflight.delete(s) && !state.done.has(s)) {
          state.done.add(s);
          acked++;
        }
      }
    });
    probes.push(state);
  }
  const send = (st, seq, payload) => st.client.publish(topics.flows(st.id), payload, { qos: 1 });
  const t0 = performance.now();
  await Promise.all(
    probes.map(async (st) => {
      for (let seq = 1; seq <= batchesPerProbe; seq++) {
        const recs = st.gen.next().value;
        sent += recs.length;
        const payload = Buffer.from(
          encodeBatch({ v: 2, probe: st.id, epoch: 'ef'.repeat(16), seq, from: T0, to: T0 + 28 * DAY, records: recs, names: [], entries: [] }),
        );
        st.inflight.set(seq, { payload, at: performance.now() });
        send(st, seq, payload);
        while (st.inflight.size >= 32) await sleep(2);
        onProgress(acked);
      }
    }),
  );
  const resender = setInterval(() => {
    for (const st of probes)
      for (const [seq, f] of st.inflight)
        if (performance.now() - f.at > ackTimeoutMs) {
          f.at = performance.now();
          resent++;
          send(st, seq, f.payload);
        }
  }, 500);
  while (acked < PROBES * batchesPerProbe) {
    await sleep(5);
    onProgress(acked);
  }
  const secs = (performance.now() - t0) / 1000;
  clearInterval(resender);
  for (const st of probes) await st.client.endAsync();
  return { secs, records: sent, resent };
}

async function ingest() {
  const B = Number(values.batches);
  for (const k of [0, 1, 2]) {
    const db = `ingest${k}`;
    const cs = [];
    // 0: the baseline, one console with its embedded store on the same broker (no log, no group).
    if (k === 0) cs.push(await startConsole('ingest-embedded', ['--mqtt', MQTT]));
    for (let i = 0; i < k; i++) cs.push(await startConsole(`ingest${k}-${i}`, ['--mqtt', MQTT, '--store', storeUrl(db), '--ingest-group', `g${k}`]));
    const r = await publish(B / PROBES);
    const applied = await Promise.all(cs.map(async (c) => (await c.get('/stats')).ingest.batchesApplied));
    for (const c of cs) await c.stop();
    report(
      `ingest over MQTT, ${k === 0 ? 'one console, embedded store' : `${k} console${k > 1 ? 's' : ''} in a group`}: ${r.records.toLocaleString()} records (${B} batches from ${PROBES} probes) in ${fmt(r.secs)} s = ${Math.round(r.records / r.secs).toLocaleString()} records/s; batches received per console ${applied.join(' / ')}`,
    );
  }
}

async function death() {
  const B = Number(values.batches);
  const db = 'death';
  const a = await startConsole('death-a', ['--mqtt', MQTT, '--store', storeUrl(db), '--ingest-group', 'gd']);
  const b = await startConsole('death-b', ['--mqtt', MQTT, '--store', storeUrl(db), '--ingest-group', 'gd']);
  let killedAt = null;
  const r = await publish(B / PROBES, {
    ackTimeoutMs: 3000,
    onProgress: (acked) => {
      if (killedAt === null && acked >= B / 4) {
        killedAt = acked;
        b.p.kill('SIGKILL');
      }
    },
  });
  await sleep(3000); // the survivor's tail brings the batches the dead console had logged
  const stats = (await a.get('/stats')).ingest;
  const probes = await a.get('/probes');
  const logged = (await sql(`SELECT uniqExact(probe, epoch, seq), count() FROM ${db}.batches FORMAT TSV`)).trim().split('\t').map(Number);
  const totalRecords = probes.reduce((s, p) => s + p.records, 0);
  await a.stop();
  report(
    `\nconsole killed (SIGKILL) after ${killedAt} of ${B} batches were acknowledged: the probes resent ${r.resent} batches after 3 s without an acknowledgement; ` +
      `the survivor received ${stats.batchesApplied + stats.batchesDuplicate} (${stats.batchesDuplicate} it already had: acknowledged again, not applied again); ` +
      `the log holds ${logged[0]} batches in ${logged[1]} rows (${logged[1] - logged[0]} logged twice); the survivor holds ${totalRecords.toLocaleString()} of ${r.records.toLocaleString()} records ` +
      `(${totalRecords === r.records ? 'all, once' : 'NOT all'}); ${fmt(r.secs)} s in all`,
  );
}

try {
  if (!values.only || values.only === 'queries') await queries();
  if (!values.only || values.only === 'ingest') await ingest();
  if (!values.only || values.only === 'death') await death();
  console.log(`\nClickHouse ${version} (Debian), Mosquitto, ${N.toLocaleString()} edges; 2-core VM shared by every process here`);
  console.log(out.join('\n'));
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await sleep(500);
  rmSync(dir, { recursive: true, force: true });
}
