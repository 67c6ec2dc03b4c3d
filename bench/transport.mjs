#!/usr/bin/env node
// Transport benchmarks (issues 4 and 14):
//  1. bytes per flow on the wire: our batches (wire v2: flow records) vs NetFlow v9 from softflowd,
//     same capture;
//  2. console ingest rate (flow records/s) on one core, through decode + merge + LMDB commit;
//  3. end-to-end: `probe read --publish` of a 1M-flow capture until the console acknowledged all.
// usage: node bench/transport.mjs [--skip-e2e] [--flows N]
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { OUT, CLI, ensureCapture, have, table } from './lib.mjs';
import { FlowTable, DEFAULT_FLOW_OPTIONS } from '../probe/dist/flowtable/flow-table.js';
import { replayFiles } from '../probe/dist/capture/replay.js';
import { encodeBatch } from '../shared/dist/index.js';
import { ConsoleStore } from '../console/dist/store/console-store.js';
import { ConsoleData } from '../console/dist/data.js';
import { Ingester } from '../console/dist/ingest/ingester.js';
import { RateLimitedLog } from '../console/dist/util/rate-limited-log.js';

const { values } = parseArgs({ options: { 'skip-e2e': { type: 'boolean' }, flows: { type: 'string', default: '1000000' } } });
const work = mkdtempSync(join(tmpdir(), 'spanmap-bench-transport-'));
const EPOCH = 'ab'.repeat(16);

async function records(file) {
  const out = [];
  const t = new FlowTable(DEFAULT_FLOW_OPTIONS, (r) => out.push(r));
  await replayFiles([file], t, { decapInner: false });
  t.flush('eof');
  return out;
}

/** Wire version 2 batches of 5000 records (the probe's default), as published. */
function encodeAll(records, per = 5000) {
  let bytes = 0;
  const payloads = [];
  for (let i = 0, seq = 1; i < records.length; i += per, seq++) {
    const chunk = records.slice(i, i + per);
    const from = Math.min(...chunk.map((e) => e.first));
    const to = Math.max(...chunk.map((e) => e.last));
    const p = encodeBatch({ v: 2, probe: 'bench', epoch: EPOCH, seq, from, to, records: chunk, names: [], entries: [] });
    payloads.push(p);
    bytes += p.length + 30; // + MQTT fixed header, topic, packet id
  }
  return { bytes, payloads };
}

// ---- 1. wire size -----------------------------------------------------------------------------
const site = join(OUT, 'site-7d.pcap');
ensureCapture(site, ['--days', '7', '--seed', '3']);
const recs = await records(site);
const perRecord = encodeAll(recs);

let nf9 = null;
if (have('softflowd')) {
  const sock = createSocket('udp4');
  let bytes = 0;
  let datagrams = 0;
  sock.on('message', (m) => {
    bytes += m.length;
    datagrams++;
  });
  await new Promise((r) => sock.bind(0, '127.0.0.1', r));
  const port = sock.address().port;
  // Short control-socket path: softflowd 1.1.0 can otherwise hang in accept() in file mode.
  await new Promise((resolve) =>
    spawn('softflowd', ['-r', site, '-v', '9', '-n', `127.0.0.1:${port}`, '-d', '-6', '-m', '500000', '-p', '/tmp/sfw.pid', '-c', '/tmp/sfw.ctl'], {
      stdio: 'ignore',
    }).on('exit', resolve),
  );
  await new Promise((r) => setTimeout(r, 500));
  sock.close();
  nf9 = { bytes: bytes + datagrams * 28, datagrams };
}
const flows = recs.length;
console.log(`\nbytes on the wire per flow record (${flows} records from ${site}, 7 days)`);
const rows = [['spanmap wire v2 (flow records, deflated)', perRecord.bytes, (perRecord.bytes / flows).toFixed(1)]];
if (nf9) rows.push(['NetFlow v9 (softflowd, UDP/IP incl.)', nf9.bytes, (nf9.bytes / flows).toFixed(1)]);
console.log(table(rows, ['encoding', 'bytes', 'bytes/flow']));
if (nf9) console.log(`ratio to NetFlow v9: ${(perRecord.bytes / nf9.bytes).toFixed(3)}`);

// ---- 2. console ingest rate ---------------------------------------------------------------------
// Records from the 7-day site repeated under several probe ids with shifted client ports (distinct
// conversations), so the merge index, edge table and hour buckets grow as on a larger site.
{
  const store = new ConsoleStore(join(work, 'console'));
  store.open();
  const data = new ConsoleData(store);
  await data.start();
  const ingester = new Ingester({ writer: data.writer, ack: () => {}, log: new RateLimitedLog(() => {}) });
  ingester.afterCommit.push((r) => data.committed(r));
  const batches = [];
  let total = 0;
  for (let copy = 0; copy < 5; copy++) {
    const shifted = recs.map((r) => ({ ...r, sport: (r.sport + copy * 7919) % 65536 }));
    for (let i = 0, seq = 1; i < shifted.length; i += 5000, seq++) {
      const chunk = shifted.slice(i, i + 5000);
      const from = Math.min(...chunk.map((e) => e.first));
      const to = Math.max(...chunk.map((e) => e.last));
      batches.push({
        probe: `probe-${copy}`,
        payload: encodeBatch({ v: 2, probe: `probe-${copy}`, epoch: EPOCH, seq, from, to, records: chunk, names: [], entries: [] }),
      });
      total += chunk.length;
    }
  }
  const t0 = performance.now();
  await Promise.all(batches.map((b) => ingester.submit(b.probe, b.payload)));
  const secs = (performance.now() - t0) / 1000;
  console.log(
    `\nconsole ingest: ${total} flow records in ${batches.length} batches (decode + merge + LMDB commit) in ${secs.toFixed(2)} s = ${Math.round(total / secs).toLocaleString()} records/s; ${ingester.counters.transactions} transactions, ${data.catalog.maxId} edges`,
  );
  data.analyzer.stop();
  await data.stop();
  await store.close();
}

// ---- 3. end to end ------------------------------------------------------------------------------
if (!values['skip-e2e']) {
  const n = Number(values.flows);
  const cap = join(OUT, `bench-e2e-${n}f.pcap`);
  ensureCapture(cap, ['--bench', '--flows', String(n), '--packets', String(n * 4)]);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const http = port + 1;
  const consoleProc = spawn(process.execPath, [CLI, 'console', '--data', join(work, 'c2'), '--broker', `127.0.0.1:${port}`, '--http', `127.0.0.1:${http}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, SPANMAP_API_TOKEN: 'bench-token-1234567890' },
  });
  await new Promise((r) => setTimeout(r, 1500));
  const t0 = performance.now();
  const code = await new Promise((resolve) =>
    spawn(process.execPath, [CLI, 'probe', 'read', cap, '--publish', `mqtt://127.0.0.1:${port}`, '--probe-id', 'bench', '--data', join(work, 'p2')], {
      stdio: 'inherit',
    }).on('exit', resolve),
  );
  const secs = (performance.now() - t0) / 1000;
  const probes = await (await fetch(`http://127.0.0.1:${http}/api/v1/probes`, { headers: { authorization: 'Bearer bench-token-1234567890' } })).json();
  consoleProc.kill('SIGTERM');
  console.log(
    `\nend to end: ${n.toLocaleString()} flows (${(n * 4).toLocaleString()} packets) from probe read --publish to fully acknowledged: ${secs.toFixed(1)} s (exit ${code}); console has ${probes[0]?.flows} flows, ${probes[0]?.packets} packets`,
  );
}
rmSync(work, { recursive: true, force: true });
