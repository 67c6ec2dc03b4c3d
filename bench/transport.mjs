#!/usr/bin/env node
// Transport benchmarks (issue 4):
//  1. bytes per flow on the wire: our summary batches vs NetFlow v9 from softflowd, same capture;
//  2. console ingest rate into LMDB (flow records/s) on one core, through decode + ingest;
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
import { Summarizer } from '../probe/dist/store/summarizer.js';
import { encodeBatch } from '../shared/dist/index.js';
import { ConsoleStore } from '../console/dist/store/console-store.js';
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

function encodeAll(entries) {
  let bytes = 0;
  const payloads = [];
  for (let i = 0, seq = 1; i < entries.length; i += 2000, seq++) {
    const chunk = entries.slice(i, i + 2000);
    const from = Math.min(...chunk.map((e) => e.first));
    const to = Math.max(...chunk.map((e) => e.last));
    const p = encodeBatch({ v: 1, probe: 'bench', epoch: EPOCH, seq, from, to, entries: chunk });
    payloads.push(p);
    bytes += p.length + 30; // + MQTT fixed header, topic, packet id
  }
  return { bytes, payloads };
}

// ---- 1. wire size -----------------------------------------------------------------------------
const site = join(OUT, 'site-7d.pcap');
ensureCapture(site, ['--days', '7', '--seed', '3']);
const recs = await records(site);
const s = new Summarizer();
recs.forEach((r, i) => s.add(r, i + 1));
const summarized = encodeAll(s.drain().entries);
const perRecord = encodeAll(
  recs.map((r) => ({
    src: r.src,
    dst: r.dst,
    proto: r.proto,
    port: r.dport,
    vlan: r.vlan,
    iface: r.iface ?? null,
    flows: r.cont ? 0 : 1,
    records: 1,
    packets: r.packets,
    bytes: r.bytes,
    rpackets: r.rpackets,
    rbytes: r.rbytes,
    first: r.first,
    last: r.last,
    tcpFlags: r.tcpFlags,
    rtcpFlags: r.rtcpFlags,
    init: { syn: +(r.initiator === 'syn'), port: +(r.initiator === 'port'), first: +(r.initiator === 'first') },
  })),
);

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
const rows = [
  ['spanmap summaries (default)', summarized.bytes, (summarized.bytes / flows).toFixed(1)],
  ['spanmap, one entry per record', perRecord.bytes, (perRecord.bytes / flows).toFixed(1)],
];
if (nf9) rows.push(['NetFlow v9 (softflowd, UDP/IP incl.)', nf9.bytes, (nf9.bytes / flows).toFixed(1)]);
console.log(table(rows, ['encoding', 'bytes', 'bytes/flow']));
if (nf9) console.log(`ratio to NetFlow v9: summaries ${(summarized.bytes / nf9.bytes).toFixed(3)}, per record ${(perRecord.bytes / nf9.bytes).toFixed(3)}`);

// ---- 2. console ingest rate ---------------------------------------------------------------------
// Records from the 7-day site repeated under several probe ids, so the edge table and hour buckets grow.
{
  const store = new ConsoleStore(join(work, 'console'));
  const ingester = new Ingester(store, { ack: () => {}, log: new RateLimitedLog(() => {}) });
  const batches = [];
  const entries = recs.map((r) => ({
    src: r.src,
    dst: r.dst,
    proto: r.proto,
    port: r.dport,
    vlan: r.vlan,
    iface: null,
    flows: r.cont ? 0 : 1,
    records: 1,
    packets: r.packets,
    bytes: r.bytes,
    rpackets: r.rpackets,
    rbytes: r.rbytes,
    first: r.first,
    last: r.last,
    tcpFlags: r.tcpFlags,
    rtcpFlags: r.rtcpFlags,
    init: { syn: +(r.initiator === 'syn'), port: +(r.initiator === 'port'), first: +(r.initiator === 'first') },
  }));
  let total = 0;
  for (let copy = 0; copy < 5; copy++) {
    for (let i = 0, seq = 1; i < entries.length; i += 2000, seq++) {
      const chunk = entries.slice(i, i + 2000);
      batches.push({
        probe: `probe-${copy}`,
        payload: encodeBatch({ v: 1, probe: `probe-${copy}`, epoch: EPOCH, seq, from: chunk[0].first, to: chunk.at(-1).last, entries: chunk }),
      });
      total += chunk.length;
    }
  }
  const t0 = performance.now();
  await Promise.all(batches.map((b) => ingester.submit(b.probe, b.payload)));
  const secs = (performance.now() - t0) / 1000;
  console.log(
    `\nconsole ingest: ${total} flow records in ${batches.length} batches (one entry per record, decode + dedupe + LMDB commit) in ${secs.toFixed(2)} s = ${Math.round(total / secs).toLocaleString()} records/s; ${ingester.counters.transactions} transactions, ${store.edgeCount} edges`,
  );
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
