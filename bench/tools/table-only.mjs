#!/usr/bin/env node
// The flow table alone on real traffic: every packet of a capture is decoded once into arrays,
// then replayed into FlowTable.add several times (CPU time per round, so other tenants of a
// noisy machine disturb it less). Isolates the table from reading and decoding.
// usage: node bench/tools/table-only.mjs FILE [ROUNDS]
import { CaptureFileReader } from '../../probe/dist/capture/file-reader.js';
import { decodeFrame, PacketInfo } from '../../probe/dist/decode/index.js';
import { FlowTable, DEFAULT_FLOW_OPTIONS } from '../../probe/dist/flowtable/flow-table.js';
import { PacketBatch } from '../../probe/dist/flowtable/packet-batch.js';

const [file, rounds = '5'] = process.argv.slice(2);
if (!file) {
  console.error('usage: table-only.mjs FILE [ROUNDS]');
  process.exit(2);
}
const FIELDS = ['family', 's0', 's1', 's2', 's3', 'd0', 'd1', 'd2', 'd3', 'proto', 'sport', 'dport', 'ipBytes', 'tcpFlags', 'vlan'];
const cols = Object.fromEntries(FIELDS.map((f) => [f, []]));
const ts = [];
const p = new PacketInfo();
const reader = new CaptureFileReader(file);
const clock = reader.clock;
while (
  reader.step((d, o, c, _w, l) => {
    if (decodeFrame(d, o, c, l, p, true) !== 0 || p.frag !== 0) return;
    for (const f of FIELDS) cols[f].push(p[f]);
    ts.push(clock[0]);
  }, 65536)
);
const n = ts.length;
const arr = Object.fromEntries(FIELDS.map((f) => [f, Float64Array.from(cols[f])]));
const tsArr = Float64Array.from(ts);

function replay(table) {
  const q = new PacketInfo();
  const batch = new PacketBatch();
  const { family, s0, s1, s2, s3, d0, d1, d2, d3, proto, sport, dport, ipBytes, tcpFlags, vlan } = arr;
  for (let i = 0; i < n; i++) {
    q.family = family[i];
    q.s0 = s0[i];
    q.s1 = s1[i];
    q.s2 = s2[i];
    q.s3 = s3[i];
    q.d0 = d0[i];
    q.d1 = d1[i];
    q.d2 = d2[i];
    q.d3 = d3[i];
    q.proto = proto[i];
    q.sport = sport[i];
    q.dport = dport[i];
    q.ipBytes = ipBytes[i];
    q.tcpFlags = tcpFlags[i];
    q.vlan = vlan[i];
    q.ts = tsArr[i];
    batch.push(q, 0);
    if (batch.full) table.addBatch(batch, 1000);
  }
  table.addBatch(batch, 1000);
  table.flush();
}

for (let r = 0; r < Number(rounds); r++) {
  let records = 0;
  const table = new FlowTable(DEFAULT_FLOW_OPTIONS, () => records++);
  const c0 = process.cpuUsage();
  replay(table);
  const c = process.cpuUsage(c0);
  const ms = (c.user + c.system) / 1000;
  console.log(`round ${r}: ${n} packets, ${records} records, ${ms.toFixed(0)} ms CPU, ${((ms * 1e6) / n).toFixed(0)} ns/packet`);
}
